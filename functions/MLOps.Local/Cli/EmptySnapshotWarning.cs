using MLOps.Core.Data;
using MLOps.Features;
using MLOps.Storage;

namespace MLOps.Local.Cli;

/// <summary>
/// What <c>features refresh</c> says on stderr when its snapshot holds no play or rating: why, with the first event's time,
/// in the words of the pipeline's refresh step (which fails on such a snapshot). It pointed to <c>mlops data stats</c> for
/// the log's first day; the first event is cheap to name: events are partitioned by their UTC day, so it lies in the first
/// day's committed batches, the only ones read.
/// </summary>
public static class EmptySnapshotWarning
{
    public static async Task<string> TextAsync(IBlobStore store, FeatureSnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var head = $"warning: snapshot {manifest.SnapshotId} is empty:";
        var batches = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        if (batches.Count == 0) return $"{head} the store holds no events."; // removed since the refresh began
        var firstDay = batches[0].Day; // listed in day order
        var first = DateTimeOffset.MaxValue;
        await foreach (var e in EventLog.ReadAsync(store, batches.Where(b => b.Day == firstDay).Select(b => b.Blob.Path), cancellationToken).ConfigureAwait(false))
            if (e.Timestamp < first) first = e.Timestamp;
        return first >= manifest.Cutoff
            ? $"{head} the store holds no events before the snapshot's cutoff {manifest.Cutoff:u}: the first event is at {first:u}; a later --cutoff includes it."
            : $"{head} the store holds no play or rating before the snapshot's cutoff {manifest.Cutoff:u}: the events before it (the first at {first:u}) are of other types.";
    }
}
