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

    private async Task<string> NothingBeforeCutoffAsync(IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var (reason, allAfter) = await EmptySnapshotReason.DescribeAsync(store, batches, cutoff, " (the time the refresh ran)", cancellationToken).ConfigureAwait(false);
        return reason + (allAfter ? "; nothing to train on until a later cutoff." : "; nothing to train on.");
    }
}
