using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace MLOps.Features;

public static class FeatureServices
{
    /// <summary>The offline feature store and the online lookup (options from section "FeatureStore"). Needs AddMLOpsCore.</summary>
    public static IHostApplicationBuilder AddFeatureStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeatureStoreOptions>().BindConfiguration("FeatureStore");
        builder.Services.TryAddSingleton<FeatureStore>();
        builder.Services.TryAddSingleton<OnlineFeatureStore>();
        return builder;
    }
}
