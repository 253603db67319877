using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Features;
using MLOps.Storage;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>mlops benchmark features</c>: generates a synthetic event log (one batch per day) into a scratch folder store,
/// then times a full refresh of all of it and an incremental refresh that adds the last day to a snapshot of the
/// others, and checks that the incremental snapshot equals the full one feature by feature (docs/features.md).
/// </summary>
public static class FeatureBenchmark
{
    public static void Add(Command root)
    {
        var events = new Option<int>("--events") { Description = "Synthetic events.", DefaultValueFactory = _ => 1_000_000 };
        var days = new Option<int>("--days") { Description = "Days (one event batch per day).", DefaultValueFactory = _ => 60 };
        var users = new Option<int>("--users") { DefaultValueFactory = _ => 20_000 };
        var items = new Option<int>("--items") { DefaultValueFactory = _ => 3_000 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42 };
        var work = new Option<string?>("--work") { Description = "Scratch folder (default: a new temp folder, deleted afterwards)." };
        var command = new Command("features", "Time a full and an incremental feature refresh on synthetic events.") { events, days, users, items, seed, work };
        command.SetVerbAction(async (context, ct) =>
        {
            int n = context.Parse.GetValue(events), d = context.Parse.GetValue(days), u = context.Parse.GetValue(users), i = context.Parse.GetValue(items);
            if (n < 1 || d < 2 || u < 1 || i < 1) throw new CliUsageException("--events, --users and --items must be positive and --days at least 2");
            var folder = context.Parse.GetValue(work) ?? Path.Combine(Path.GetTempPath(), $"mlops-bench-features-{Guid.NewGuid():N}");
            var cleanup = context.Parse.GetValue(work) is null;
            try
            {
                var store = new FolderBlobStore(folder);
                var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var clock = Stopwatch.StartNew();
                var marker = $"bench/{n}-{d}-{u}-{i}-{context.Parse.GetValue(seed)}";
                if (await store.ExistsAsync(marker, ct).ConfigureAwait(false))
                {
                    // Reuse the generated events of an earlier run with the same parameters; drop its snapshots.
                    if (Directory.Exists(Path.Combine(folder, "features"))) Directory.Delete(Path.Combine(folder, "features"), recursive: true);
                    context.Log.WriteLine($"reusing the events in {store.Description}");
                }
                else
                {
                    await GenerateAsync(store, n, d, u, i, context.Parse.GetValue(seed), start, ct).ConfigureAwait(false);
                    await store.WriteTextAsync(marker, "generated", cancellationToken: ct).ConfigureAwait(false);
                    context.Log.WriteLine($"generated {n:N0} events over {d} days in {clock.Elapsed.TotalSeconds:F1} s ({store.Description})");
                }

                var features = new FeatureStore(store);
                var progress = new FeaturesCommand.SyncProgress(context);
                var end = start.AddDays(d);
                await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = end.AddDays(-2), Full = true }, progress, ct).ConfigureAwait(false);

                async Task<(FeatureSnapshotManifest Manifest, double Wall, double Cpu)> TimedAsync(FeatureRefreshRequest request, bool cache)
                {
                    features.UseStateCache = cache;
                    var process = Process.GetCurrentProcess();
                    var cpu0 = process.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    var manifest = await features.RefreshAsync(request, progress, ct).ConfigureAwait(false);
                    process.Refresh();
                    return (manifest, watch.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu0).TotalSeconds);
                }
                // Day d-2 onto the d-2 snapshot reading its state from the store (a new process), then day d-1 with the state kept in memory.
                var cold = await TimedAsync(new FeatureRefreshRequest { Cutoff = end.AddDays(-1) }, cache: false).ConfigureAwait(false);
                var warm = await TimedAsync(new FeatureRefreshRequest { Cutoff = end }, cache: true).ConfigureAwait(false);
                var fullRun = await TimedAsync(new FeatureRefreshRequest { Cutoff = end, Full = true }, cache: false).ConfigureAwait(false);
                var full = fullRun.Manifest;
                var incremental = warm.Manifest;
                double fullSeconds = fullRun.Wall, fullCpu = fullRun.Cpu;
                var differences = await SnapshotComparer.CompareAsync(features, full.SnapshotId, incremental.SnapshotId, ct).ConfigureAwait(false);

                var result = new
                {
                    events = n, days = d, users = u, items = i,
                    fullSeconds = Math.Round(fullSeconds, 3), fullCpuSeconds = Math.Round(fullCpu, 3),
                    incrementalSeconds = Math.Round(warm.Wall, 3), incrementalCpuSeconds = Math.Round(warm.Cpu, 3),
                    incrementalShare = Math.Round(warm.Wall / fullSeconds, 4),
                    incrementalEventsRead = incremental.EventsRead,
                    coldIncrementalSeconds = Math.Round(cold.Wall, 3), coldIncrementalCpuSeconds = Math.Round(cold.Cpu, 3),
                    coldIncrementalShare = Math.Round(cold.Wall / fullSeconds, 4),
                    rows = full.RowCounts,
                    incrementalEqualsFull = differences.Count == 0,
                    differences = differences.Take(10).ToList(),
                    cores = Environment.ProcessorCount,
                };
                context.Result(result, console =>
                {
                    console.MarkupLine($"full refresh: {fullSeconds:F2} s wall, {fullCpu:F2} s CPU ({n:N0} events)");
                    console.MarkupLine($"incremental refresh, state in memory (1 new day, {incremental.EventsRead:N0} events): {warm.Wall:F2} s wall ({warm.Wall / fullSeconds:P1} of full), {warm.Cpu:F2} s CPU");
                    console.MarkupLine($"incremental refresh, state read from the store (1 new day, {cold.Manifest.EventsRead:N0} events): {cold.Wall:F2} s wall ({cold.Wall / fullSeconds:P1} of full), {cold.Cpu:F2} s CPU");
                    console.MarkupLine(differences.Count == 0 ? "incremental == full, feature by feature" : $"[red]{differences.Count} differences[/], e.g. {Markup.Escape(differences[0])}");
                });
                return differences.Count == 0 ? ExitCodes.Done : ExitCodes.Failed;
            }
            finally
            {
                if (cleanup && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
        });
        root.Group("benchmark", "Reproducible benchmarks.").Subcommands.Add(command);
    }

    private static readonly string[] Genres = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];
    private static readonly string[] Maturity = ["G", "PG", "PG-13", "R", "TV-MA"];

    /// <summary>Zipf-popular titles, users with two favourite genres, ratings on 1-5, one NDJSON batch per day.</summary>
    public static async Task GenerateAsync(IBlobStore store, int events, int days, int users, int items, int seed, DateTimeOffset start, CancellationToken ct)
    {
        var random = new Random(seed);
        var catalog = Enumerable.Range(0, items).Select(k => new CatalogItem
        {
            ContentId = $"i{k}",
            Title = $"Title {k}",
            Genres = [.. new[] { Genres[random.Next(Genres.Length)], Genres[random.Next(Genres.Length)] }.Distinct()],
            ReleaseDate = DateOnly.FromDateTime(start.UtcDateTime).AddDays(-random.Next(3650)),
            MaturityRating = Maturity[random.Next(Maturity.Length)],
        }).ToList();
        await store.WriteAsync(CatalogStore.CurrentPath, CatalogStore.Serialize(catalog), cancellationToken: ct).ConfigureAwait(false);
        var cumulative = new double[items];
        var total = 0.0;
        for (var k = 0; k < items; k++) cumulative[k] = total += 1.0 / Math.Pow(k + 1, 0.9);

        var perDay = events / days;
        var written = 0;
        await Parallel.ForAsync(0, days, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, async (day, token) =>
        {
            var r = new Random(seed * 7919 + day);
            var count = day == days - 1 ? events - perDay * (days - 1) : perDay;
            using var buffer = new MemoryStream(count * 180);
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
            {
                var dayStart = start.AddDays(day);
                for (var e = 0; e < count; e++)
                {
                    var item = Array.BinarySearch(cumulative, r.NextDouble() * total);
                    if (item < 0) item = ~item;
                    var rate = r.NextDouble() < 0.3;
                    w.WriteStartObject();
                    w.WriteString("eventId", $"e{day}-{e}");
                    w.WriteString("userId", $"u{r.Next(users)}");
                    w.WriteString("contentId", $"i{Math.Min(item, items - 1)}");
                    w.WriteString("timestamp", dayStart.AddTicks((long)(r.NextDouble() * TimeSpan.TicksPerDay)));
                    w.WriteString("eventType", rate ? "rate" : "play");
                    if (rate) { w.WriteNumber("rating", r.Next(1, 6)); w.WriteNumber("ratingScaleMax", 5); }
                    else w.WriteNumber("viewSeconds", Math.Round(r.NextDouble() * 7200, 1));
                    w.WriteEndObject();
                    w.Flush();
                    buffer.WriteByte((byte)'\n');
                    w.Reset();
                }
            }
            buffer.Position = 0;
            await store.WriteAsync(StoreLayout.EventBatch(DateOnly.FromDateTime(start.AddDays(day).UtcDateTime), $"bench-{day:D4}"), buffer, WriteCondition.None, token).ConfigureAwait(false);
            Interlocked.Add(ref written, count);
        }).ConfigureAwait(false);
    }
}
