using System.Globalization;
using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Core.Ingest;

/// <summary>What <c>mlops data stats</c> reports (docs/data.md defines each figure).</summary>
public sealed record DataStats
{
    public long Events { get; init; }
    public int Users { get; init; }
    public int Items { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    /// <summary>Day partitions holding events, and event blobs (batches × parts).</summary>
    public int Days { get; init; }
    public int EventBlobs { get; init; }
    public IReadOnlyDictionary<string, long> EventTypes { get; init; } = new Dictionary<string, long>();
    /// <summary>Rated events per rating; on a scale other than 5 the key carries it ("8/10").</summary>
    public IReadOnlyDictionary<string, long> RatingHistogram { get; init; } = new Dictionary<string, long>();
    public long Rated { get; init; }
    /// <summary>Mean rating normalised to a 5-point scale (rating × 5 / scale max).</summary>
    public double? MeanRating5 { get; init; }
    public int CatalogItems { get; init; }
    /// <summary>Titles with events that <c>catalog/current.ndjson</c> does not hold (their events are accepted all the same).</summary>
    public int ItemsNotInCatalog { get; init; }
    public IReadOnlyDictionary<string, int> CatalogGenres { get; init; } = new Dictionary<string, int>();
    public int Imports { get; init; }
    public long Quarantined { get; init; }
    public IReadOnlyDictionary<string, long> QuarantineReasons { get; init; } = new Dictionary<string, long>();
    /// <summary>Imports killed (or still running) before their manifest: their blobs are in none of the figures above.</summary>
    public IReadOnlyList<UnfinishedImport> UnfinishedImports { get; init; } = [];
}

/// <summary>
/// A batch with blobs on the store and no manifest: readers ignore it until the same import is run again. Days and
/// bytes are those of the event blobs it left.
/// </summary>
public sealed record UnfinishedImport(string Batch, string Source, DateTimeOffset StartedAt, int Days, DateOnly? FirstDay, DateOnly? LastDay,
    int EventBlobs, long Bytes, long QuarantineBytes, bool Running)
{
    public string Hint => Running
        ? "an import of this batch holds the import lease: it is still running"
        : $"run the import of {(Source.Length > 0 ? Source : "this batch")} again: it rewrites the batch and commits it";
}

public static class DataStatistics
{
    public static Task<DataStats> ComputeAsync(IBlobStore store, CancellationToken cancellationToken = default) =>
        ComputeAsync(store, null, cancellationToken);

