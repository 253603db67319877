using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Drift.Window;

/// <summary>Reads one window of events (the day partitions it covers) into a <see cref="WindowAggregate"/>.</summary>
public static class WindowReader
{
    public static async Task<WindowAggregate> ReadAsync(IBlobStore store, DriftWindow window, IReadOnlyList<CatalogItem>? catalog, DriftOptions options,
        CancellationToken cancellationToken = default)
    {
        var batches = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        var paths = batches.Where(b => window.Covers(b.Day)).Select(b => b.Blob.Path).ToList();
        return await ReadBatchesAsync(store, window, paths, catalog, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The events of <paramref name="window"/> in exactly these event blobs (a training snapshot's batches); without
    /// <paramref name="accounts"/> no account anomalies are looked for (a reference has no use for them).
    /// </summary>
    public static async Task<WindowAggregate> ReadBatchesAsync(IBlobStore store, DriftWindow window, IReadOnlyList<string> paths, IReadOnlyList<CatalogItem>? catalog,
        DriftOptions options, CancellationToken cancellationToken = default, bool accounts = true)
    {
        var context = new ScanContext(window, catalog, accounts: accounts);
        var parts = await EventScanner.ScanAsync(store, paths, context, options.Workers, cancellationToken).ConfigureAwait(false);
        return WindowAggregate.Merge(context, parts, options);
    }

    /// <summary>
    /// The latest <paramref name="days"/> days that hold imported events (by day partition), or null when there are none.
    /// Serving's exposure log does not count: it is written at serving time, so today's partition would hold nothing but
    /// exposures until today's import arrives, and judging it would read as the audience vanishing (a critical volume drop).
    /// </summary>
    public static async Task<DriftWindow?> LatestAsync(IBlobStore store, int days, CancellationToken cancellationToken = default) =>
        Latest(await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false), days);

    /// <summary><see cref="LatestAsync"/> over a listing the caller already holds (<see cref="EventLog.ListBatchesAsync"/>, day order).</summary>
    public static DriftWindow? Latest(IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches, int days)
    {
        if (batches.Count == 0) return null;
        var last = batches.LastOrDefault(b => !IsExposureLog(b.Blob), batches[^1]).Day;
        return DriftWindow.Days(last.AddDays(1 - Math.Max(1, days)), Math.Max(1, days));
    }

    /// <summary>A blob of serving's own exposure log (<c>events/dt=…/exposures-….ndjson</c>), not an import.</summary>
    public static bool IsExposureLog(BlobInfo blob) => Path.GetFileName(blob.Path).StartsWith(StoreLayout.ExposureBatchPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Events per hour of one past day, cached at <c>drift/volume/dt=DAY.json</c> together with the batches it counted
    /// (path + ETag), so a day is parsed once and recounted only when a batch is added or replaced.
    /// </summary>
    public static async Task<long[]> HourlyCountsAsync(IBlobStore store, DateOnly day, IReadOnlyList<BlobInfo> dayBatches, DriftOptions options,
        CancellationToken cancellationToken = default)
    {
        var path = $"{StoreLayout.Drift}volume/dt={day:yyyy-MM-dd}.json";
        // "v2": counts since exposures are left out (serving's output is not event volume); older caches are recounted once.
        var signature = "v2;" + string.Join(";", dayBatches.Select(b => $"{b.Path}@{b.ETag}"));
        if (await store.ReadJsonAsync<DayCounts>(path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } cached && cached.Value.Batches == signature)
            return cached.Value.Hours;
        var context = new ScanContext(DriftWindow.Days(day), null, countsOnly: true);
        var parts = await EventScanner.ScanAsync(store, dayBatches.Select(b => b.Path).ToList(), context, options.Workers, cancellationToken).ConfigureAwait(false);
        var hours = new long[24];
        foreach (var p in parts) for (var h = 0; h < 24; h++) hours[h] += p.Hourly[h];
        await store.WriteJsonAsync(path, new DayCounts(day, signature, hours), WriteCondition.None, cancellationToken: cancellationToken).ConfigureAwait(false);
        return hours;
    }

    private sealed record DayCounts(DateOnly Day, string Batches, long[] Hours);
}
