using System.Text.Json;
using Microsoft.DurableTask;
using MLOps.Workflows.Orchestration;

namespace MLOps.Durable;

/// <summary>
/// Runs the registry's orchestrators and activities on Durable Task by name: the bodies of the Functions
/// host's <c>[OrchestrationTrigger]</c> / <c>[ActivityTrigger]</c> functions and of the DurableTask.Core host.
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
        // No ConfigureAwait(false): orchestrator code stays on Durable's single-threaded scheduler.
        object? output;
        try
        {
            output = await definition.RunAsync(adapter, WorkflowJson.FromElement(input, definition.InputType));
        }
        catch (Exception) when (!context.IsReplaying)
        {
            OrchestrationMetrics.Finished(definition.Name, RuntimeStatus.Failed);
            throw;
        }
        // Only the episode that runs the body to its end live (not replaying) counts it: once per instance.
        if (!context.IsReplaying && !adapter.ContinuedAsNew) OrchestrationMetrics.Finished(definition.Name, RuntimeStatus.Completed);
        return WorkflowJson.ToElement(output);
    }

    /// <summary>
    /// Runs the activity <paramref name="name"/> for one instance. Activities that start or purge instances resolve
    /// <see cref="IOrchestrationClient"/>: on Durable that is <paramref name="client"/> (the function's [DurableClient]).
    /// </summary>
    public async Task<JsonElement?> RunActivityAsync(string name, string instanceId, JsonElement? input, IOrchestrationClient? client = null,
        CancellationToken cancellationToken = default)
    {
        var definition = registry.GetActivity(name);
        var provider = client is null ? services : new ClientServiceProvider(services, client);
        var output = await definition.RunAsync(provider, new ActivityContext(name, instanceId),
            WorkflowJson.FromElement(input is { ValueKind: JsonValueKind.Undefined } ? null : input, definition.InputType), cancellationToken).ConfigureAwait(false);
        return WorkflowJson.ToElement(output);
    }

    /// <summary>The host's services, with <see cref="IOrchestrationClient"/> bound to the engine the activity runs on.</summary>
    private sealed class ClientServiceProvider(IServiceProvider inner, IOrchestrationClient client) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IOrchestrationClient) ? client : inner.GetService(serviceType);
    }
}
