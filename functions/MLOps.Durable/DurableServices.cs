using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MLOps.Workflows;

namespace MLOps.Durable;

public static class DurableServices
{
    /// <summary>The workflow definitions (orchestrations, activities, their services) run by Durable Task.</summary>
    public static IHostApplicationBuilder AddDurableWorkflows(this IHostApplicationBuilder builder)
    {
        builder.AddWorkflowDefinitions();
        builder.Services.TryAddSingleton<DurableWorkflows>();
        return builder;
    }
}
