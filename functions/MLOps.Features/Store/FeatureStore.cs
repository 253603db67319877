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
/// The offline feature store: point-in-time snapshots of the event log and the catalogue in <c>features/&lt;snapshot&gt;/</c>.
/// A snapshot is a manifest (cutoff, watermark) listing immutable segments of mergeable aggregates; a refresh reads only
/// new event batches and appends one segment; the views (one Parquet file each) and their statistics are computed as of
/// the cutoff the first time they are read (docs/features.md).
/// </summary>
public sealed class FeatureStore
{
    public const string LatestPath = StoreLayout.Features + "latest.json";

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
    public static string ViewPath(string snapshotId, string view) => SnapshotPrefix(snapshotId) + "views/" + view + ".parquet";
    public static string MaterializedPath(string snapshotId) => SnapshotPrefix(snapshotId) + "views/materialized.json";

    /// <summary>Whether the candidates are exactly the batches (path and ETag) the watermark covered, fully or partially.</summary>
    private static bool SameBatches(FeatureWatermark watermark, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> candidates)
    {
        var known = watermark.Batches.Concat(watermark.PartialBatches).Select(b => (b.Path, b.ETag)).ToHashSet();
        return known.Count == candidates.Count && candidates.All(c => known.Contains((c.Blob.Path, c.Blob.ETag.Value)));
    }

