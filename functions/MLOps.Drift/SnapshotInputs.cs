using System.Text.Json;
using System.Text.Json.Nodes;
using MLOps.Core;
using MLOps.Features;
using MLOps.Storage;

namespace MLOps.Drift;

/// <summary>
/// The event batches a feature snapshot was built from — its manifest's watermark, fully and partly covered batches — as
/// committed batches listed now. The champion's reference reads exactly these (events before the cutoff): the pipeline's
/// cutoff is the time it ran, so a time range over today's log would also take what was imported after the snapshot (a
/// backfill, a late import, the very window being judged). Matched by path: batches are immutable, and a folder store's
/// ETag is the file's modification time, so a copied store (<c>cp -r</c>) has new ETags for the same bytes.
/// </summary>
internal sealed record SnapshotInputs(IReadOnlyList<(DateOnly Day, string Path)> Batches, int Missing, int Rewritten)
{
    /// <summary>Null when the manifest records no watermark (not a feature-store snapshot).</summary>
    public static SnapshotInputs? Match(JsonNode? manifest, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> listed)
    {
        if (Watermark(manifest) is not { } watermark) return null;
        var recorded = watermark.Batches.Concat(watermark.PartialBatches).GroupBy(b => b.Path, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().ETag, StringComparer.Ordinal);
        var found = listed.Where(b => recorded.ContainsKey(b.Blob.Path)).ToList();
        var rewritten = found.Count(b => recorded[b.Blob.Path] != b.Blob.ETag.Value);
        return new SnapshotInputs(found.Select(b => (b.Day, b.Blob.Path)).ToList(), recorded.Count - found.Count, rewritten);
    }

    /// <summary>What was read, for the reference's source: "its 40 event batches" and any that are not as the snapshot read them.</summary>
    public string Describe() =>
        $"its {Batches.Count} event batches"
        + (Missing > 0 ? $"; {Missing} more it read are gone and left out" : "")
        + (Rewritten > 0 ? $"; {Rewritten} of them have another ETag than it recorded (rewritten, or the store was copied) and are read as they are now" : "");

    private static FeatureWatermark? Watermark(JsonNode? manifest)
    {
        if (manifest is not JsonObject root || root["watermark"] is not JsonObject node) return null;
        try { return node.Deserialize<FeatureWatermark>(StoreJson.Options); }
        catch (JsonException) { return null; }
    }
}
