using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using MLOps.Workflows.Orchestration;
using DurableRetryPolicy = Microsoft.DurableTask.RetryPolicy;
using RetryPolicy = MLOps.Workflows.Orchestration.RetryPolicy;

namespace MLOps.Durable;

/// <summary>
/// The orchestration contract over Durable Task's <see cref="TaskOrchestrationContext"/>. Everything that crosses
/// the engine (inputs, outputs, events, custom status) is a <see cref="JsonElement"/> written with
/// <see cref="WorkflowJson.Options"/>, so Durable's own serializer passes it through unchanged and both engines
/// store the same JSON.
/// </summary>
public sealed class DurableOrchestrationContext(TaskOrchestrationContext inner, JsonElement? input) : IOrchestrationContext
{
    public string Name => inner.Name.Name;
    public string InstanceId => inner.InstanceId;
    public bool IsReplaying => inner.IsReplaying;
    public DateTime CurrentUtcDateTime => inner.CurrentUtcDateTime;
    // The adapter is made as the orchestrator starts (re)running from the top of its history: "now" is then the first episode's.
    public DateTime RunStartedUtc { get; } = inner.CurrentUtcDateTime;

    /// <summary>The underlying Durable context, for code that needs a Durable-only feature.</summary>
    public TaskOrchestrationContext Inner => inner;

    public T? GetInput<T>() => WorkflowJson.FromElement<T>(input);

    public async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null)
    {
        try
        {
            var result = await inner.CallActivityAsync<JsonElement?>(name, WorkflowJson.ToElement(input), ToTaskOptions(retry));
            return WorkflowJson.FromElement<TResult>(result)!;
        }
        catch (TaskFailedException ex)
        {
            throw Failed(name, ex);
        }
    }

    public Task CallActivityAsync(string name, object? input = null, RetryPolicy? retry = null) =>
        CallActivityAsync<JsonElement?>(name, input, retry);

    public async Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, string? instanceId = null)
    {
        try
        {
            var options = instanceId is null ? null : new SubOrchestrationOptions(new TaskOptions(), instanceId);
            var result = await inner.CallSubOrchestratorAsync<JsonElement?>(name, WorkflowJson.ToElement(input), options);
            return WorkflowJson.FromElement<TResult>(result)!;
        }
        catch (TaskFailedException ex)
        {
            throw Failed(name, ex);
        }
    }

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken = default) =>
        inner.CreateTimer(DateTime.SpecifyKind(fireAt, DateTimeKind.Utc), cancellationToken);

    public async Task<T> WaitForExternalEvent<T>(string name, TimeSpan timeout)
    {
        var payload = await inner.WaitForExternalEvent<JsonElement?>(name, timeout);
        return WorkflowJson.FromElement<T>(payload)!;
    }

    public void SetCustomStatus(object? status) => inner.SetCustomStatus(WorkflowJson.ToElement(status));

    public Guid NewGuid() => inner.NewGuid();

    public ILogger CreateReplaySafeLogger(string categoryName) => inner.CreateReplaySafeLogger(categoryName);

    public void ContinueAsNew(object? newInput)
    {
        ContinuedAsNew = true;
        inner.ContinueAsNew(WorkflowJson.ToElement(newInput), preserveUnprocessedEvents: false);
    }

    /// <summary>Whether this episode restarted the instance (it has not ended, so it is not counted as finished).</summary>
    public bool ContinuedAsNew { get; private set; }

    /// <summary>The contract's retry policy as Durable's (same schedule: first interval, then times the coefficient, capped).</summary>
    public static TaskOptions? ToTaskOptions(RetryPolicy? retry) =>
        retry is null || retry.MaxAttempts <= 1 ? null
        : TaskOptions.FromRetryPolicy(new DurableRetryPolicy(retry.MaxAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient,
            retry.MaxRetryInterval));

    private static WorkflowTaskFailedException Failed(string name, TaskFailedException ex)
    {
        // A failed sub-orchestration carries the failure of its own failed task as the inner failure.
        var details = ex.FailureDetails;
        return new WorkflowTaskFailedException(name, details.ErrorType, details.ErrorMessage, ex);
    }
}
