using System.Text.Json;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Embedded;

public enum HistoryEventType
{
    ExecutionStarted, OrchestratorStarted,
    TaskScheduled, TaskCompleted, TaskFailed,
    TimerCreated, TimerFired,
    SubOrchestrationCreated, SubOrchestrationCompleted, SubOrchestrationFailed,
    EventRaised, ExecutionTerminated, ExecutionCompleted, ExecutionFailed, ContinuedAsNew,
    /// <summary>Operator controls (Data = the reason): while suspended, outcomes and events are recorded but delivered only after the resume.</summary>
    ExecutionSuspended, ExecutionResumed,
    /// <summary>A failed instance was rewound (Data = the reason): its failed outcomes were removed so those steps run again.</summary>
    ExecutionRewound,
}

/// <summary>
/// One recorded fact of an instance. Actions the orchestrator takes (TaskScheduled, TimerCreated,
/// SubOrchestrationCreated) carry the step number <see cref="TaskId"/> that their outcome refers back to.
/// </summary>
public sealed record HistoryEvent
{
    public required HistoryEventType Type { get; init; }
    public DateTime Timestamp { get; init; }
    public int? TaskId { get; init; }
    public string? Name { get; init; }
    public JsonElement? Data { get; init; }
    public DateTime? FireAt { get; init; }
    public string? ChildInstanceId { get; init; }
    public RetryPolicy? Retry { get; init; }
    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }
    /// <summary>For EventRaised: the inbox message it came from (a message is applied once).</summary>
    public string? MessageId { get; init; }
}

/// <summary>
/// An instance as stored in <c>orchestrations/&lt;id&gt;/instance.json</c>: status plus its whole history, written
/// only by compare-and-swap on the blob's ETag, so a checkpoint is all-or-nothing.
/// </summary>
public sealed record InstanceRecord
{
    public required string InstanceId { get; init; }
    public required string Name { get; init; }
    public RuntimeStatus RuntimeStatus { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastUpdatedAt { get; set; }
    public JsonElement? Input { get; set; }
    public JsonElement? Output { get; set; }
    public JsonElement? CustomStatus { get; set; }
    public FailureDetails? Failure { get; set; }
    public string? ParentInstanceId { get; init; }
    /// <summary>How many times the instance continued as new (history restarts each time).</summary>
    public int Generation { get; set; }
    public List<HistoryEvent> History { get; set; } = [];

    public bool IsFinished => RuntimeStatus is RuntimeStatus.Completed or RuntimeStatus.Failed or RuntimeStatus.Terminated;

    public OrchestrationState ToState() => new()
    {
        InstanceId = InstanceId, Name = Name, RuntimeStatus = RuntimeStatus, CreatedAt = CreatedAt, LastUpdatedAt = LastUpdatedAt,
        Input = Input, Output = Output, CustomStatus = CustomStatus, Failure = Failure,
    };
}

/// <summary>A message to an instance from outside its worker (raise event, terminate, suspend, resume): <c>orchestrations/&lt;id&gt;/inbox/…</c>.</summary>
public sealed record InboxMessage(string Id, string Kind, string? Name, JsonElement? Data, DateTimeOffset SentAt)
{
    public const string EventKind = "event";
    public const string TerminateKind = "terminate";
    public const string SuspendKind = "suspend";
    public const string ResumeKind = "resume";
}
