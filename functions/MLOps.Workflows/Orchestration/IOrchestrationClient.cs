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

    /// <summary>
    /// Starts <paramref name="name"/> as <paramref name="instanceId"/> under <paramref name="mode"/>:
    /// <see cref="StartMode.ReplaceFinished"/> is the start above; <see cref="StartMode.Once"/> (the schedules: one
    /// instance per time slot) starts nothing when any instance with the id exists, finished or not, and reports it
    /// (AlreadyRunning, or AlreadyFinished). This default checks then starts, so two clients racing may both start; the
    /// embedded engine overrides it with a create-only write, so there one start wins; the Durable adapter checks too,
    /// and the host refuses a racing create while the other instance is unfinished (docs/orchestration-conformance.md, 9).
    /// </summary>
    async Task<StartResult> StartAsync(string name, object? input, string instanceId, StartMode mode, CancellationToken cancellationToken = default)
    {
        if (mode == StartMode.Once && await GetStateAsync(instanceId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            var finished = existing.RuntimeStatus is RuntimeStatus.Completed or RuntimeStatus.Failed or RuntimeStatus.Terminated;
            return new StartResult(instanceId, AlreadyRunning: !finished) { AlreadyFinished = finished };
        }
        return await StartAsync(name, input, instanceId, cancellationToken).ConfigureAwait(false);
    }

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

    /// <summary>Instances, newest first, same-time ones by instance id (<see cref="InstancePaging.NewestFirst"/>); optionally only those in <paramref name="statuses"/>.</summary>
    Task<IReadOnlyList<OrchestrationState>> ListAsync(IReadOnlyCollection<RuntimeStatus>? statuses = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the history of finished instances last updated before <paramref name="olderThan"/>; running ones are kept.</summary>
    Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default);

    /// <summary>Waits until the instance completes, fails or is terminated.</summary>
    Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default);
}

public sealed record StartResult(string InstanceId, bool AlreadyRunning)
{
    /// <summary>A <see cref="StartMode.Once"/> start found the id's instance already finished: nothing started.</summary>
    public bool AlreadyFinished { get; init; }

    /// <summary>This start created the instance (neither an unfinished nor, with <see cref="StartMode.Once"/>, a finished one existed).</summary>
    public bool Started => !AlreadyRunning && !AlreadyFinished;
}

/// <summary>How a start with an instance id treats an existing instance of that id.</summary>
public enum StartMode
{
    /// <summary>Explicit starts (HTTP, CLI, DriftMonitor's retrain): an unfinished instance is kept (AlreadyRunning); a finished one is replaced and runs again.</summary>
    ReplaceFinished,

    /// <summary>Schedules: any existing instance of the id, finished or not, is kept; the id is started at most once per store.</summary>
    Once,
}

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

    /// <summary>The custom status's <c>step</c> (the workflows' convention: <c>{"step": …}</c>), null without one.</summary>
    [JsonIgnore]
    public string? Step => StatusText("step");

    /// <summary>The custom status's <c>detail</c> (for a finished pipeline, its outcome and why), null without one.</summary>
    [JsonIgnore]
    public string? Detail => StatusText("detail");

    /// <summary>"… is completed; it takes no more events (it ended: promoted: all gates pass)." for a refused event.</summary>
    public string TakesNoMoreEvents() =>
        $"{Name} {InstanceId} is {RuntimeStatus.ToString().ToLowerInvariant()}; it takes no more events" + (Detail is { } detail ? $" (it ended: {detail})." : ".");

    private string? StatusText(string property) =>
        CustomStatus is { ValueKind: JsonValueKind.Object } status && status.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() : null;
}

/// <summary>
/// What failed, as API callers and the CLI see it: the error's type and message, on both hosts. No stack trace: it shows the
/// code's insides to any holder of a read key, and the Durable client's one and ours differed, so the two hosts' bodies did.
/// </summary>
public sealed record FailureDetails(string ErrorType, string ErrorMessage);