    /// <summary>
    /// Reads every committed event and quarantine blob; <paramref name="progress"/> is told the fraction of their bytes read
    /// so far, after each blob (a scan of millions of events takes seconds to minutes).
    /// </summary>
    public static async Task<DataStats> ComputeAsync(IBlobStore store, IProgress<double>? progress, CancellationToken cancellationToken = default)
    {
        // One listing of events/ and one of the unfinished-import markers split the blobs into committed and left over.
        var allBatches = await EventLog.ListAllBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        var markers = await MLOps.Core.Data.UnfinishedImports.ListAsync(store, cancellationToken).ConfigureAwait(false);
        bool Unfinished(string path) => markers.ContainsKey(StoreLayout.BatchOfBlob(path));
        var batches = EventLog.Committed(allBatches, markers);
        var allQuarantine = await store.ListAllAsync(StoreLayout.Quarantine, cancellationToken).ConfigureAwait(false);
        var quarantineBlobs = allQuarantine.Where(b => !Unfinished(b.Path)).ToList();
        var scan = new ScanProgress(progress, batches.Sum(b => b.Blob.Length) + quarantineBlobs.Sum(b => b.Length));
        var users = new HashSet<string>(StringComparer.Ordinal);
        var items = new HashSet<string>(StringComparer.Ordinal);
        var types = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var ratings = new SortedDictionary<(double Scale, double Rating), long>();
        long events = 0, rated = 0;
        double ratingSum = 0;
        DateTimeOffset? from = null, to = null;
        foreach (var (_, blob) in batches)
        {
            await foreach (var e in EventLog.ReadAsync(store, [blob.Path], cancellationToken).ConfigureAwait(false))
                Count(e);
            scan.Read(blob.Length);
        }

        void Count(ViewingEvent e)
        {
            events++;
            users.Add(e.UserId);
            items.Add(e.ContentId);
            var type = JsonNamingPolicy.CamelCase.ConvertName(e.EventType.ToString());
            types[type] = types.GetValueOrDefault(type) + 1;
            if (from is null || e.Timestamp < from) from = e.Timestamp;
            if (to is null || e.Timestamp > to) to = e.Timestamp;
            if (e.Rating is { } r)
            {
                var scale = e.RatingScaleMax ?? 5;
                ratings[(scale, r)] = ratings.GetValueOrDefault((scale, r)) + 1;
                rated++;
                ratingSum += r * 5 / scale;
            }
        }

        var catalog = await CatalogStore.ReadAsync(store, cancellationToken).ConfigureAwait(false);
        var genres = catalog.SelectMany(i => i.Genres).GroupBy(g => g, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

        long quarantined = 0;
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        var quarantineLeftBytes = allQuarantine.Where(b => Unfinished(b.Path)).GroupBy(b => StoreLayout.BatchOfBlob(b.Path), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(b => b.Length), StringComparer.Ordinal);
        foreach (var blob in quarantineBlobs)
        {
            await using (var stream = await store.OpenReadAsync(blob.Path, cancellationToken).ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream?.Stream ?? Stream.Null);
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    if (line.Length == 0) continue;
                    var row = JsonSerializer.Deserialize<QuarantinedRow>(line, StoreJson.Options);
                    if (row is null) continue;
                    quarantined++;
                    foreach (var key in row.Reasons.Select(r => r.Key).Distinct()) reasons[key] = reasons.GetValueOrDefault(key) + 1;
                }
            }
            scan.Read(blob.Length);
        }
        scan.Finish();
        var imports = 0;
        await foreach (var _ in ImportManifests.ListAsync(store, cancellationToken).ConfigureAwait(false)) imports++;
        var leftOver = allBatches.Where(b => Unfinished(b.Blob.Path)).ToLookup(b => StoreLayout.BatchOfBlob(b.Blob.Path), StringComparer.Ordinal);
        // A marker is also what a running import looks like; the lease tells the two apart.
        var lease = (await store.ReadJsonAsync<ImportLease.Holder>(ImportLease.Path, cancellationToken: cancellationToken).ConfigureAwait(false))?.Value;
        var unfinished = markers.Values.OrderBy(m => m.StartedAt).ThenBy(m => m.Batch, StringComparer.Ordinal).Select(m =>
        {
            var blobs = leftOver[m.Batch].ToList();
            return new UnfinishedImport(m.Batch, m.Source, m.StartedAt, blobs.Select(b => b.Day).Distinct().Count(),
                blobs.Count > 0 ? blobs.Min(b => b.Day) : null, blobs.Count > 0 ? blobs.Max(b => b.Day) : null,
                blobs.Count, blobs.Sum(b => b.Blob.Length), quarantineLeftBytes.GetValueOrDefault(m.Batch),
                lease is not null && lease.Batch == m.Batch && ImportLease.IsHeld(lease));
        }).ToList();

        return new DataStats
        {
            Events = events,
            Users = users.Count,
            Items = items.Count,
            From = from,
            To = to,
            Days = batches.Select(b => b.Day).Distinct().Count(),
            EventBlobs = batches.Count,
            EventTypes = types,
            RatingHistogram = ratings.ToDictionary(
                p => p.Key.Scale == 5 ? p.Key.Rating.ToString("0.#", CultureInfo.InvariantCulture)
                    : $"{p.Key.Rating.ToString("0.#", CultureInfo.InvariantCulture)}/{p.Key.Scale.ToString("0.#", CultureInfo.InvariantCulture)}",
                p => p.Value),
            Rated = rated,
            MeanRating5 = rated > 0 ? Math.Round(ratingSum / rated, 4) : null,
            CatalogItems = catalog.Count,
            ItemsNotInCatalog = items.Except(catalog.Select(i => i.ContentId), StringComparer.Ordinal).Count(),
            CatalogGenres = genres,
            Imports = imports,
            Quarantined = quarantined,
            QuarantineReasons = reasons.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value),
            UnfinishedImports = unfinished,
        };
    }
}

/// <summary>The fraction of a scan's bytes read, for <see cref="DataStatistics"/>; 1 at the end even when there was nothing to read.</summary>
internal sealed class ScanProgress(IProgress<double>? progress, long totalBytes)
{
    private long _read;

    public void Read(long bytes)
    {
        _read += bytes;
        if (totalBytes > 0) progress?.Report(Math.Min(1, (double)_read / totalBytes));
    }

    public void Finish() => progress?.Report(1);
}
