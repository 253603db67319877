using System.Text.Json;

namespace MLOps.Workflows.Embedded;

/// <summary>
/// The unfinished top-level instances as the host's pending scan sees them, read through <see cref="UnfinishedIndex"/>
/// instead of every record: the first scan of an engine backfills the index from a full listing, later scans read the
/// indexed records only and clear the markers of finished or purged instances. Kept apart from the engine so the index's
/// upkeep changes here, not in the resume or worker logic.
/// </summary>
internal sealed class UnfinishedInstances(UnfinishedIndex index, InstanceRecords records)
{
    /// <summary>Every unfinished top-level record, each indexed (a store written before the index, or a lost marker).</summary>
    public async Task<List<InstanceRecord>> BackfillIndexAsync(CancellationToken cancellationToken)
    {
        var marked = (await index.ListAsync(cancellationToken).ConfigureAwait(false)).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var unfinished = new List<InstanceRecord>();
        foreach (var record in await records.ListRecordsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (record.IsFinished || record.ParentInstanceId is not null) continue;
            if (!marked.Contains(record.InstanceId)) await index.MarkAsync(record.InstanceId, cancellationToken).ConfigureAwait(false);
            unfinished.Add(record);
        }
        return unfinished;
    }

    /// <summary>The indexed instances' records; markers of finished or purged instances are cleared on the way.</summary>
    public async Task<List<InstanceRecord>> ListIndexedAsync(CancellationToken cancellationToken)
    {
        var unfinished = new List<InstanceRecord>();
        foreach (var (id, seen) in await index.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            InstanceRecord? record;
            try
            {
                record = (await records.LoadAsync(id, cancellationToken).ConfigureAwait(false))?.Record;
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                // A damaged record (reported by the full listing) or a stray marker name: left for a person to repair.
                records.ReportUnreadable(UnfinishedIndex.Prefix + id, e.Message);
                continue;
            }
            if (record is { IsFinished: false }) unfinished.Add(record);
            else await index.ClearIfFinishedAsync(id, seen, () => Task.FromResult(true), cancellationToken).ConfigureAwait(false);
        }
        return unfinished;
    }

    /// <summary>After a top-level instance finished: its marker goes, unless a restart marked it again meanwhile.</summary>
    public async Task ClearIndexAsync(string id, CancellationToken cancellationToken)
    {
        if (await index.VersionAsync(id, cancellationToken).ConfigureAwait(false) is not { } seen) return;
        await index.ClearIfFinishedAsync(id, seen,
            async () => (await records.LoadAsync(id, cancellationToken).ConfigureAwait(false))?.Record.IsFinished ?? true, cancellationToken).ConfigureAwait(false);
    }
}
