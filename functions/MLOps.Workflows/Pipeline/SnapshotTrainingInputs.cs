using MLOps.Core.Data;
using MLOps.Features;
using MLOps.Storage;
using EventLog = MLOps.Core.Data.EventLog;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// What a model trained on a snapshot reads: the event batches the snapshot's watermark covers and the catalogue it
/// froze, not the log and catalogue as they are when training runs. A batch imported after the snapshot with events
/// before its cutoff (late data), or a catalogue edit, would otherwise enter a model that names the snapshot as its
/// training data, and training again from the registry's record would not give the same model.
/// </summary>
public static class SnapshotTrainingInputs
{
    public sealed record Inputs(IReadOnlyList<string> Batches, IReadOnlyList<CatalogItem> Catalog);

    public static async Task<Inputs> ResolveAsync(IBlobStore store, string snapshotId, CancellationToken cancellationToken)
    {
        if (await store.ReadJsonAsync<FeatureSnapshotManifest>(FeatureStore.ManifestPath(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false) is { Value: var manifest })
        {
            // Day partitions sort by path, so this is the log's own order (day, then batch) whatever order the refreshes covered them in.
            var batches = manifest.Watermark.Batches.Concat(manifest.Watermark.PartialBatches).Select(b => b.Path)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var catalog = manifest.CatalogPath is { } path
                ? await CatalogStore.ReadAtAsync(store, path, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"Feature snapshot {snapshotId}: its catalogue copy {path} is gone.")
                : [];
            return new Inputs(batches, catalog);
        }
        // Not a feature-store snapshot: EventSnapshotRefresher's (no feature store wired), whose record lists its batches.
        // It freezes no catalogue, so the current one is read. Without a record, or with one an older build wrote (a hash
        // of the log only), the committed log as it is now is the best reading of it.
        var covered = await EventSnapshotRefresher.ReadBatchesAsync(store, snapshotId, cancellationToken).ConfigureAwait(false)
            ?? [.. (await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false)).Select(b => b.Blob.Path)];
        return new Inputs(covered, await CatalogStore.ReadAsync(store, cancellationToken).ConfigureAwait(false));
    }
}
