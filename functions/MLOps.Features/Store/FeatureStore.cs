using System.Diagnostics;
using EventLog = MLOps.Core.Data.EventLog;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Features.Statistics;
using MLOps.Features.Store;
using MLOps.Storage;
using Parquet;
using Parquet.Serialization;

namespace MLOps.Features;

/// <summary>
/// The offline feature store: materializes point-in-time snapshots from the event log and the catalogue into
/// <c>features/&lt;snapshot&gt;/</c> (one Parquet file per view + manifest with watermark and statistics), incrementally
/// from the latest snapshot's persisted state when it can (docs/features.md).
/// </summary>
public sealed class FeatureStore
{
    public const string LatestPath = StoreLayout.Features + "latest.json";
    private const string StateFile = "state.bin";

    private readonly IBlobStore _store;
    private readonly TimeProvider _time;
    private readonly FeatureStoreOptions _options;

    public FeatureStore(IBlobStore store, TimeProvider? time = null, IOptions<FeatureStoreOptions>? options = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        _options = options?.Value ?? new FeatureStoreOptions();
    }

    public FeatureStoreOptions Options => _options;

    public static string SnapshotPrefix(string snapshotId) => $"{StoreLayout.Features}{snapshotId}/";
    public static string ManifestPath(string snapshotId) => SnapshotPrefix(snapshotId) + "manifest.json";
    public static string ViewPath(string snapshotId, string view) => SnapshotPrefix(snapshotId) + view + ".parquet";

