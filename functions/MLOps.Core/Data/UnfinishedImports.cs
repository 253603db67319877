using MLOps.Storage;

namespace MLOps.Core.Data;

/// <summary>
/// An import is committed when its manifest (<c>imports/&lt;batch&gt;.json</c>) exists. Its blobs are written before the
/// manifest, and a killed import's rerun may write them differently (validation depends on the clock and on what other
/// batches stored meanwhile), so until then they are not data: the importer writes a marker
/// (<c>imports/unfinished/&lt;batch&gt;.json</c>) before its first blob and deletes it after the manifest, and every
/// reader of <c>events/</c> hides the blobs of a batch with a marker and no manifest. A marker, not "no manifest", is
/// the rule because other writers store events whole without a manifest (serving's exposure log every second,
/// benchmarks, stores written before markers existed).
/// </summary>
public static class UnfinishedImports
{
    /// <summary>What the marker records: enough for <c>data stats</c> to say which import was left unfinished.</summary>
    public sealed record Marker(string Batch, string Source, DateTimeOffset StartedAt, string Host, int Pid);

    /// <summary>
    /// Writes the marker of <paramref name="marker"/>'s batch; true when one was there already (a killed run of the same
    /// batch: its blobs may be on the store and must be rewritten or removed).
    /// </summary>
    public static async Task<bool> BeginAsync(IBlobStore store, Marker marker, CancellationToken cancellationToken)
    {
        var path = StoreLayout.UnfinishedImport(marker.Batch);
        var existed = await store.ExistsAsync(path, cancellationToken).ConfigureAwait(false);
        await store.WriteJsonAsync(path, marker, WriteCondition.None, cancellationToken: cancellationToken).ConfigureAwait(false);
        return existed;
    }

    /// <summary>Deletes the marker once the manifest is written (a kill in between leaves a marker the manifest overrides).</summary>
    public static Task EndAsync(IBlobStore store, string batch, CancellationToken cancellationToken) =>
        store.DeleteAsync(StoreLayout.UnfinishedImport(batch), cancellationToken: cancellationToken);

    /// <summary>
    /// The markers of batches with no manifest. One listing of <c>imports/unfinished/</c> (empty but for imports under
    /// way or killed), plus one manifest lookup per marker. Call it after listing the blobs it filters: a blob listed
    /// earlier was written after its marker, so the marker is seen unless the manifest was written first.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, Marker>> ListAsync(IBlobStore store, CancellationToken cancellationToken = default)
    {
        var unfinished = new Dictionary<string, Marker>(StringComparer.Ordinal);
        await foreach (var blob in store.ListAsync(StoreLayout.UnfinishedImports, cancellationToken).ConfigureAwait(false))
        {
            var batch = Path.GetFileNameWithoutExtension(blob.Path);
            if (await store.ExistsAsync(StoreLayout.ImportManifest(batch), cancellationToken).ConfigureAwait(false)) continue;
            var marker = await store.ReadJsonAsync<Marker>(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
            // Gone since the listing: committed (manifest first, then the marker's delete) unless abandoned; the lookup decides.
            if (marker is null && await store.ExistsAsync(StoreLayout.ImportManifest(batch), cancellationToken).ConfigureAwait(false)) continue;
            unfinished[batch] = marker?.Value ?? new Marker(batch, "", blob.LastModified, "", 0);
        }
        return unfinished;
    }
}
