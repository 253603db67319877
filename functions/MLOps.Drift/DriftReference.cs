using System.Text.Json;
using System.Text.Json.Nodes;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift.Prediction;
using MLOps.Drift.Window;
using MLOps.Features.Statistics;
using MLOps.Storage;

namespace MLOps.Drift;

/// <summary>An offline metric of the champion as its manifest states it (interval bounds when the evaluation computed them).</summary>
public sealed record OfflineMetric(double Value, double? Lower = null, double? Upper = null);

/// <summary>
/// What "normal" looks like: per-feature statistics of the data the champion was trained on (or of an explicit
/// range of days), computed once and stored under <c>drift/reference/</c>, never recomputed by a check.
/// </summary>
public sealed record DriftReference
{
    /// <summary>
    /// Version of the summary: a cached reference of an older one is computed again, once. 2: exposures are left out of
    /// the input features (format 1 counted them as events, so its eventType, device and country shares are not comparable).
    /// 3: a champion reference reads exactly its training snapshot's batches (format 2 read every batch of the time range
    /// as listed when first computed, so it could hold events imported after the snapshot, even the window being judged).
    /// </summary>
    public const int CurrentFormat = 3;

    public int Format { get; init; }
    /// <summary>"champion" (from the registry's champion and its training snapshot) or "explicit" (a range of days).</summary>
    public required string Kind { get; init; }
    /// <summary>Human description for the page and alerts.</summary>
    public required string Source { get; init; }
    public string? Model { get; init; }
    public string? ModelVersion { get; init; }
    public string? Snapshot { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public long Events { get; init; }
    /// <summary>Event blobs read (a champion reference: its training snapshot's batches that are still as the snapshot read them).</summary>
    public int Batches { get; init; }
    public DateTimeOffset ComputedAt { get; init; }
    public required IReadOnlyList<FeatureStatistics> Features { get; init; }
    /// <summary>Popularity ranking of the reference's titles (the served-popularity bands); null without a catalogue.</summary>
    public PopularityRanking? Popularity { get; init; }
    /// <summary>
    /// The champion's offline hit rates from its version manifest (<c>hit_rate@k</c> → value and interval): what performance
    /// decay compares the online hit rate with. Read from the manifest on every check, never cached.
    /// </summary>
    public IReadOnlyDictionary<string, OfflineMetric>? OfflineHitRates { get; init; }
    /// <summary>
    /// The champion's evaluation summary (served scores, genre mix, popularity deciles), registered with its version; null for an
    /// explicit reference or a champion registered before these existed (prediction drift then falls back to the reference period).
    /// </summary>
    public PredictionReference? Prediction { get; init; }

    public FeatureStatistics? Feature(string name) => Features.FirstOrDefault(f => f.Name == name);
}

public static class DriftReferences
{
    public const string Folder = StoreLayout.Drift + "reference/";

