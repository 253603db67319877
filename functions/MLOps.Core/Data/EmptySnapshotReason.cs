using MLOps.Storage;

namespace MLOps.Core.Data;

/// <summary>
/// Why a snapshot over a store with events holds none to train on: every event lies at or after its cutoff (naming the
/// first), or those before it are neither plays nor ratings. Shared by the pipeline's refresh step (which fails) and
/// <c>features refresh</c> (which warns). Events are partitioned by their UTC day, so the first event lies in the first
/// day's committed batches, the only ones read.
/// </summary>
public static class EmptySnapshotReason
{
    /// <returns>The reason as a clause, and whether a later cutoff would include an event (false: other types only).</returns>
    public static async Task<(string Reason, bool AllAfterCutoff)> DescribeAsync(IBlobStore store, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches,
        DateTimeOffset cutoff, string cutoffNoteWhenAllAfter = "", CancellationToken cancellationToken = default)
    {
        var firstDay = batches.Min(b => b.Day);
        var first = DateTimeOffset.MaxValue;
        await foreach (var e in EventLog.ReadAsync(store, batches.Where(b => b.Day == firstDay).Select(b => b.Blob.Path), cancellationToken).ConfigureAwait(false))
            if (e.Timestamp < first) first = e.Timestamp;
        return first >= cutoff
            ? ($"the store holds no events before the snapshot's cutoff {cutoff:u}{cutoffNoteWhenAllAfter}: the first event is at {first:u}", true)
            : ($"the store holds no play or rating before the snapshot's cutoff {cutoff:u}: the events before it (the first at {first:u}) are of other types", false);
    }
}
