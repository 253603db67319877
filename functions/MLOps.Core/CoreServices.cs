using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MLOps.Core.Http;
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
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = NameTheContentType);
        return builder;
    }

    /// <summary>
    /// The 415 that the local host's routing answers for a JSON route (<c>Accepts</c>, see <see cref="JsonContentType"/>) before
    /// any filter runs had neither <c>field</c> nor detail, while every other rejection names what is wrong: it gets the same
    /// field and detail as the filter's 415, which is what the Functions host answers.
    /// </summary>
    private static void NameTheContentType(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status != StatusCodes.Status415UnsupportedMediaType || context.ProblemDetails.Extensions.ContainsKey("field")) return;
        context.ProblemDetails.Extensions["field"] = "Content-Type";
        context.ProblemDetails.Detail ??= JsonContentType.Detail;
    }
}