    /// <summary>Computes reference statistics over the events of <paramref name="range"/> (one pass, exact deciles, a seeded sample).</summary>
    public static async Task<DriftReference> FromEventsAsync(IBlobStore store, DriftWindow range, DriftOptions? options = null,
        string kind = "explicit", string? source = null, CancellationToken cancellationToken = default)
    {
        options ??= new DriftOptions();
        var batches = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        var paths = batches.Where(b => range.Covers(b.Day)).Select(b => b.Blob.Path).ToList();
        return await FromBatchesAsync(store, range, paths, options, kind, source ?? $"events {range}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reference statistics over the events of <paramref name="range"/> in exactly these event blobs.</summary>
    private static async Task<DriftReference> FromBatchesAsync(IBlobStore store, DriftWindow range, IReadOnlyList<string> paths, DriftOptions options,
        string kind, string source, CancellationToken cancellationToken)
    {
        var catalog = await CatalogStore.ReadAsync(store, cancellationToken).ConfigureAwait(false);
        // Account anomalies belong to the judged window, never to the reference: not recording them saves 16 bytes an event.
        var aggregate = await WindowReader.ReadBatchesAsync(store, range, paths, catalog, options, cancellationToken, accounts: false).ConfigureAwait(false);
        return FromAggregate(aggregate, options, kind, source) with { Batches = paths.Count };
    }

    public static DriftReference FromAggregate(WindowAggregate aggregate, DriftOptions options, string kind, string source)
    {
        var features = aggregate.Features.Values.Select(f => ToStatistics(f, options)).ToList();
        var popularity = ServedPopularity.Rank(aggregate);
        if (popularity is not null) features.Add(ToStatistics(ServedPopularity.Served(popularity, aggregate), options));
        return new()
        {
            Format = DriftReference.CurrentFormat,
            Kind = kind,
            Source = source,
            From = aggregate.Window.Start,
            To = aggregate.Window.End,
            Events = aggregate.Events,
            ComputedAt = DateTimeOffset.UtcNow,
            Features = features,
            Popularity = popularity,
        };
    }

    /// <summary>The same summary the feature store keeps (deciles, decile bins, a seeded reservoir sample) from one window's values.</summary>
    public static FeatureStatistics ToStatistics(FeatureValues values, DriftOptions options)
    {
        if (values.Kind == FeatureKind.Categorical)
            return new FeatureStatistics
            {
                Name = values.Name, Kind = values.Kind, Count = values.Count, Nulls = values.Nulls,
                Categories = new Dictionary<string, long>(values.Categories!.OrderBy(c => c.Key, StringComparer.Ordinal)),
            };
        var sorted = values.Sorted!;
        if (sorted.Length == 0) return new FeatureStatistics { Name = values.Name, Kind = values.Kind, Count = values.Nulls, Nulls = values.Nulls };
        double mean = 0;
        foreach (var v in sorted) mean += v;
        mean /= sorted.Length;
        double variance = 0;
        foreach (var v in sorted) variance += (v - mean) * (v - mean);
        var quantiles = Enumerable.Range(0, 11).Select(i => FeatureStatisticsBuilder.Quantile(sorted, i / 10.0)).ToArray();
        var edges = quantiles[1..^1].Distinct().ToArray();
        return new FeatureStatistics
        {
            Name = values.Name, Kind = values.Kind, Count = values.Count, Nulls = values.Nulls,
            Mean = mean, StdDev = Math.Sqrt(variance / sorted.Length), Min = sorted[0], Max = sorted[^1],
            Quantiles = quantiles, BinEdges = edges, BinCounts = Scores.DriftScores.Bin(sorted, edges),
            Sample = Sample(sorted, options.ReferenceSampleSize, options.Seed),
        };
    }

    /// <summary>A seeded uniform sample without replacement (partial Fisher–Yates over indices), sorted.</summary>
    private static double[] Sample(double[] sorted, int size, int seed)
    {
        if (sorted.Length <= size) return [.. sorted];
        var random = new Random(seed);
        var index = new int[sorted.Length];
        for (var i = 0; i < index.Length; i++) index[i] = i;
        var sample = new double[size];
        for (var i = 0; i < size; i++)
        {
            var j = random.Next(i, index.Length);
            (index[i], index[j]) = (index[j], index[i]);
            sample[i] = sorted[index[i]];
        }
        Array.Sort(sample);
        return sample;
    }

    public static Task SaveAsync(IBlobStore store, string name, DriftReference reference, CancellationToken cancellationToken = default) =>
        store.WriteJsonAsync(PathOf(name), reference, WriteCondition.None, cancellationToken: cancellationToken);

    public static async Task<DriftReference?> LoadAsync(IBlobStore store, string name, CancellationToken cancellationToken = default) =>
        (await store.ReadJsonAsync<DriftReference>(PathOf(name), cancellationToken: cancellationToken).ConfigureAwait(false))?.Value;

    public static string PathOf(string name) => $"{Folder}{Sanitize(name)}.json";

    /// <summary>
    /// The champion's reference: finds <c>models/&lt;name&gt;/aliases/champion</c>, its version manifest's training snapshot,
    /// and that snapshot's manifest (<c>features/&lt;snapshot&gt;/manifest.json</c>: cutoff, watermark). Statistics are computed
    /// once from the snapshot's own batches (events before the cutoff) and cached at <c>drift/reference/&lt;snapshot&gt;.json</c>,
    /// so the reference is a function of the training data alone. Null when there is no champion.
    /// </summary>
    public static async Task<DriftReference?> ChampionAsync(IBlobStore store, DriftOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DriftOptions();
        var champion = await FindChampionAsync(store, cancellationToken).ConfigureAwait(false);
        if (champion is null) return null;
        var (model, version, snapshot, hitRates) = champion.Value;
        // Precomputed at evaluation time and stored with the version: read, never recomputed.
        var prediction = await PredictionReferences.LoadAsync(store, PredictionReferences.PathOf(model, version), cancellationToken).ConfigureAwait(false);
        var cacheName = snapshot ?? $"{model}-v{version}";
        if (await LoadAsync(store, cacheName, cancellationToken).ConfigureAwait(false) is { Format: DriftReference.CurrentFormat } cached) return cached with { OfflineHitRates = hitRates, Prediction = prediction };

        var inputs = await TrainingInputsAsync(store, snapshot, cancellationToken).ConfigureAwait(false);
        if (inputs is null) return null;
        var (range, paths, read) = inputs.Value;
        var reference = await FromBatchesAsync(store, range, paths, options, "champion",
            $"champion {model} v{version}" + (snapshot is null ? "" : $", training snapshot {snapshot}") + $" ({read}, events {range})", cancellationToken).ConfigureAwait(false);
        reference = reference with { Model = model, ModelVersion = version, Snapshot = snapshot };
        if (reference.Events == 0) return null;
        await SaveAsync(store, cacheName, reference, cancellationToken).ConfigureAwait(false);
        return reference with { OfflineHitRates = hitRates, Prediction = prediction };
    }

    private static async Task<(string Model, string Version, string? Snapshot, IReadOnlyDictionary<string, OfflineMetric> HitRates)?> FindChampionAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        await foreach (var blob in store.ListAsync(StoreLayout.Models, cancellationToken).ConfigureAwait(false))
        {
            var parts = blob.Path.Split('/');
            // models/<name>/aliases/champion[.json]
            if (parts.Length != 4 || parts[2] != "aliases" || Path.GetFileNameWithoutExtension(parts[3]) != "champion") continue;
            var content = await store.ReadAsync(blob.Path, cancellationToken).ConfigureAwait(false);
            if (content is null) continue;
            var version = ReadVersion(content.Data.ToString());
            if (version is null) continue;
            string? snapshot = null;
            IReadOnlyDictionary<string, OfflineMetric> hitRates = new Dictionary<string, OfflineMetric>();
            foreach (var manifestName in new[] { "manifest.json", "manifest" })
            {
                var manifest = await store.ReadAsync($"{StoreLayout.Models}{parts[1]}/versions/{version}/{manifestName}", cancellationToken).ConfigureAwait(false);
                if (manifest is null) continue;
                var node = Parse(manifest.Data.ToString());
                snapshot = FindString(node, "trainingSnapshotId", "trainingSnapshot", "snapshot", "snapshotId", "featureSnapshot", "featuresSnapshot");
                hitRates = HitRates(node);
                break;
            }
            return (parts[1], version, snapshot, hitRates);
        }
        return null;
    }

    /// <summary>
    /// What the champion trained on: the batches its snapshot's manifest records (<see cref="SnapshotInputs"/>), events
    /// before the cutoff. A snapshot without a watermark (not written by the feature store) falls back to every batch
    /// listed now from the first day to the cutoff (or the last day), and says so. Null when there are no events.
    /// </summary>
    private static async Task<(DriftWindow Range, IReadOnlyList<string> Paths, string Read)?> TrainingInputsAsync(IBlobStore store, string? snapshot,
        CancellationToken cancellationToken)
    {
        JsonNode? manifest = null;
        if (snapshot is not null)
            foreach (var name in new[] { "manifest.json", "manifest" })
                if (await store.ReadAsync($"{StoreLayout.Features}{snapshot}/{name}", cancellationToken).ConfigureAwait(false) is { } content)
                {
                    manifest = Parse(content.Data.ToString());
                    break;
                }
        var listed = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        if (listed.Count == 0) return null;
        var cutoff = FindString(manifest, "cutoff", "cutoffTime", "cutoffUtc") is { } c && DateTimeOffset.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : (DateTimeOffset?)null;
        if (cutoff is { } end && SnapshotInputs.Match(manifest, listed) is { } inputs)
        {
            if (inputs.Batches.Count == 0) return null;
            return (new DriftWindow(Midnight(inputs.Batches[0].Day), end), inputs.Batches.Select(b => b.Path).ToList(), inputs.Describe());
        }
        var range = new DriftWindow(Midnight(listed[0].Day), cutoff ?? Midnight(listed[^1].Day.AddDays(1)));
        return (range, listed.Where(b => range.Covers(b.Day)).Select(b => b.Blob.Path).ToList(),
            snapshot is null ? "no training snapshot recorded: every event batch listed now" : "the snapshot records no batches: every event batch listed now before its cutoff");
    }

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>
    /// The manifest's <c>metrics</c> named <c>hit_rate…</c> (the registry writes <c>{"hit_rate@10":{"value":…,"lower":…,"upper":…}}</c>;
    /// a bare number is accepted too).
    /// </summary>
    internal static IReadOnlyDictionary<string, OfflineMetric> HitRates(JsonNode? manifest)
    {
        var found = new Dictionary<string, OfflineMetric>(StringComparer.OrdinalIgnoreCase);
        if (manifest is not JsonObject root) return found;
        var metrics = root.FirstOrDefault(p => string.Equals(p.Key, "metrics", StringComparison.OrdinalIgnoreCase)).Value as JsonObject;
        if (metrics is null) return found;
        foreach (var (name, value) in metrics)
        {
            if (!name.StartsWith("hit_rate", StringComparison.OrdinalIgnoreCase)) continue;
            if (Number(value) is { } bare) { found[name] = new OfflineMetric(bare); continue; }
            if (value is not JsonObject m) continue;
            double? Field(string field) => Number(m.FirstOrDefault(p => string.Equals(p.Key, field, StringComparison.OrdinalIgnoreCase)).Value);
            if (Field("value") is { } v) found[name] = new OfflineMetric(v, Field("lower"), Field("upper"));
        }
        return found;
    }

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    internal static string? ReadVersion(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (text[0] is not ('{' or '"')) return text;
        var node = Parse(text);
        if (node is JsonValue value) return value.ToString();
        return FindString(node, "version", "modelVersion", "target");
    }

    private static JsonNode? Parse(string text)
    {
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return null; }
    }

    /// <summary>The first property with one of the names, searched depth-first; numbers are returned as text.</summary>
    private static string? FindString(JsonNode? node, params string[] names)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj)
                if (names.Contains(key, StringComparer.OrdinalIgnoreCase) && child is JsonValue v)
                    return v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
            foreach (var (_, child) in obj)
                if (FindString(child, names) is { } found) return found;
        }
        return null;
    }

    private static string Sanitize(string name) =>
        new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
}
