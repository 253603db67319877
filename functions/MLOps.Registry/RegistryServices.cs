using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Features;

namespace MLOps.Registry;

public static class RegistryServices
{
    /// <summary>The model registry with its notifier (section "Registry"), plus the feature store. Needs AddMLOpsCore.</summary>
    public static IHostApplicationBuilder AddRegistry(this IHostApplicationBuilder builder)
    {
        builder.AddFeatureStore();
        builder.Services.AddOptions<RegistryOptions>().BindConfiguration("Registry");
        builder.Services.AddHttpClient(nameof(AliasNotifier));
        builder.Services.TryAddSingleton(sp => AliasNotifier.FromOptions(
            sp.GetRequiredService<IOptions<RegistryOptions>>().Value,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(AliasNotifier)),
            sp.GetService<ILogger<AliasNotifier>>()));
        builder.Services.TryAddSingleton<ModelRegistry>();
        return builder;
    }
}
