using Microsoft.Extensions.Logging;

namespace MLOps.Workflows.Orchestration;

/// <summary>
/// What an orchestrator sees: Durable Functions semantics without Azure types. Orchestrators are plain async
/// methods that are deterministic (time and GUIDs from here, no I/O, no randomness, no threads); every side
/// effect is an activity. Two engines implement it: the embedded runner (local) and the Durable Task adapter
/// (Azure), and both run the same orchestrators.
/// </summary>
public interface IOrchestrationContext
{
    /// <summary>The orchestration's registered name.</summary>
    string Name { get; }

    string InstanceId { get; }

    /// <summary>True while the orchestrator re-runs over recorded history (log and report only when false).</summary>
    bool IsReplaying { get; }

    /// <summary>Deterministic "now": the time the current episode started, the same on every replay.</summary>
    DateTime CurrentUtcDateTime { get; }

    /// <summary>
    /// When this run of the instance started (its first episode), the same on every replay. An instance id is reused once
    /// a run has ended (the drift-started singleton, <c>--instance-id</c>): with <see cref="InstanceId"/> it names the run.
    /// </summary>
    DateTime RunStartedUtc { get; }

    /// <summary>The orchestration's input, deserialized from JSON (default when there was none).</summary>
    T? GetInput<T>();

    /// <summary>
    /// Schedules an activity and awaits its JSON result. Throws <see cref="WorkflowTaskFailedException"/> when it
    /// fails after the retries of <paramref name="retry"/>. Start several before awaiting to fan out.
    /// </summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null);

    /// <summary>Schedules an activity with no result.</summary>
    Task CallActivityAsync(string name, object? input = null, RetryPolicy? retry = null);

    /// <summary>Runs another registered orchestration as a child and awaits its output.</summary>
    Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, string? instanceId = null);

    /// <summary>A durable timer: completes at <paramref name="fireAt"/> (UTC), also across restarts.</summary>
    Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for an event raised on this instance (e.g. a person's approval). Throws
    /// <see cref="TaskCanceledException"/> when <paramref name="timeout"/> passes first (as Durable does).
    /// </summary>
    Task<T> WaitForExternalEvent<T>(string name, TimeSpan timeout);

    /// <summary>Status a person or a dashboard can read while the instance runs (serialized as JSON).</summary>
    void SetCustomStatus(object? status);

    /// <summary>A GUID that is the same on every replay.</summary>
    Guid NewGuid();

    /// <summary>A logger that writes only when not replaying.</summary>
    ILogger CreateReplaySafeLogger(string categoryName);

    /// <summary>Restarts the instance with fresh history and <paramref name="newInput"/> once the orchestrator returns.</summary>
    void ContinueAsNew(object? newInput);
}

public static class OrchestrationContextExtensions
{
    /// <summary>A durable timer relative to <see cref="IOrchestrationContext.CurrentUtcDateTime"/>.</summary>
    public static Task CreateTimer(this IOrchestrationContext context, TimeSpan delay, CancellationToken cancellationToken = default) =>
        context.CreateTimer(context.CurrentUtcDateTime + delay, cancellationToken);

    /// <summary>
    /// The idempotency key of one step of one instance: activities key their effects by it. Only for instances whose id
    /// is never reused; otherwise key by <see cref="RunStepKey"/>.
    /// </summary>
    public static string StepKey(this IOrchestrationContext context, string step) => $"{context.InstanceId}:{step}";

    /// <summary>
    /// The idempotency key of one step of one run (<c>instance@run-start:step</c>). An instance id is reused once a run has
    /// ended (the drift-started singleton, <c>--instance-id</c>), and effects keyed by the id alone were taken for the
    /// earlier run's (its registered version, its notification).
    /// </summary>
    public static string RunStepKey(this IOrchestrationContext context, string step) =>
        $"{context.InstanceId}@{context.RunStartedUtc.ToString("yyyyMMdd'T'HHmmss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)}:{step}";

    /// <summary>
    /// The instance id of a <see cref="RunStepKey"/> (or of a name that starts with one): what precedes the run start's
    /// last '@'; null for a name without one, which no run step key made.
    /// </summary>
    public static string? InstanceOfRunKey(string runKey) => runKey.LastIndexOf('@') is > 0 and var at ? runKey[..at] : null;
}

/// <summary>
/// Retries of a failed activity with exponential backoff: attempt n waits
/// min(FirstRetryInterval * BackoffCoefficient^(n-1), MaxRetryInterval) before it runs.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient = 2.0, TimeSpan? MaxRetryInterval = null)
{
    /// <summary>3 attempts, 1 s then 2 s.</summary>
    public static RetryPolicy Default { get; } = new(3, TimeSpan.FromSeconds(1));

    public TimeSpan DelayBeforeAttempt(int attempt)
    {
        if (attempt <= 1) return TimeSpan.Zero;
        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, attempt - 2);
        var delay = TimeSpan.FromTicks((long)Math.Min(ticks, TimeSpan.MaxValue.Ticks / 2.0));
        return MaxRetryInterval is { } max && delay > max ? max : delay;
    }
}

/// <summary>What an activity knows about its call.</summary>
public sealed record ActivityContext(string Name, string InstanceId);

/// <summary>An activity or sub-orchestration failed (after its retries); the orchestrator may catch it.</summary>
public sealed class WorkflowTaskFailedException(string taskName, string errorType, string errorMessage, Exception? inner = null)
    : Exception($"'{taskName}' failed: {errorType}: {errorMessage}", inner)
{
    public string TaskName { get; } = taskName;
    public string ErrorType { get; } = errorType;
    public string ErrorMessage { get; } = errorMessage;
}

/// <summary>Replaying recorded history against orchestrator code that now takes a different path.</summary>
public sealed class NonDeterministicOrchestrationException(string instanceId, int step, string message)
    : Exception($"Non-deterministic orchestration '{instanceId}' at step {step}: {message}. The orchestrator code changed or is not deterministic; the recorded history was left untouched.")
{
    public string InstanceId { get; } = instanceId;
    public int Step { get; } = step;
}
