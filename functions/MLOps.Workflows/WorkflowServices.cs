using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MLOps.Core;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows;

public static class WorkflowServices
{
    /// <summary>
    /// The orchestrations, activities and the services the activities call, without an engine.
    /// The Azure host calls this and adds the Durable adapter; <c>AddWorkflows</c> adds the embedded runner.
    /// </summary>
    public static IHostApplicationBuilder AddWorkflowDefinitions(this IHostApplicationBuilder builder)
    {
        builder.AddMLOpsCore();
        builder.Services.TryAddSingleton(_ => WorkflowCatalog.Create());
        return builder;
    }
}