    /// <summary>Clock skew allowed between the caller's "now" and the store's.</summary>
    public static TimeSpan FutureCutoffTolerance { get; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Builds the snapshot as of <see cref="FeatureRefreshRequest.Cutoff"/> (default now). Incremental when the latest
    /// snapshot can be extended (same half-life, earlier or equal cutoff, its batches unchanged): then only the batches
    /// it does not cover are read, and their aggregates are written as one new segment beside the carried ones.
    /// Idempotent: the same inputs give the same snapshot id, and an existing snapshot is returned as is.
    /// The views are computed as of the cutoff when first read (<see cref="MaterializeAsync"/>).
    /// </summary>
    public async Task<FeatureSnapshotManifest> RefreshAsync(FeatureRefreshRequest? request = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        request ??= new FeatureRefreshRequest();
        var clock = Stopwatch.StartNew();
        var now = _time.GetUtcNow();
        var cutoff = (request.Cutoff ?? now).ToUniversalTime();
        // A cutoff in the future would become "latest" and pin it: later refreshes (cutoff now) could never move it back.
        if (cutoff > now + FutureCutoffTolerance)
            throw new ArgumentException($"cutoff {cutoff:O} is in the future (now {now:O}); a snapshot holds events strictly before a time that has passed.", nameof(request));
        var lastDay = DateOnly.FromDateTime(new DateTime(cutoff.UtcTicks - 1, DateTimeKind.Utc));
        var listed = await EventLog.ListBatchesAsync(_store, cancellationToken).ConfigureAwait(false);
        var candidates = listed.Where(b => b.Day <= lastDay).ToList();
        var catalogBlob = await _store.ReadAsync(CatalogStore.CurrentPath, cancellationToken).ConfigureAwait(false);

        var anchorTicks = FixedPoint.AnchorFor(candidates.Count > 0 ? candidates[0].Day : lastDay, lastDay, _options.DecayHalfLifeDays);

        // Can we extend the latest snapshot?
        FeatureSnapshotManifest? baseline = null;
        string? fullReason = request.Full ? "full refresh requested" : null;
        if (!request.Full)
        {
            baseline = await GetLatestAsync(cancellationToken).ConfigureAwait(false);
            fullReason = baseline is null ? "no previous snapshot" : CannotExtend(baseline, cutoff, candidates, anchorTicks);
            if (fullReason is null && !await SegmentIsCurrentFormatAsync(baseline!.Segments[0].Path, cancellationToken).ConfigureAwait(false))
                fullReason = "the latest snapshot's segments were written in an older format";
            if (fullReason is not null) baseline = null;
        }
        if (request.ReuseWhenUpToDate && baseline is not null && baseline.Watermark.PartialBatches.Count == 0 && baseline.CatalogETag == catalogBlob?.ETag.Value
            && candidates.Count == baseline.Watermark.Batches.Count && listed.Count == candidates.Count)
        {
            progress?.Report($"snapshot {baseline.SnapshotId} is up to date (no new event batches); reusing it");
            return baseline;
        }
        // The latest snapshot at this very cutoff over the very same batches and catalogue is this refresh's answer: building
        // again would only add an empty segment, move "latest" to a copy and force compaction after a few retries.
        if (baseline is not null && baseline.Cutoff == cutoff && baseline.CatalogETag == catalogBlob?.ETag.Value && SameBatches(baseline.Watermark, candidates))
        {
            progress?.Report($"snapshot {baseline.SnapshotId} already covers this cutoff and these inputs; reusing it");
            return baseline;
        }
        var covered = baseline?.Watermark.Batches.Select(b => b.Path).ToHashSet(StringComparer.Ordinal) ?? [];
        var toRead = candidates.Where(b => !covered.Contains(b.Blob.Path)).ToList();
        var mode = baseline is null ? "full" : "incremental";

        var snapshotId = SnapshotId(cutoff, mode, baseline?.SnapshotId, candidates.Select(b => (b.Blob.Path, b.Blob.ETag.Value)), catalogBlob?.ETag.Value, _options.DecayHalfLifeDays);
        if (await _store.ReadJsonAsync<FeatureSnapshotManifest>(ManifestPath(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false) is { } existing)
        {
            progress?.Report($"snapshot {snapshotId} already exists (same cutoff and inputs)");
            // A refresh killed between its manifest and the pointer left "latest" behind: the retry finishes the move.
            await MoveLatestAsync(existing.Value, cancellationToken).ConfigureAwait(false);
            return existing.Value;
        }
        var compact = baseline is not null && (request.Compact || baseline.Segments.Count + 1 > Math.Max(1, _options.CompactAfterSegments));
        progress?.Report(baseline is null
            ? $"full refresh ({fullReason}): {toRead.Count} batches, cutoff {cutoff:O}"
            : $"incremental refresh from {baseline.SnapshotId}: {toRead.Count} new batches, cutoff {cutoff:O}{(compact ? $", compacting {baseline.Segments.Count} segments" : "")}");

        var delta = new FeatureState { AnchorTicks = anchorTicks, HalfLifeDays = _options.DecayHalfLifeDays };
        var (coveredBatches, partialBatches, eventsRead, afterCutoff) = await ReadNewBatchesAsync(toRead, delta, cutoff, baseline, progress, cancellationToken).ConfigureAwait(false);
        var readSeconds = clock.Elapsed.TotalSeconds;

        // The carried segments: the baseline's plus one for the batches just read; a full refresh or a compaction
        // writes the whole state as the only segment. A compaction also writes the new batches' own segment and names
        // what its segment replaces, so view states folded from those extend it (SegmentExtension).
        var segments = new List<FeatureSegment>(baseline?.Segments ?? []);
        var prefix = SnapshotPrefix(snapshotId);
        FeatureState? whole = null;
        List<string>? replaces = null;
        var writes = new List<Task<FeatureSegment>>();
        if (baseline is null) whole = delta;
        else if (compact)
        {
            replaces = [.. baseline.Segments.Select(s => s.Path)];
            if (delta.EventsUsed > 0 || delta.Pairs.Count > 0)
            {
                writes.Add(WriteSegmentAsync(prefix + DeltaFile, delta, cancellationToken));
                replaces.Add(prefix + DeltaFile);
            }
            whole = await LoadSegmentsAsync(baseline.Segments, cancellationToken).ConfigureAwait(false);
            whole.Merge(delta);
            segments.Clear();
        }
        whole?.Prune(lastDay.DayNumber);
        var mainWrite = WriteSegmentAsync(prefix + SegmentFile, whole ?? delta, cancellationToken);
        writes.Add(mainWrite);
        Task<FeatureSegment>? partialWrite = null;
        if (partialBatches.Count > 0)
        {
            var partial = new FeatureState { AnchorTicks = anchorTicks, HalfLifeDays = delta.HalfLifeDays };
            foreach (var p in partialBatches) partial.Merge(p);
            writes.Add(partialWrite = WriteSegmentAsync(prefix + PartialFile, partial, cancellationToken));
        }
        var (catalogPath, catalogItems) = await FreezeCatalogAsync(catalogBlob, baseline, prefix, cancellationToken).ConfigureAwait(false);
        var written = await Task.WhenAll(writes).ConfigureAwait(false);
        segments.Add((await mainWrite.ConfigureAwait(false)) with { Replaces = replaces });
        var partialSegment = partialWrite is null ? null : await partialWrite.ConfigureAwait(false);
        progress?.Report($"  read+aggregate {readSeconds:F2} s, segments written {clock.Elapsed.TotalSeconds - readSeconds:F2} s ({string.Join(", ", written.Select(w => $"{w.Path}: {w.Pairs:N0} pairs, {w.Bytes:N0} bytes"))})");

        var coveredPaths = coveredBatches.Select(b => b.Path).Concat(partialBatches.Select(p => p.Path)).ToList();
        var partitions = coveredPaths.Select(StoreLayout.PartitionDay).OfType<DateOnly>().Distinct().Order().ToList();
        var manifest = new FeatureSnapshotManifest
        {
            SnapshotId = snapshotId,
            Cutoff = cutoff,
            CreatedAt = _time.GetUtcNow(),
            Mode = mode,
            BaseSnapshotId = baseline?.SnapshotId,
            DecayHalfLifeDays = delta.HalfLifeDays,
            DecayAnchor = new DateTimeOffset(anchorTicks, TimeSpan.Zero),
            Watermark = new FeatureWatermark
            {
                Partitions = partitions.Select(d => d.ToString("yyyy-MM-dd")).ToList(),
                Batches = coveredBatches,
                PartialBatches = partialBatches.Select(p => new CoveredBatch(p.Path, p.ETag, p.Used)).ToList(),
                LastPartition = partitions.Count > 0 ? partitions[^1] : null,
            },
            Segments = segments,
            PartialSegment = partialSegment,
            Compacted = compact,
            CatalogETag = catalogBlob?.ETag.Value,
            CatalogPath = catalogPath,
            CatalogItems = catalogItems,
            EventsUsed = segments.Sum(x => x.Events) + (partialSegment?.Events ?? 0),
            EventsRead = eventsRead,
            EventsAfterCutoff = afterCutoff,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
        };
        if (!await _store.TryCreateAsync(ManifestPath(snapshotId), BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJson.Options)), cancellationToken).ConfigureAwait(false))
        {
            // Another refresh of the same inputs created it first; it may have died before moving the pointer.
            var winner = (await _store.ReadJsonAsync<FeatureSnapshotManifest>(ManifestPath(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false))!.Value.Value;
            await MoveLatestAsync(winner, cancellationToken).ConfigureAwait(false);
            return winner;
        }
        await MoveLatestAsync(manifest, cancellationToken).ConfigureAwait(false);
        if (whole is not null) RememberState(segments, whole);
        progress?.Report($"snapshot {snapshotId}: {manifest.EventsUsed:N0} events in {segments.Count} segment(s), {clock.Elapsed.TotalSeconds:F2} s ({mode})");
        return manifest;
    }

    private const string SegmentFile = "segment.bin";
    private const string PartialFile = "partial.bin";
    /// <summary>A compaction's new batches on their own (what a view state from before the compaction folds).</summary>
    private const string DeltaFile = "delta.bin";

    /// <summary>
    /// Parses the new batches in parallel and folds the fully covered ones into <paramref name="delta"/> in batch order,
    /// so the result does not depend on timing; batches with events at or after the cutoff are returned apart.
    /// </summary>
    private async Task<(List<CoveredBatch> Covered, List<BatchPartial> Partial, long EventsRead, long AfterCutoff)> ReadNewBatchesAsync(
        List<(DateOnly Day, BlobInfo Blob)> toRead, FeatureState delta, DateTimeOffset cutoff, FeatureSnapshotManifest? baseline, IProgress<string>? progress, CancellationToken cancellationToken)
    {
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
                running.Enqueue(Task.Run(() => ReadBatchAsync(blob, cutoff.UtcTicks, delta.AnchorTicks, delta.HalfLifeDays, cancellationToken), cancellationToken));
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
            if (partial.FullyCovered)
            {
                delta.Merge(partial);
                coveredBatches.Add(new CoveredBatch(partial.Path, partial.ETag, partial.Used));
            }
            else partialBatches.Add(partial);
            if (++done % 20 == 0 || done == toRead.Count) progress?.Report($"  read {done}/{toRead.Count} batches, {eventsRead:N0} events");
        }
        return (coveredBatches, partialBatches, eventsRead, afterCutoff);
    }

