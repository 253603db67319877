using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using MLOps.Durable;
using MLOps.Workflows;

namespace MLOps.Functions;

/// <summary>
/// The registry's orchestrations as <c>[OrchestrationTrigger]</c> functions: each hands its
/// <see cref="TaskOrchestrationContext"/> to the adapter, which runs the orchestrator registered under the same name.
/// </summary>
public sealed class OrchestrationFunctions(DurableWorkflows workflows)
{
    [Function(OrchestrationNames.RetrainPipeline)]
    public Task<JsonElement?> RetrainPipeline([OrchestrationTrigger] TaskOrchestrationContext context) => workflows.RunOrchestratorAsync(context);

    [Function(OrchestrationNames.DriftMonitor)]
    public Task<JsonElement?> DriftMonitor([OrchestrationTrigger] TaskOrchestrationContext context) => workflows.RunOrchestratorAsync(context);

    [Function(OrchestrationNames.Purge)]
    public Task<JsonElement?> Purge([OrchestrationTrigger] TaskOrchestrationContext context) => workflows.RunOrchestratorAsync(context);
}

/// <summary>
/// The registry's activities as <c>[ActivityTrigger]</c> functions, dispatched by name to the same code the
/// embedded runner calls. (A test checks that every registered activity has its function here.)
/// </summary>
public sealed class ActivityFunctions(DurableWorkflows workflows)
{
    private Task<JsonElement?> Run(string name, JsonElement input, FunctionContext context) =>
        workflows.RunActivityAsync(name, InstanceId(context), input, context.CancellationToken);

    private static string InstanceId(FunctionContext context) =>
        context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : "";
}
