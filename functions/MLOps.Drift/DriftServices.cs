using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MLOps.Drift.Alerts;
using MLOps.Storage;

namespace MLOps.Drift;

public static class DriftServices
{
    /// <summary>The drift checker and alert store over the host's blob store; thresholds from configuration section "DriftOptions".</summary>
    public static IHostApplicationBuilder AddDrift(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DriftOptions>().BindConfiguration(nameof(DriftOptions));
        builder.Services.TryAddSingleton(sp => new DriftChecker(sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IOptions<DriftOptions>>().Value, sp.GetService<TimeProvider>()));
        builder.Services.TryAddSingleton(sp => new AlertStore(sp.GetRequiredService<IBlobStore>()));
        return builder;
    }
}
