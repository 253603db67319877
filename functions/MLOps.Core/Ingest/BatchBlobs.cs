using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Core.Ingest;

/// <summary>The event and quarantine blobs one batch has on the store: what a killed run of it may have left.</summary>
internal static class BatchBlobs
{
    /// <summary>The batch's blobs among <paramref name="eventBlobs"/> (every event blob, <see cref="EventLog.ListAllBatchesAsync"/>) and its quarantine blobs.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(IBlobStore store, string batch, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> eventBlobs,
        CancellationToken cancellationToken)
    {
        var paths = eventBlobs.Select(b => b.Blob.Path).Where(path => StoreLayout.BatchOfBlob(path) == batch).ToList();
        await foreach (var blob in store.ListAsync(StoreLayout.QuarantineBatch(batch)[..^".ndjson".Length], cancellationToken).ConfigureAwait(false))
            if (StoreLayout.BatchOfBlob(blob.Path) == batch) paths.Add(blob.Path);
        return paths;
    }

    /// <summary>Deletes the given blobs (before the manifest: a committed batch holds only what its last run wrote).</summary>
    public static async Task DeleteAsync(IBlobStore store, IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths) await store.DeleteAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
