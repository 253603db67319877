namespace MLOps.Workflows.Embedded;

public sealed partial class EmbeddedOrchestrationEngine
{
    /// <summary>
    /// The events named <paramref name="eventName"/> an instance holds, oldest first: those its history has taken and those
    /// still in its inbox (raised, not yet taken by a worker). Null for an unknown instance. Read-only: lets a caller see that
    /// a one-time event (a pipeline's approval) was already raised before raising another that would be ignored.
    /// </summary>
    public async Task<IReadOnlyList<HistoryEvent>?> RaisedEventsAsync(string instanceId, string eventName, CancellationToken cancellationToken = default)
    {
        if ((await _records.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.Record is not { } record) return null;
        var events = record.History.Where(e => e.Type == HistoryEventType.EventRaised && e.Name == eventName).ToList();
        foreach (var (_, message) in (await _inbox.ReadInboxAsync(instanceId, cancellationToken).ConfigureAwait(false)).OrderBy(m => m.Message.Id, StringComparer.Ordinal))
            if (message.Kind == InboxMessage.EventKind && message.Name == eventName && !record.History.Exists(e => e.MessageId == message.Id))
                events.Add(ToHistoryEvent(message));
        return events;
    }
}
