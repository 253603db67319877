using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLOps.Workflows.Orchestration;

/// <summary>
/// Starting and managing instances: the embedded runner implements it locally, the Durable adapter over
/// DurableTaskClient on Azure. The HTTP management API and the CLI use only this.
/// </summary>
public interface IOrchestrationClient
{
    /// <summary>
    /// Starts <paramref name="name"/>. With an <paramref name="instanceId"/> the instance is a singleton: while an
    /// instance with that id is pending or running, nothing new starts and its id comes back with AlreadyRunning.
    /// </summary>
    Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default);

    /// <summary>The instance's state, or null when unknown.</summary>
    Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Delivers an event (e.g. "approval") to a waiting or future WaitForExternalEvent.</summary>
    Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default);

    Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops a Pending or Running instance from advancing until <see cref="ResumeAsync"/>: activities already running
    /// finish, and their results and raised events are kept and applied after the resume. Recorded with the reason.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown id and <see cref="InstanceStateException"/> otherwise
    /// (finished, or already suspended: Durable's rule).
    /// </summary>
    Task SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Lets a Suspended instance advance again; <see cref="InstanceStateException"/> when it is not suspended.</summary>
    Task ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns a Failed instance to Running: its failed activity and sub-orchestration steps run again, every step that
    /// succeeded keeps its recorded result. <see cref="InstanceStateException"/> when it has not failed;
    /// <see cref="NotSupportedException"/> where the engine has no rewind (Durable Task client 1.3.0).
    /// </summary>
    Task RewindAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Instances, newest first (optionally only those in <paramref name="statuses"/>).</summary>
    Task<IReadOnlyList<OrchestrationState>> ListAsync(IReadOnlyCollection<RuntimeStatus>? statuses = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the history of finished instances last updated before <paramref name="olderThan"/>; running ones are kept.</summary>
    Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default);

    /// <summary>Waits until the instance completes, fails or is terminated.</summary>
    Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default);
}

public sealed record StartResult(string InstanceId, bool AlreadyRunning);

[JsonConverter(typeof(JsonStringEnumConverter<RuntimeStatus>))]
public enum RuntimeStatus { Pending, Running, Completed, Failed, Terminated, Suspended, ContinuedAsNew }

/// <summary>An instance as the status API shows it (Durable's shape, camelCase).</summary>
public sealed record OrchestrationState
{
    public required string InstanceId { get; init; }
    public required string Name { get; init; }
    public required RuntimeStatus RuntimeStatus { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastUpdatedAt { get; init; }
    public JsonElement? Input { get; init; }
    public JsonElement? Output { get; init; }
    public JsonElement? CustomStatus { get; init; }
    public FailureDetails? Failure { get; init; }

    [JsonIgnore]
    public bool IsFinished => RuntimeStatus is RuntimeStatus.Completed or RuntimeStatus.Failed or RuntimeStatus.Terminated;
}

public sealed record FailureDetails(string ErrorType, string ErrorMessage, string? StackTrace = null);