    private async Task<FeatureSegment> WriteSegmentAsync(string path, FeatureState state, CancellationToken cancellationToken)
    {
        var bytes = await Task.Run(state.Serialize, cancellationToken).ConfigureAwait(false);
        await _store.WriteAsync(path, bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new FeatureSegment(path, state.EventsUsed, state.Pairs.Count, bytes.ToMemory().Length);
    }

    /// <summary>
    /// The catalogue the views will be joined with, frozen at refresh time: the baseline's copy while the catalogue's
    /// ETag is unchanged, else a copy under this snapshot (the current catalogue may change before anyone reads the views).
    /// </summary>
    private async Task<(string? Path, int Items)> FreezeCatalogAsync(BlobContent? catalog, FeatureSnapshotManifest? baseline, string prefix, CancellationToken cancellationToken)
    {
        if (catalog is null) return (null, 0);
        if (baseline is { CatalogPath: { } shared } && baseline.CatalogETag == catalog.ETag.Value) return (shared, baseline.CatalogItems);
        var path = prefix + "catalog.ndjson";
        await _store.WriteAsync(path, catalog.Data, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (path, ParseCatalog(catalog.Data).Count);
    }

    /// <summary>
    /// The views and statistics of a snapshot as of its cutoff: read from <c>views/materialized.json</c> when someone
    /// already computed them, else computed and committed (create-only). The view state starts from the base snapshot's
    /// when that one is materialized and its segments are a prefix of this one's, so only the new segments are folded in;
    /// else from every segment. Both give the same state (exact sums), so the views do not depend on the path.
    /// </summary>
    public async Task<FeatureMaterialization> MaterializeAsync(string snapshotId, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (await ReadMaterializationAsync(snapshotId, cancellationToken).ConfigureAwait(false) is { } done) return done;
        var clock = Stopwatch.StartNew();
        var manifest = await GetManifestAsync(snapshotId, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Feature snapshot '{snapshotId}' does not exist.");
        if (manifest.Segments.Count == 0)
            throw new InvalidDataException($"Feature snapshot '{snapshotId}' predates aggregate segments: run 'mlops features refresh --full'.");
        var catalog = await LoadCatalogAsync(manifest, cancellationToken).ConfigureAwait(false);
        var lastDay = (manifest.Cutoff.UtcTicks - 1) / TimeSpan.TicksPerDay;
        var cached = UseStateCache ? _viewStates.TakeFor(manifest, _options.HistoryPerUser) : null;
        var (carried, baseId, basePath, persistedSegments) = cached is { } c
            ? (c.State, c.SnapshotId, c.PersistedPath, c.PersistedSegments)
            : await StartViewStateAsync(manifest, catalog, cancellationToken).ConfigureAwait(false);
        var loadSeconds = clock.Elapsed.TotalSeconds;
        var extension = SegmentExtension.Of(carried.Segments, manifest.Segments);
        if (extension is { Renamed: true } && !await AllExistAsync(extension.ToFold, cancellationToken).ConfigureAwait(false))
            extension = null; // a compaction's replaced segments are gone: fold the compacted list from scratch
        var fromMemory = cached is not null;
        if (extension is null)
        {
            (carried, baseId, basePath, persistedSegments, fromMemory) = (NewViewState(manifest, catalog), null, null, 0, false);
            extension = SegmentExtension.Of([], manifest.Segments)!;
        }
        var foldedNow = extension.ToFold.Count;
        // What a reader of this snapshot folds onto its persisted view state (the cached path folds less itself).
        var folded = carried.Segments.Count + foldedNow - persistedSegments;
        foreach (var path in extension.ToFold)
            carried.Fold(await LoadSegmentAsync(path, cancellationToken).ConfigureAwait(false), path, lastDay);
        if (extension.Renamed) carried.RenameSegments(manifest.Segments.Select(s => s.Path));
        var foldSeconds = clock.Elapsed.TotalSeconds;
        // The segments are the deltas of the view state: a new state is written only once the persisted one it started
        // from is ViewStateEvery segments behind, so most snapshots write nothing but materialized.json; and after a
        // compaction, whose readers could otherwise not name what to fold.
        var writeNew = basePath is null || extension.Renamed || folded >= Math.Max(1, _options.ViewStateEvery);
        var statePath = writeNew ? ViewStatePath(snapshotId) : basePath!;
        var writeState = writeNew
            ? Task.Run(async () => await _store.WriteAsync(statePath, carried.Serialize(), cancellationToken: cancellationToken).ConfigureAwait(false), cancellationToken)
            : Task.CompletedTask;

        var view = carried;
        if (manifest.PartialSegment is { } partial)
        {
            view = carried.Clone();
            view.Fold(await LoadSegmentAsync(partial.Path, cancellationToken).ConfigureAwait(false), null, lastDay);
        }
        var tables = FeatureComputer.Compute(view, catalog, manifest.Cutoff);
        RememberTables(snapshotId, tables);
        var computeSeconds = clock.Elapsed.TotalSeconds - foldSeconds;
        var files = _options.ParquetViews ? await WriteParquetViewsAsync(snapshotId, tables, cancellationToken).ConfigureAwait(false) : [];
        await writeState.ConfigureAwait(false);
        // Kept only once its serialization is done: the next materialization folds it in place (the rows above hold copies).
        if (UseStateCache)
            _viewStates.Remember(new(snapshotId, carried, statePath, writeNew ? manifest.Segments.Count : persistedSegments));
        progress?.Report($"  materialized {snapshotId}: view state {(baseId is null ? "from every segment" : $"from {baseId}'s")} ({(fromMemory ? "in memory" : "load")} {loadSeconds:F3} s) + {foldedNow} segment(s) {foldSeconds - loadSeconds:F3} s, rows and statistics {computeSeconds:F2} s ({tables.Timing}), writes {clock.Elapsed.TotalSeconds - foldSeconds - computeSeconds:F2} s");
        var materialization = new FeatureMaterialization
        {
            SnapshotId = snapshotId,
            Cutoff = manifest.Cutoff,
            RowCounts = new Dictionary<string, long>
            {
                [FeatureViewNames.User] = tables.Users.Count,
                [FeatureViewNames.Item] = tables.Items.Count,
                [FeatureViewNames.UserGenre] = tables.UserGenreRows,
                [FeatureViewNames.UserHistory] = tables.Users.Count, // one history row per user
            },
            Files = files,
            ViewState = statePath,
            ViewStateBase = baseId,
            SegmentsFolded = folded,
            ViewStateFromMemory = fromMemory,
            Statistics = tables.Statistics,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
        };
        // Concurrent readers compute the same rows; the first to commit wins and the others return its record.
        if (!await _store.TryCreateAsync(MaterializedPath(snapshotId), BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(materialization, StoreJson.Options)), cancellationToken).ConfigureAwait(false))
            return (await ReadMaterializationAsync(snapshotId, cancellationToken).ConfigureAwait(false))!;
        return materialization;
    }

    public static string ViewStatePath(string snapshotId) => SnapshotPrefix(snapshotId) + "views/state.bin";

    /// <summary>
    /// The base snapshot's view state when it can be extended (materialized, same anchor, half-life, catalogue copy and
    /// history length, its segments a prefix of this snapshot's), else an empty state that every segment is folded into.
    /// </summary>
    private async Task<(ViewState State, string? BaseId, string? BasePath, int PersistedSegments)> StartViewStateAsync(FeatureSnapshotManifest manifest, List<CatalogItem> catalog, CancellationToken cancellationToken)
    {
        var catalogPath = manifest.CatalogPath ?? "";
        if (manifest.BaseSnapshotId is { } baseId
            && await ReadMaterializationAsync(baseId, cancellationToken).ConfigureAwait(false) is { ViewState: { } path }
            && await _store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false) is { } blob)
        {
            await using (blob)
            {
                var state = ViewState.Deserialize(blob.Stream, catalogPath, catalog);
                if (state is not null && state.Extends(manifest, _options.HistoryPerUser))
                    return (state, baseId, path, state.Segments.Count);
            }
        }
        return (NewViewState(manifest, catalog), null, null, 0);
    }

    private ViewState NewViewState(FeatureSnapshotManifest manifest, List<CatalogItem> catalog) =>
        ViewState.Create(manifest.DecayAnchor.UtcTicks, manifest.DecayHalfLifeDays, manifest.CatalogPath ?? "", _options.HistoryPerUser, catalog);

    private async Task<bool> AllExistAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths)
            if (!await _store.ExistsAsync(path, cancellationToken).ConfigureAwait(false)) return false;
        return true;
    }

