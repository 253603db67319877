using System.Text.Json;
using Microsoft.DurableTask;
using MLOps.Workflows.Orchestration;

namespace MLOps.Durable;

/// <summary>
/// Runs the registry's orchestrators and activities on Durable Task by name: the bodies of the Functions
/// host's <c>[OrchestrationTrigger]</c> / <c>[ActivityTrigger]</c> functions and of the DurableTask.Core engine.
/// </summary>
public sealed class DurableWorkflows(WorkflowRegistry registry, IServiceProvider services)
{
    public WorkflowRegistry Registry => registry;

    /// <summary>Runs the orchestrator registered under the context's name.</summary>
    public Task<JsonElement?> RunOrchestratorAsync(TaskOrchestrationContext context) =>
        RunOrchestratorAsync(context, context.GetInput<JsonElement?>());

    public async Task<JsonElement?> RunOrchestratorAsync(TaskOrchestrationContext context, JsonElement? input)
    {
        ArgumentNullException.ThrowIfNull(context);
        var definition = registry.GetOrchestrator(context.Name.Name);
        var adapter = new DurableOrchestrationContext(context, input);
        var output = await definition.RunAsync(adapter, WorkflowJson.FromElement(input, definition.InputType));
        return WorkflowJson.ToElement(output);
    }

    /// <summary>Runs the activity <paramref name="name"/> for one instance.</summary>
    public async Task<JsonElement?> RunActivityAsync(string name, string instanceId, JsonElement? input, CancellationToken cancellationToken = default)
    {
        var definition = registry.GetActivity(name);
        var output = await definition.RunAsync(services, new ActivityContext(name, instanceId),
            WorkflowJson.FromElement(input, definition.InputType), cancellationToken).ConfigureAwait(false);
        return WorkflowJson.ToElement(output);
    }
}
