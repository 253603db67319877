using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace MLOps.Workflows.Pipeline;

/// <summary>Binds the pipeline's ports to the real services of the feature store, recommenders, registry and drift libraries.</summary>
internal static class PipelineWiring
{
    public static void AddPipelinePorts(IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IPipelineNotifier, BlobNotifier>();
    }
}