    /// <summary>
    /// Builds the snapshot as of <see cref="FeatureRefreshRequest.Cutoff"/> (default now). Incremental when the latest
    /// snapshot's state can be extended (same half-life, earlier or equal cutoff, its batches unchanged); otherwise full.
    /// Idempotent: the same inputs give the same snapshot id, and an existing snapshot is returned as is.
    /// </summary>
    public async Task<FeatureSnapshotManifest> RefreshAsync(FeatureRefreshRequest? request = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        request ??= new FeatureRefreshRequest();
        var clock = Stopwatch.StartNew();
        var cutoff = (request.Cutoff ?? _time.GetUtcNow()).ToUniversalTime();
        var lastDay = DateOnly.FromDateTime(new DateTime(cutoff.UtcTicks - 1, DateTimeKind.Utc));
        var listed = await EventLog.ListBatchesAsync(_store, cancellationToken).ConfigureAwait(false);
        var candidates = listed.Where(b => b.Day <= lastDay).ToList();
        var catalogBlob = await _store.ReadAsync(CatalogStore.CurrentPath, cancellationToken).ConfigureAwait(false);
        var catalog = ParseCatalog(catalogBlob);

        // Can we extend the latest snapshot's state?
        FeatureSnapshotManifest? baseline = null;
        string? fullReason = request.Full ? "full refresh requested" : null;
        if (!request.Full)
        {
            baseline = await GetLatestAsync(cancellationToken).ConfigureAwait(false);
            fullReason = baseline is null ? "no previous snapshot" : CannotExtend(baseline, cutoff, candidates);
            if (fullReason is not null) baseline = null;
        }
        if (request.ReuseWhenUpToDate && baseline is not null && baseline.Watermark.PartialBatches.Count == 0 && baseline.CatalogETag == catalogBlob?.ETag.Value
            && candidates.Count == baseline.Watermark.Batches.Count && listed.Count == candidates.Count)
        {
            progress?.Report($"snapshot {baseline.SnapshotId} is up to date (no new event batches); reusing it");
            return baseline;
        }
        var covered = baseline?.Watermark.Batches.Select(b => b.Path).ToHashSet(StringComparer.Ordinal) ?? [];
        var toRead = candidates.Where(b => !covered.Contains(b.Blob.Path)).ToList();
        var mode = baseline is null ? "full" : "incremental";

        var snapshotId = SnapshotId(cutoff, mode, baseline?.SnapshotId, candidates.Select(b => (b.Blob.Path, b.Blob.ETag.Value)), catalogBlob?.ETag.Value);
        if (await _store.ReadJsonAsync<FeatureSnapshotManifest>(ManifestPath(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false) is { } existing)
        {
            progress?.Report($"snapshot {snapshotId} already exists (same cutoff and inputs)");
            return existing.Value;
        }
        progress?.Report(baseline is null
            ? $"full refresh ({fullReason}): {toRead.Count} batches, cutoff {cutoff:O}"
            : $"incremental refresh from {baseline.SnapshotId}: {toRead.Count} new batches, cutoff {cutoff:O}");

        var setupSeconds = clock.Elapsed.TotalSeconds;
        FeatureState state;
        if (baseline is null)
        {
            var anchorDay = candidates.Count > 0 ? candidates[0].Day : lastDay;
            state = new FeatureState { AnchorTicks = anchorDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks, HalfLifeDays = _options.DecayHalfLifeDays };
        }
        else if (TakeCachedState(baseline.SnapshotId) is { } cached)
        {
            state = cached;
        }
        else
        {
            await using var stateBlob = await _store.OpenReadAsync(SnapshotPrefix(baseline.SnapshotId) + StateFile, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Snapshot {baseline.SnapshotId} has no state file.");
            state = FeatureState.Deserialize(stateBlob.Stream);
        }

        var stateSeconds = clock.Elapsed.TotalSeconds - setupSeconds;
        long parseTicks = 0;
        var mergeClock = new Stopwatch();
        // Parse new batches in parallel; fold them in batch order so the result does not depend on timing.
        var coveredBatches = new List<CoveredBatch>(baseline?.Watermark.Batches ?? []);
        var partialBatches = new List<BatchPartial>();
        long eventsRead = 0, afterCutoff = 0;
        var window = Math.Max(1, _options.Parallelism) + 2;
        var running = new Queue<Task<BatchPartial>>();
        var next = 0;
        void Fill()
        {
            while (next < toRead.Count && running.Count < window)
            {
                var blob = toRead[next++].Blob;
                running.Enqueue(Task.Run(() => ReadBatchAsync(blob, cutoff.UtcTicks, state.AnchorTicks, state.HalfLifeDays, cancellationToken), cancellationToken));
            }
        }
        Fill();
        var done = 0;
        while (running.Count > 0)
        {
            var partial = await running.Dequeue().ConfigureAwait(false);
            Fill();
            eventsRead += partial.Lines;
            afterCutoff += partial.AfterCutoff;
            parseTicks += partial.ParseTicks;
            mergeClock.Start();
            if (partial.FullyCovered)
            {
                state.Merge(partial);
                coveredBatches.Add(new CoveredBatch(partial.Path, partial.ETag, partial.Used));
            }
            else partialBatches.Add(partial);
            mergeClock.Stop();
            if (++done % 20 == 0 || done == toRead.Count) progress?.Report($"  read {done}/{toRead.Count} batches, {eventsRead:N0} events");
        }
        state.Prune(lastDay.DayNumber);
        var readSeconds = clock.Elapsed.TotalSeconds;

        var view = state;
        if (partialBatches.Count > 0)
        {
            view = state.Clone();
            foreach (var p in partialBatches) view.Merge(p);
        }
        var tables = FeatureComputer.Compute(view, catalog, cutoff, _options);
        var computeSeconds = clock.Elapsed.TotalSeconds - readSeconds;
        progress?.Report("  compute: " + tables.Timing);

        // Write the views and the state, then the manifest (the commit point), then move "latest".
        var files = new Dictionary<string, string>();
        async Task WriteView<T>(string name, List<T> rows) where T : new()
        {
            var path = ViewPath(snapshotId, name);
            var t0 = Stopwatch.GetTimestamp();
            var bytes = await Task.Run(() => ToParquetAsync(rows, _options.ParquetCompression, cancellationToken), cancellationToken).ConfigureAwait(false);
            var t1 = Stopwatch.GetElapsedTime(t0);
            await _store.WriteAsync(path, bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
            progress?.Report($"    {name}: {rows.Count:N0} rows, {bytes.ToMemory().Length:N0} bytes, encode {t1.TotalSeconds:F2} s, store {(Stopwatch.GetElapsedTime(t0) - t1).TotalSeconds:F2} s");
            lock (files) files[name] = path;
        }
        await Task.WhenAll(
            WriteView(FeatureViewNames.User, tables.Users),
            WriteView(FeatureViewNames.Item, tables.Items),
            WriteView(FeatureViewNames.UserGenre, tables.UserGenres),
            WriteView(FeatureViewNames.UserHistory, tables.History),
            Task.Run(async () =>
            {
                var t0 = Stopwatch.GetTimestamp();
                var bytes = state.Serialize();
                var t1 = Stopwatch.GetElapsedTime(t0);
                await _store.WriteAsync(SnapshotPrefix(snapshotId) + StateFile, bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
                progress?.Report($"    state: {bytes.ToMemory().Length:N0} bytes, encode {t1.TotalSeconds:F2} s, store {(Stopwatch.GetElapsedTime(t0) - t1).TotalSeconds:F2} s");
            }, cancellationToken)).ConfigureAwait(false);

        var writeSeconds = clock.Elapsed.TotalSeconds - readSeconds - computeSeconds;
        progress?.Report($"  setup {setupSeconds:F2} s, load state {stateSeconds:F2} s, parse {TimeSpan.FromTicks(parseTicks).TotalSeconds:F2} s (summed over threads), merge {mergeClock.Elapsed.TotalSeconds:F2} s");
        progress?.Report($"  read+aggregate {readSeconds:F2} s, compute {computeSeconds:F2} s, write {writeSeconds:F2} s");
        var coveredPaths = coveredBatches.Select(b => b.Path).Concat(partialBatches.Select(p => p.Path)).ToList();
        var partitions = coveredPaths.Select(StoreLayout.PartitionDay).OfType<DateOnly>().Distinct().Order().ToList();
        var manifest = new FeatureSnapshotManifest
        {
            SnapshotId = snapshotId,
            Cutoff = cutoff,
            CreatedAt = _time.GetUtcNow(),
            Mode = mode,
            BaseSnapshotId = baseline?.SnapshotId,
            DecayHalfLifeDays = state.HalfLifeDays,
            Watermark = new FeatureWatermark
            {
                Partitions = partitions.Select(d => d.ToString("yyyy-MM-dd")).ToList(),
                Batches = coveredBatches,
                PartialBatches = partialBatches.Select(p => new CoveredBatch(p.Path, p.ETag, p.Used)).ToList(),
                LastPartition = partitions.Count > 0 ? partitions[^1] : null,
            },
            CatalogETag = catalogBlob?.ETag.Value,
            CatalogItems = catalog.Count,
            RowCounts = new Dictionary<string, long>
            {
                [FeatureViewNames.User] = tables.Users.Count,
                [FeatureViewNames.Item] = tables.Items.Count,
                [FeatureViewNames.UserGenre] = tables.UserGenres.Count,
                [FeatureViewNames.UserHistory] = tables.History.Count,
            },
            Files = files,
            EventsUsed = view.EventsUsed,
            EventsRead = eventsRead,
            EventsAfterCutoff = afterCutoff,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            Statistics = tables.Statistics,
        };
        if (!await _store.TryCreateAsync(ManifestPath(snapshotId), BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJson.Options)), cancellationToken).ConfigureAwait(false))
            return (await _store.ReadJsonAsync<FeatureSnapshotManifest>(ManifestPath(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false))!.Value.Value;
        await MoveLatestAsync(manifest, cancellationToken).ConfigureAwait(false);
        lock (CacheLock) _cache = (_store.Description, snapshotId, state);
        progress?.Report($"snapshot {snapshotId}: {tables.Users.Count:N0} users, {tables.Items.Count:N0} items, {view.EventsUsed:N0} events, {clock.Elapsed.TotalSeconds:F2} s ({mode})");
        return manifest;
    }

    /// <summary>
    /// Keep the state of the last snapshot this process wrote in memory, so the next incremental refresh in the same
    /// process (the local host's schedule, a warm Functions instance) skips reading it back. Default true; false
    /// always reads the state from the store (the state is still remembered for a later refresh that allows it).
    /// </summary>
    public bool UseStateCache { get; set; } = true;

    private static readonly object CacheLock = new();
    private static (string Store, string SnapshotId, FeatureState State)? _cache;

    private FeatureState? TakeCachedState(string snapshotId)
    {
        if (!UseStateCache) return null;
        lock (CacheLock)
        {
            if (_cache is not { } c || c.Store != _store.Description || c.SnapshotId != snapshotId) return null;
            _cache = null; // taken: it is extended in place
            return c.State;
        }
    }

    /// <summary>Null when <paramref name="baseline"/>'s state can be extended to <paramref name="cutoff"/>, else why not.</summary>
    private string? CannotExtend(FeatureSnapshotManifest baseline, DateTimeOffset cutoff, List<(DateOnly Day, BlobInfo Blob)> candidates)
    {
        if (baseline.Cutoff > cutoff) return $"cutoff {cutoff:O} is before the latest snapshot's {baseline.Cutoff:O}";
        if (Math.Abs(baseline.DecayHalfLifeDays - _options.DecayHalfLifeDays) > 1e-12) return "decay half-life changed";
        var present = candidates.ToDictionary(b => b.Blob.Path, b => b.Blob.ETag.Value, StringComparer.Ordinal);
        foreach (var b in baseline.Watermark.Batches)
            if (!present.TryGetValue(b.Path, out var etag) || etag != b.ETag) return $"covered batch {b.Path} changed or vanished";
        return null;
    }

    private async Task<BatchPartial> ReadBatchAsync(BlobInfo blob, long cutoffTicks, long anchorTicks, double halfLife, CancellationToken cancellationToken)
    {
        var content = await _store.ReadAsync(blob.Path, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Event batch '{blob.Path}' was listed but is gone.");
        var started = Stopwatch.GetTimestamp();
        var partial = BatchAggregator.Aggregate(blob.Path, content.ETag.Value, content.Data.ToMemory().Span, cutoffTicks, anchorTicks, halfLife);
        partial.ParseTicks = Stopwatch.GetElapsedTime(started).Ticks;
        return partial;
    }

    private static string SnapshotId(DateTimeOffset cutoff, string mode, string? baseId, IEnumerable<(string Path, string ETag)> batches, string? catalogETag)
    {
        var text = new StringBuilder().Append(mode).Append('\n').Append(baseId).Append('\n').Append(catalogETag).Append('\n');
        foreach (var (path, etag) in batches) text.Append(path).Append(' ').Append(etag).Append('\n');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..8];
        return $"fs-{cutoff.UtcDateTime:yyyyMMdd'T'HHmmss}Z-{(mode == "full" ? "f" : "i")}{hash}";
    }

    private static List<CatalogItem> ParseCatalog(BlobContent? blob)
    {
        var items = new List<CatalogItem>();
        if (blob is null) return items;
        foreach (var line in blob.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            items.Add(JsonSerializer.Deserialize<CatalogItem>(line, StoreJson.Options) ?? throw new InvalidDataException("Null catalogue line."));
        return items;
    }

    internal static async Task<BinaryData> ToParquetAsync<T>(List<T> rows, string compression, CancellationToken cancellationToken) where T : new()
    {
        using var buffer = new MemoryStream();
        await ParquetSerializer.SerializeAsync(rows, buffer, new ParquetOptions
        {
            CompressionMethod = compression.Equals("none", StringComparison.OrdinalIgnoreCase) ? CompressionMethod.None : CompressionMethod.Snappy,
            CompressionLevel = CompressionLevel.Fastest,
            RowGroupSize = 1_000_000,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new BinaryData(buffer.ToArray());
    }

    /// <summary>Moves <c>features/latest.json</c> to the snapshot unless a snapshot with a later cutoff is already there (compare-and-swap).</summary>
    private async Task MoveLatestAsync(FeatureSnapshotManifest manifest, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await _store.ReadJsonAsync<LatestPointer>(LatestPath, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (current is { } c && c.Value.Cutoff > manifest.Cutoff) return;
            try
            {
                await _store.WriteJsonAsync(LatestPath, new LatestPointer(manifest.SnapshotId, manifest.Cutoff, manifest.CreatedAt),
                    current is { } e ? WriteCondition.Match(e.ETag) : WriteCondition.CreateOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (BlobConditionFailedException) when (attempt < 20) { }
        }
    }

    private sealed record LatestPointer(string SnapshotId, DateTimeOffset Cutoff, DateTimeOffset CreatedAt);

    /// <summary>The snapshot <c>features/latest.json</c> points to (latest cutoff), or null before the first refresh.</summary>
    public async Task<FeatureSnapshotManifest?> GetLatestAsync(CancellationToken cancellationToken = default)
    {
        var pointer = await _store.ReadJsonAsync<LatestPointer>(LatestPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        return pointer is { } p ? await GetManifestAsync(p.Value.SnapshotId, cancellationToken).ConfigureAwait(false) : null;
    }

    public async Task<FeatureSnapshotManifest?> GetManifestAsync(string snapshotId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(snapshotId);
        if (snapshotId.Contains('/') || snapshotId.Contains('\\')) throw new ArgumentException($"Snapshot id '{snapshotId}' is not valid.", nameof(snapshotId));
        var found = await _store.ReadJsonAsync<FeatureSnapshotManifest>(ManifestPath(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return found?.Value;
    }

    /// <summary>Per-feature statistics of a snapshot (the drift reference); null when the snapshot does not exist.</summary>
    public async Task<IReadOnlyList<FeatureStatistics>?> GetStatisticsAsync(string snapshotId, CancellationToken cancellationToken = default) =>
        (await GetManifestAsync(snapshotId, cancellationToken).ConfigureAwait(false))?.Statistics;

    /// <summary>Every snapshot, oldest cutoff first.</summary>
    public async Task<IReadOnlyList<FeatureSnapshotSummary>> ListSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<FeatureSnapshotSummary>();
        await foreach (var blob in _store.ListAsync(StoreLayout.Features, cancellationToken).ConfigureAwait(false))
        {
            if (!blob.Path.EndsWith("/manifest.json", StringComparison.Ordinal)) continue;
            var m = await _store.ReadJsonAsync<FeatureSnapshotManifest>(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (m is { } v) list.Add(new FeatureSnapshotSummary(v.Value.SnapshotId, v.Value.Cutoff, v.Value.CreatedAt, v.Value.Mode, v.Value.EventsUsed, v.Value.Seconds));
        }
        return list.OrderBy(s => s.Cutoff).ThenBy(s => s.CreatedAt).ToList();
    }

    /// <summary>Reads one view of a snapshot (see <see cref="FeatureViewNames"/>).</summary>
    public async Task<IList<T>> ReadViewAsync<T>(string snapshotId, string view, CancellationToken cancellationToken = default) where T : class, new()
    {
        var blob = await _store.ReadAsync(ViewPath(snapshotId, view), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Snapshot {snapshotId} has no view '{view}'.");
        using var stream = blob.Data.ToStream();
        return (await ParquetSerializer.DeserializeAsync<T>(stream, cancellationToken: cancellationToken).ConfigureAwait(false)).Data;
    }

    public Task<IList<UserFeatures>> ReadUsersAsync(string snapshotId, CancellationToken cancellationToken = default) => ReadViewAsync<UserFeatures>(snapshotId, FeatureViewNames.User, cancellationToken);
    public Task<IList<ItemFeatures>> ReadItemsAsync(string snapshotId, CancellationToken cancellationToken = default) => ReadViewAsync<ItemFeatures>(snapshotId, FeatureViewNames.Item, cancellationToken);
    public Task<IList<UserGenreFeatures>> ReadUserGenresAsync(string snapshotId, CancellationToken cancellationToken = default) => ReadViewAsync<UserGenreFeatures>(snapshotId, FeatureViewNames.UserGenre, cancellationToken);
    public Task<IList<UserHistoryRow>> ReadHistoryAsync(string snapshotId, CancellationToken cancellationToken = default) => ReadViewAsync<UserHistoryRow>(snapshotId, FeatureViewNames.UserHistory, cancellationToken);

    /// <summary>The latest snapshot, how far behind the event log it is, and how old.</summary>
    public async Task<FeatureStoreStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var latest = await GetLatestAsync(cancellationToken).ConfigureAwait(false);
        var snapshots = await ListSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var batches = await EventLog.ListBatchesAsync(_store, cancellationToken).ConfigureAwait(false);
        var covered = latest?.Watermark.Batches.Select(b => b.Path).ToHashSet(StringComparer.Ordinal) ?? [];
        var pending = batches.Where(b => !covered.Contains(b.Blob.Path)).ToList();
        var now = _time.GetUtcNow();
        return new FeatureStoreStatus
        {
            LatestSnapshotId = latest?.SnapshotId,
            Cutoff = latest?.Cutoff,
            CreatedAt = latest?.CreatedAt,
            Mode = latest?.Mode,
            WatermarkPartition = latest?.Watermark.LastPartition,
            CoveredBatches = latest?.Watermark.Batches.Count ?? 0,
            PendingBatches = pending.Count,
            PendingPartitions = pending.Select(b => b.Day.ToString("yyyy-MM-dd")).Distinct().ToList(),
            AgeHours = latest is null ? null : Math.Round((now - latest.Cutoff).TotalHours, 2),
            Stale = latest is null || now - latest.Cutoff > _options.UserTtl,
            RowCounts = latest?.RowCounts ?? [],
            Snapshots = snapshots,
        };
    }
}
