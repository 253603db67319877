using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MLOps.Drift;
using MLOps.Registry;

namespace MLOps.Workflows.Pipeline;

/// <summary>Binds the pipeline's ports to the real services of the feature store, recommenders, registry and drift libraries.</summary>
internal static class PipelineWiring
{
    public static void AddPipelinePorts(IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IPipelineNotifier, BlobNotifier>();
        builder.Services.TryAddSingleton<ICandidateTrainer, RecommenderTrainer>();
        builder.Services.TryAddSingleton<ICandidateTuner, RecommenderTuner>();
        builder.AddRegistry(); // also the feature store
        builder.Services.TryAddSingleton<IFeatureRefresher, FeatureStoreRefresher>();
        builder.Services.TryAddSingleton<IModelRegistryGateway, RegistryGateway>();
        builder.AddDrift();
        builder.Services.TryAddSingleton<IDriftGateway, DriftGateway>();
    }
}
