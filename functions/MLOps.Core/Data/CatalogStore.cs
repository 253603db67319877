using System.Text;
using System.Text.Json;
using MLOps.Storage;

namespace MLOps.Core.Data;

/// <summary>
/// The catalogue: each import writes an immutable snapshot <c>catalog/snapshots/&lt;batch&gt;.ndjson</c> and then
/// replaces <c>catalog/current.ndjson</c> (the merged catalogue, newest fields win) by compare-and-swap.
/// </summary>
public static class CatalogStore
{
    public const string CurrentPath = StoreLayout.Catalog + "current.ndjson";

    public static string SnapshotPath(string batchId) => $"{StoreLayout.Catalog}snapshots/{batchId}.ndjson";

    public static async Task<IReadOnlyList<CatalogItem>> ReadAsync(IBlobStore store, CancellationToken cancellationToken = default) =>
        (await ReadWithETagAsync(store, CurrentPath, cancellationToken).ConfigureAwait(false)).Items;

    /// <summary>A catalogue copy at <paramref name="path"/> (a feature snapshot's frozen one), or null when it does not exist.</summary>
    public static async Task<IReadOnlyList<CatalogItem>?> ReadAtAsync(IBlobStore store, string path, CancellationToken cancellationToken = default) =>
        (await ReadWithETagAsync(store, path, cancellationToken).ConfigureAwait(false)) is { ETag: not null } found ? found.Items : null;

    /// <summary>Merges items into the current catalogue (same content id: the new item replaces the old), retrying on conflicts.</summary>
    public static async Task MergeAsync(IBlobStore store, IReadOnlyCollection<CatalogItem> items, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (current, etag) = await ReadWithETagAsync(store, CurrentPath, cancellationToken).ConfigureAwait(false);
            var merged = current.ToDictionary(i => i.ContentId, StringComparer.Ordinal);
            foreach (var item in items) merged[item.ContentId] = item;
            var ordered = merged.Values.OrderBy(i => i.ContentId, StringComparer.Ordinal).ToList();
            try
            {
                await store.WriteAsync(CurrentPath, Serialize(ordered), etag is { } e ? WriteCondition.Match(e) : WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (BlobConditionFailedException) when (attempt < 20) { }
        }
    }

    public static BinaryData Serialize(IEnumerable<CatalogItem> items)
    {
        var text = new StringBuilder();
        foreach (var item in items) text.Append(JsonSerializer.Serialize(item, StoreJson.Options)).Append('\n');
        return BinaryData.FromString(text.ToString());
    }

    private static async Task<(IReadOnlyList<CatalogItem> Items, BlobETag? ETag)> ReadWithETagAsync(IBlobStore store, string path, CancellationToken cancellationToken)
    {
        var content = await store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (content is null) return ([], null);
        var items = new List<CatalogItem>();
        foreach (var line in content.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            items.Add(JsonSerializer.Deserialize<CatalogItem>(line, StoreJson.Options) ?? throw new InvalidDataException($"{path}: null catalogue line."));
        return (items, content.ETag);
    }
}
