using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MLOps.Core.Security;
using MLOps.Storage;

namespace MLOps.Core;

public static class CoreServices
{
    /// <summary>The blob store (from <paramref name="storeSpec"/>, else MLOPS_STORE / .mlops), a clock, API keys and problem details.</summary>
    public static IHostApplicationBuilder AddMLOpsCore(this IHostApplicationBuilder builder, string? storeSpec = null)
    {
        builder.Services.TryAddSingleton<IBlobStore>(_ => BlobStoreFactory.Open(storeSpec ?? builder.Configuration["MLOPS_STORE"]));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ApiKeyStore>();
        builder.Services.AddProblemDetails();
        return builder;
    }
}
