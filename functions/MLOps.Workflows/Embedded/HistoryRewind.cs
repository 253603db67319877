using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Embedded;

/// <summary>
/// The history a rewound instance continues from (Durable's rewind): every failed activity or sub-orchestration
/// outcome and the ExecutionFailed marker are removed, so those steps are scheduled-but-unanswered and run again;
/// every recorded success stays and is never re-run. Pure: no I/O.
/// </summary>
public static class HistoryRewind
{
    private static bool IsFailure(HistoryEvent e) => e.Type is HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationFailed;

    /// <summary>
    /// The rewound history. When the orchestrator had reacted to a failure (a catch block that took other steps before
    /// failing), replaying without the failure no longer reaches those steps; then the history is cut at the first
    /// failure instead (outcomes of steps scheduled before it and raised events are kept), so the replay is always
    /// deterministic and only the steps taken after the first failure may run again. <paramref name="cut"/> says which.
    /// </summary>
    public static List<HistoryEvent> Rewind(OrchestratorDefinition definition, InstanceRecord record, out bool cut)
    {
        var kept = record.History.Where(e => !IsFailure(e) && e.Type != HistoryEventType.ExecutionFailed).ToList();
        cut = false;
        if (Replays(definition, record, kept)) return kept;

        cut = true;
        var first = record.History.FindIndex(IsFailure);
        if (first < 0) return kept; // failed by itself or by non-determinism: nothing to cut, the replay tells again
        var scheduledBefore = record.History.Take(first)
            .Where(e => e.Type is HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated)
            .Select(e => e.TaskId).ToHashSet();
        var cutHistory = record.History.Take(first).ToList();
        cutHistory.AddRange(record.History.Skip(first + 1).Where(e => e.Type switch
        {
            HistoryEventType.TaskCompleted or HistoryEventType.TimerFired or HistoryEventType.SubOrchestrationCompleted => scheduledBefore.Contains(e.TaskId),
            HistoryEventType.EventRaised or HistoryEventType.OrchestratorStarted or HistoryEventType.ExecutionSuspended
                or HistoryEventType.ExecutionResumed or HistoryEventType.ExecutionRewound => true,
            _ => false,
        }));
        return cutHistory;
    }

    /// <summary>The failed sub-orchestrations whose outcome a rewind removes: they are rewound first.</summary>
    public static IReadOnlyList<string> FailedChildren(InstanceRecord record) =>
        [.. record.History.Where(e => e.Type == HistoryEventType.SubOrchestrationFailed)
            .Select(f => record.History.Find(c => c.Type == HistoryEventType.SubOrchestrationCreated && c.TaskId == f.TaskId)?.ChildInstanceId)
            .OfType<string>().Distinct(StringComparer.Ordinal)];

    private static bool Replays(OrchestratorDefinition definition, InstanceRecord record, List<HistoryEvent> history)
    {
        var candidate = record with { History = history };
        return OrchestrationExecutor.Run(definition, candidate).NonDeterminism is null;
    }
}
