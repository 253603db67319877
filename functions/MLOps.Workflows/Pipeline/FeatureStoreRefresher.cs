using MLOps.Core.Data;
using MLOps.Features;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// Refreshes the feature store (incremental when it can extend the latest snapshot). The snapshot's cutoff is when the
/// refresh ran; its id depends on the cutoff and the event batches it covers, and the same inputs give the same snapshot.
/// When no event batch (and no catalogue change) arrived since the latest snapshot, that snapshot is reused as is: a new
/// one would differ only by its cutoff and add an empty segment per run.
/// </summary>
public sealed class FeatureStoreRefresher(FeatureStore features, IBlobStore store, TimeProvider time) : IFeatureRefresher
{
    public async Task<FeatureSnapshotRef> RefreshAsync(string stepKey, CancellationToken cancellationToken)
    {
        // Checked first: refreshing an empty store wrote a 0-event snapshot as the latest before failing on it.
        var batches = await EventsRequired.CheckAsync(store, "to train on", cancellationToken).ConfigureAwait(false);
        var before = (await features.GetLatestAsync(cancellationToken).ConfigureAwait(false))?.SnapshotId;
        var manifest = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = time.GetUtcNow(), ReuseWhenUpToDate = true, RequestedBy = stepKey }, cancellationToken: cancellationToken).ConfigureAwait(false);
        // Events only after the cutoff (or none a play or rating) still make a 0-event snapshot (written, as any refresh): nothing to train on.
        if (manifest.EventsUsed == 0) throw new InvalidDataException(await NothingBeforeCutoffAsync(batches, manifest.Cutoff, cancellationToken).ConfigureAwait(false));
        // The views and statistics are computed on first read; the pipeline is about to train on this snapshot, so now.
        var views = await features.MaterializeAsync(manifest.SnapshotId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new FeatureSnapshotRef(manifest.SnapshotId, manifest.Cutoff, manifest.EventsUsed,
            (int)views.RowCounts.GetValueOrDefault("user"), (int)views.RowCounts.GetValueOrDefault("item"),
            // Reused: the latest snapshot itself came back. A new snapshot that read no new events (a partly covered batch read
            // again, a changed catalogue) is not reused, so the summary's "reused: no new events" is said only when true.
            Reused: manifest.SnapshotId == before, Math.Round(manifest.Seconds, 3));
    }

    /// <summary>
    /// Why a snapshot over a store with events has none to train on: every event lies at or after its cutoff (it names
    /// the first), or those before it are neither plays nor ratings. The first event is on the log's first day, whose
    /// batches alone are read.
    /// </summary>
    private async Task<string> NothingBeforeCutoffAsync(IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var firstDay = batches.Min(b => b.Day);
        var first = DateTimeOffset.MaxValue;
        await foreach (var e in EventLog.ReadAsync(store, batches.Where(b => b.Day == firstDay).Select(b => b.Blob.Path), cancellationToken).ConfigureAwait(false))
            if (e.Timestamp < first) first = e.Timestamp;
        return first >= cutoff
            ? $"the store holds no events before the snapshot's cutoff {cutoff:u} (the time the refresh ran): the first event is at {first:u}; nothing to train on until a later cutoff."
            : $"the store holds no play or rating before the snapshot's cutoff {cutoff:u}: the events before it (the first at {first:u}) are of other types; nothing to train on.";
    }
}