    private async Task<List<CatalogItem>> LoadCatalogAsync(FeatureSnapshotManifest manifest, CancellationToken cancellationToken) =>
        manifest.CatalogPath is { } catalogPath
            ? ParseCatalog((await _store.ReadAsync(catalogPath, cancellationToken).ConfigureAwait(false) ?? throw new InvalidDataException($"Snapshot {manifest.SnapshotId}: catalogue copy {catalogPath} is gone.")).Data)
            : [];

    private async Task<Dictionary<string, string>> WriteParquetViewsAsync(string snapshotId, FeatureTables tables, CancellationToken cancellationToken)
    {
        var files = new Dictionary<string, string>();
        async Task WriteView<T>(string name, List<T> rows) where T : new()
        {
            var bytes = await Task.Run(() => ToParquetAsync(rows, _options.ParquetCompression, cancellationToken), cancellationToken).ConfigureAwait(false);
            await _store.WriteAsync(ViewPath(snapshotId, name), bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
            lock (files) files[name] = ViewPath(snapshotId, name);
        }
        await Task.WhenAll(
            WriteView(FeatureViewNames.User, tables.Users),
            WriteView(FeatureViewNames.Item, tables.Items),
            WriteView(FeatureViewNames.UserGenre, tables.UserGenres),
            WriteView(FeatureViewNames.UserHistory, tables.History)).ConfigureAwait(false);
        return files;
    }

    private async Task<FeatureMaterialization?> ReadMaterializationAsync(string snapshotId, CancellationToken cancellationToken) =>
        (await _store.ReadJsonAsync<FeatureMaterialization>(MaterializedPath(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false))?.Value;

    private readonly Lock _tablesLock = new();
    // The two most recent snapshots' rows: serving reads the latest, a comparison reads two.
    private readonly List<(string SnapshotId, FeatureTables Tables)> _tables = [];

    private void RememberTables(string snapshotId, FeatureTables tables)
    {
        lock (_tablesLock)
        {
            _tables.RemoveAll(t => t.SnapshotId == snapshotId);
            _tables.Insert(0, (snapshotId, tables));
            if (_tables.Count > 2) _tables.RemoveAt(2);
        }
    }

    private FeatureTables? RememberedTables(string snapshotId)
    {
        lock (_tablesLock) return _tables.FirstOrDefault(t => t.SnapshotId == snapshotId).Tables;
    }

    /// <summary>
    /// The rows of a snapshot's four views as of its cutoff: the last ones this instance computed, else computed from the
    /// materialized view state (plus the snapshot-only segment). Rows are shared between callers: read them, do not change them.
    /// </summary>
    private async Task<FeatureTables> GetTablesAsync(string snapshotId, CancellationToken cancellationToken)
    {
        if (RememberedTables(snapshotId) is { } remembered) return remembered;
        var materialized = await MaterializeAsync(snapshotId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (RememberedTables(snapshotId) is { } computed) return computed;
        var manifest = (await GetManifestAsync(snapshotId, cancellationToken).ConfigureAwait(false))!;
        var catalog = await LoadCatalogAsync(manifest, cancellationToken).ConfigureAwait(false);
        var path = materialized.ViewState ?? throw new InvalidDataException($"Snapshot {snapshotId} was materialized before view states: refresh it with --full.");
        await using var blob = await _store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Snapshot {snapshotId}: view state {path} is gone.");
        var state = ViewState.Deserialize(blob.Stream, manifest.CatalogPath ?? "", catalog)
            ?? throw new InvalidDataException($"Snapshot {snapshotId}: view state {path} was built with another catalogue copy.");
        var lastDay = (manifest.Cutoff.UtcTicks - 1) / TimeSpan.TicksPerDay;
        var extension = SegmentExtension.Of(state.Segments, manifest.Segments)
            ?? throw new InvalidDataException($"Snapshot {snapshotId}: view state {path} does not cover a prefix of its segments.");
        foreach (var segmentPath in extension.ToFold)
            state.Fold(await LoadSegmentAsync(segmentPath, cancellationToken).ConfigureAwait(false), segmentPath, lastDay);
        if (manifest.PartialSegment is { } partial)
            state.Fold(await LoadSegmentAsync(partial.Path, cancellationToken).ConfigureAwait(false), null, lastDay);
        var tables = FeatureComputer.Compute(state, catalog, manifest.Cutoff, withStatistics: false);
        RememberTables(snapshotId, tables);
        return tables;
    }

    /// <summary>
    /// Keep the merged state of the last segment list this process wrote or read, and the view state of the last snapshot
    /// it materialized, in memory, so a snapshot that extends them (the local host's schedule, a warm Functions instance)
    /// only loads the newer segments (<see cref="ViewStateCache"/>). Default true; false always reads from the store,
    /// as a new process does.
    /// </summary>
    public bool UseStateCache { get; set; } = true;

    private readonly ViewStateCache _viewStates = new();

    private static readonly object CacheLock = new();
    private static (string Store, IReadOnlyList<string> Segments, FeatureState State)? _cache;

    private void RememberState(IReadOnlyList<FeatureSegment> segments, FeatureState state)
    {
        lock (CacheLock) _cache = (_store.Description, segments.Select(s => s.Path).ToList(), state);
    }

    /// <summary>Merges segments oldest first, starting from the cached state when it covers a prefix of them (taken: it is extended in place).</summary>
    private async Task<FeatureState> LoadSegmentsAsync(IReadOnlyList<FeatureSegment> segments, CancellationToken cancellationToken)
    {
        FeatureState? state = null;
        var from = 0;
        if (UseStateCache)
            lock (CacheLock)
                if (_cache is { } c && c.Store == _store.Description && c.Segments.Count <= segments.Count && c.Segments.SequenceEqual(segments.Take(c.Segments.Count).Select(s => s.Path)))
                {
                    (state, from, _cache) = (c.State, c.Segments.Count, null);
                }
        var loaded = await Task.WhenAll(segments.Skip(from).Select(s => Task.Run(() => LoadSegmentAsync(s.Path, cancellationToken), cancellationToken))).ConfigureAwait(false);
        foreach (var segment in loaded)
        {
            if (state is null) state = segment;
            else state.Merge(segment);
        }
        return state ?? throw new InvalidDataException("A snapshot needs at least one segment.");
    }

    private async Task<bool> SegmentIsCurrentFormatAsync(string path, CancellationToken cancellationToken)
    {
        await using var blob = await _store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (blob is null) return false;
        var head = new byte[4];
        return await blob.Stream.ReadAtLeastAsync(head, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == 4 && FeatureState.IsCurrentFormat(head);
    }

    private async Task<FeatureState> LoadSegmentAsync(string path, CancellationToken cancellationToken)
    {
        await using var blob = await _store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Feature segment {path} is gone.");
        return FeatureState.Deserialize(blob.Stream);
    }

    /// <summary>Null when <paramref name="baseline"/>'s state can be extended to <paramref name="cutoff"/>, else why not.</summary>
    private string? CannotExtend(FeatureSnapshotManifest baseline, DateTimeOffset cutoff, List<(DateOnly Day, BlobInfo Blob)> candidates, long anchorTicks)
    {
        if (baseline.Segments.Count == 0) return "the latest snapshot predates aggregate segments";
        if (baseline.Cutoff > cutoff) return $"cutoff {cutoff:O} is before the latest snapshot's {baseline.Cutoff:O}";
        if (Math.Abs(baseline.DecayHalfLifeDays - _options.DecayHalfLifeDays) > 1e-12) return "decay half-life changed";
        if (baseline.DecayAnchor.UtcTicks != anchorTicks)
            return $"the decay anchor moves from {baseline.DecayAnchor:yyyy-MM-dd} to {new DateTime(anchorTicks, DateTimeKind.Utc):yyyy-MM-dd} (every {FixedPoint.AnchorStepHalfLives} half-lives, or a batch before the first arrived)";
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

    private static string SnapshotId(DateTimeOffset cutoff, string mode, string? baseId, IEnumerable<(string Path, string ETag)> batches, string? catalogETag, double halfLifeDays)
    {
        var text = new StringBuilder().Append(mode).Append('\n').Append(baseId).Append('\n').Append(catalogETag).Append('\n');
        // Another half-life is another snapshot of the same inputs (it was the old one, returned as "already exists"); the
        // default leaves the text as it was, so ids of existing snapshots still match their inputs.
        if (halfLifeDays != new FeatureStoreOptions().DecayHalfLifeDays) text.Append("half-life ").Append(halfLifeDays.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (path, etag) in batches) text.Append(path).Append(' ').Append(etag).Append('\n');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..8];
        return $"fs-{cutoff.UtcDateTime:yyyyMMdd'T'HHmmss}Z-{(mode == "full" ? "f" : "i")}{hash}";
    }

    private static List<CatalogItem> ParseCatalog(BinaryData data)
    {
        var items = new List<CatalogItem>();
        foreach (var line in data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
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

    /// <summary>Per-feature statistics of a snapshot (the drift reference; materializes it if needed); null when the snapshot does not exist.</summary>
    public async Task<IReadOnlyList<FeatureStatistics>?> GetStatisticsAsync(string snapshotId, CancellationToken cancellationToken = default) =>
        await GetManifestAsync(snapshotId, cancellationToken).ConfigureAwait(false) is null ? null
            : (await MaterializeAsync(snapshotId, cancellationToken: cancellationToken).ConfigureAwait(false)).Statistics;

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

    /// <summary>Reads one view of a snapshot as of its cutoff (see <see cref="FeatureViewNames"/>).</summary>
    public async Task<IList<T>> ReadViewAsync<T>(string snapshotId, string view, CancellationToken cancellationToken = default) where T : class, new()
    {
        var tables = await GetTablesAsync(snapshotId, cancellationToken).ConfigureAwait(false);
        object rows = view switch
        {
            FeatureViewNames.User => tables.Users,
            FeatureViewNames.Item => tables.Items,
            FeatureViewNames.UserGenre => tables.UserGenres,
            FeatureViewNames.UserHistory => tables.History,
            _ => throw new InvalidDataException($"Snapshot {snapshotId} has no view '{view}'."),
        };
        return rows as IList<T> ?? throw new ArgumentException($"View '{view}' does not hold {typeof(T).Name} rows.", nameof(view));
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
            RowCounts = latest is null ? [] : (await ReadMaterializationAsync(latest.SnapshotId, cancellationToken).ConfigureAwait(false))?.RowCounts ?? [],
            Segments = latest?.Segments.Count ?? 0,
            Snapshots = snapshots,
        };
    }
}
