using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Serving.Model;

/// <summary>
/// What the serving data is built from, told apart cheaply: the catalogue's ETag and the committed import manifests
/// (every import and every POST /api/events commits one). Listing is far cheaper than reading every event again.
/// Exposure batches commit none; they are not consumption, so the serving data does not read them.
/// </summary>
public sealed record DataVersion(string? CatalogETag, int Manifests, int ManifestHash)
{
    /// <param name="skip">Manifests to leave out: those of events this host posted and already applied in memory.</param>
    public static async Task<DataVersion> ReadAsync(IBlobStore store, CancellationToken cancellationToken, Func<string, bool>? skip = null)
    {
        string? catalog = null;
        await foreach (var blob in store.ListAsync(CatalogStore.CurrentPath, cancellationToken).ConfigureAwait(false))
            if (blob.Path == CatalogStore.CurrentPath) catalog = blob.ETag.Value;
        var count = 0;
        var hash = new HashCode();
        await foreach (var manifest in ImportManifests.ListAsync(store, cancellationToken).ConfigureAwait(false))
        {
            if (skip?.Invoke(manifest.Path) == true) continue;
            count++;
            hash.Add(manifest.Path, StringComparer.Ordinal);
            hash.Add(manifest.ETag.Value, StringComparer.Ordinal);
        }
        return new DataVersion(catalog, count, hash.ToHashCode());
    }
}
