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
/// then times incremental refreshes that add one day, a compaction, a full refresh of all of it and the first read of
/// the views; checks that the incremental snapshot equals the full one feature by feature; and measures the candidate
/// view file formats on the full snapshot's rows (docs/features.md).
/// </summary>
public static class FeatureBenchmark
{
    public static void Add(Command root)
    {
        var events = new Option<int>("--events") { Description = "Synthetic events.", DefaultValueFactory = _ => 1_000_000 };
        var days = new Option<int>("--days") { Description = "Days (one event batch per day).", DefaultValueFactory = _ => 60 };
        var users = new Option<int>("--users") { Description = "Synthetic users.", DefaultValueFactory = _ => 20_000 };
        var items = new Option<int>("--items") { Description = "Synthetic titles.", DefaultValueFactory = _ => 3_000 };
        var seed = new Option<int>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 42 };
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
                // Untimed: the snapshot the chain starts from, materialized as the pipeline's refresh step does (also warms the JIT).
                var chainDays = Math.Max(1, features.Options.ViewStateEvery);
                // A chain of chainDays days as new processes, then one of chainDays days in one process.
                var incrementalDays = 2 * chainDays;
                if (d <= incrementalDays) throw new CliUsageException($"--days must be more than {incrementalDays} (the incremental chains)");
                features.UseStateCache = false;
                var start0 = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = end.AddDays(-incrementalDays), Full = true }, progress, ct).ConfigureAwait(false);
                await features.MaterializeAsync(start0.SnapshotId, progress, ct).ConfigureAwait(false);

                async Task<(T Value, double Wall, double Cpu)> TimedAsync<T>(Func<Task<T>> run)
                {
                    var process = Process.GetCurrentProcess();
                    var cpu0 = process.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    var value = await run().ConfigureAwait(false);
                    process.Refresh();
                    return (value, watch.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu0).TotalSeconds);
                }
                // One pipeline refresh step: refresh, then materialize the views (the pipeline trains on them next).
                async Task<Step> StepAsync(FeatureRefreshRequest request)
                {
                    var refresh = await TimedAsync(() => features.RefreshAsync(request, progress, ct)).ConfigureAwait(false);
                    var views = await TimedAsync(() => features.MaterializeAsync(refresh.Value.SnapshotId, progress, ct)).ConfigureAwait(false);
                    return new Step(refresh.Value, refresh.Wall, refresh.Cpu, views.Value, views.Wall, views.Cpu);
                }
                // One day at a time onto that snapshot, ViewStateEvery days, each step loading what it needs from the
                // store as a new process would: one cycle of the view state (the last day writes a new one, the others
                // fold onto the persisted one). Then, from a new full snapshot (untimed, so the chains stay below the
                // compaction limit), the same cycle in one process that keeps the last view state in memory (the local
                // host, a warm Functions instance). Then a refresh that compacts that chain's segments into one (no new
                // batch), and a full refresh of all d days.
                var chain = new List<Step>();
                for (var k = incrementalDays - 1; k >= chainDays; k--) chain.Add(await StepAsync(new FeatureRefreshRequest { Cutoff = end.AddDays(-k) }).ConfigureAwait(false));
                features.UseStateCache = true;
                var start1 = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = end.AddDays(-chainDays), Full = true }, progress, ct).ConfigureAwait(false);
                await features.MaterializeAsync(start1.SnapshotId, progress, ct).ConfigureAwait(false);
                var warm = new List<Step>();
                for (var k = chainDays - 1; k >= 0; k--) warm.Add(await StepAsync(new FeatureRefreshRequest { Cutoff = end.AddDays(-k) }).ConfigureAwait(false));
                features.UseStateCache = false;
                var first = chain[0];
                var second = warm[^1];
                var compacted = await StepAsync(new FeatureRefreshRequest { Cutoff = end, Compact = true }).ConfigureAwait(false);
                var fullRun = await StepAsync(new FeatureRefreshRequest { Cutoff = end, Full = true }).ConfigureAwait(false);
                var full = fullRun.Snapshot;
                var incremental = second.Snapshot;
                var differences = await SnapshotComparer.CompareAsync(features, full.SnapshotId, incremental.SnapshotId, ct).ConfigureAwait(false);
                differences.AddRange(await SnapshotComparer.CompareAsync(features, full.SnapshotId, compacted.Snapshot.SnapshotId, ct).ConfigureAwait(false));
                differences.AddRange(CompareStatistics(fullRun.Views, second.Views));
                // The new-process chain ends where the one-process chain starts: at the full snapshot start1.
                differences.AddRange(await SnapshotComparer.CompareAsync(features, start1.SnapshotId, chain[^1].Snapshot.SnapshotId, ct).ConfigureAwait(false));
                differences.AddRange(CompareStatistics((await features.MaterializeAsync(start1.SnapshotId, cancellationToken: ct).ConfigureAwait(false)), chain[^1].Views));
                context.Log.WriteLine("measuring view file formats...");
                var formats = await ViewFormatBenchmark.MeasureAsync(features, full.SnapshotId, cancellationToken: ct).ConfigureAwait(false);
                var formatTotals = formats.GroupBy(f => f.Format).Select(g => new
                {
                    format = g.Key, bytes = g.Sum(f => f.Bytes), writeSeconds = Math.Round(g.Sum(f => f.WriteSeconds), 3), readSeconds = Math.Round(g.Sum(f => f.ReadSeconds), 3),
                }).ToList();

                var result = new
                {
                    events = n, days = d, users = u, items = i,
                    fullSeconds = Math.Round(fullRun.RefreshWall, 3), fullCpuSeconds = Math.Round(fullRun.RefreshCpu, 3),
                    incrementalSeconds = Math.Round(second.RefreshWall, 3), incrementalCpuSeconds = Math.Round(second.RefreshCpu, 3),
                    incrementalShare = Math.Round(second.RefreshWall / fullRun.RefreshWall, 4),
                    incrementalEventsRead = incremental.EventsRead,
                    firstIncrementalSeconds = Math.Round(first.RefreshWall, 3), firstIncrementalCpuSeconds = Math.Round(first.RefreshCpu, 3),
                    compactionSeconds = Math.Round(compacted.RefreshWall, 3), compactionCpuSeconds = Math.Round(compacted.RefreshCpu, 3),
                    materializeFullSeconds = Math.Round(fullRun.ViewsWall, 3), materializeFullCpuSeconds = Math.Round(fullRun.ViewsCpu, 3),
                    materializeIncrementalSeconds = Math.Round(second.ViewsWall, 3), materializeIncrementalCpuSeconds = Math.Round(second.ViewsCpu, 3),
                    materializeCompactedSeconds = Math.Round(compacted.ViewsWall, 3),
                    stepFullSeconds = Math.Round(fullRun.Wall, 3), stepFullCpuSeconds = Math.Round(fullRun.Cpu, 3),
                    stepIncrementalSeconds = Math.Round(second.Wall, 3), stepIncrementalCpuSeconds = Math.Round(second.Cpu, 3),
                    stepIncrementalShare = Math.Round(second.Wall / fullRun.Wall, 4),
                    stepIncrementalCpuShare = Math.Round(second.Cpu / fullRun.Cpu, 4),
                    stepFirstIncrementalSeconds = Math.Round(first.Wall, 3), stepFirstIncrementalShare = Math.Round(first.Wall / fullRun.Wall, 4),
                    chain = chain.Select(StepSummary).ToList(),
                    stepChainMeanSeconds = Math.Round(chain.Average(c => c.Wall), 3), stepChainMeanCpuSeconds = Math.Round(chain.Average(c => c.Cpu), 3),
                    stepChainMeanShare = Math.Round(chain.Average(c => c.Wall) / fullRun.Wall, 4), stepChainMeanCpuShare = Math.Round(chain.Average(c => c.Cpu) / fullRun.Cpu, 4),
                    warmChain = warm.Select(StepSummary).ToList(),
                    stepWarmMeanSeconds = Math.Round(warm.Average(c => c.Wall), 3), stepWarmMeanCpuSeconds = Math.Round(warm.Average(c => c.Cpu), 3),
                    stepWarmMeanShare = Math.Round(warm.Average(c => c.Wall) / fullRun.Wall, 4), stepWarmMeanCpuShare = Math.Round(warm.Average(c => c.Cpu) / fullRun.Cpu, 4),
                    incrementalViewStateBase = second.Views.ViewStateBase,
                    segments = new { full = full.Segments, incremental = incremental.Segments, compacted = compacted.Snapshot.Segments },
                    rows = fullRun.Views.RowCounts,
                    incrementalEqualsFull = differences.Count == 0,
                    differences = differences.Take(10).ToList(),
                    formats = formatTotals,
                    formatsByView = formats,
                    cores = Environment.ProcessorCount,
                    loadAverage = LoadAverage(),
                };
                context.Result(result, console =>
                {
                    console.MarkupLine($"full refresh: {fullRun.RefreshWall:F2} s wall, {fullRun.RefreshCpu:F2} s CPU ({n:N0} events); views {fullRun.ViewsWall:F2} s; refresh step {fullRun.Wall:F2} s wall, {fullRun.Cpu:F2} s CPU");
                    console.MarkupLine($"incremental refresh (1 new day, {incremental.EventsRead:N0} events): {second.RefreshWall:F2} s wall ({second.RefreshWall / fullRun.RefreshWall:P1} of full); views {second.ViewsWall:F2} s; refresh step {second.Wall:F2} s wall = {second.Wall / fullRun.Wall:P1} of full ({second.Cpu / fullRun.Cpu:P1} of its CPU); the first new-process step: {first.Wall:F2} s ({first.Wall / fullRun.Wall:P1})");
                    console.MarkupLine($"refresh steps of the {chain.Count}-day chain, each as a new process: {string.Join(", ", chain.Select(c => $"{c.Wall:F2} s"))}; mean {chain.Average(c => c.Wall):F2} s = {chain.Average(c => c.Wall) / fullRun.Wall:P1} of a full one ({chain.Average(c => c.Cpu) / fullRun.Cpu:P1} of its CPU)");
                    console.MarkupLine($"refresh steps of the {warm.Count}-day chain in one process (view state kept in memory): {string.Join(", ", warm.Select(c => $"{c.Wall:F2} s"))}; mean {warm.Average(c => c.Wall):F2} s = {warm.Average(c => c.Wall) / fullRun.Wall:P1} of a full one ({warm.Average(c => c.Cpu) / fullRun.Cpu:P1} of its CPU)");
                    console.MarkupLine($"compaction of {incremental.Segments.Count} segments: {compacted.RefreshWall:F2} s wall, {compacted.RefreshCpu:F2} s CPU; its views {compacted.ViewsWall:F2} s");
                    console.MarkupLine(differences.Count == 0 ? "incremental == compacted == full, feature by feature (bitwise), statistics too" : $"[red]{differences.Count} differences[/], e.g. {Markup.Escape(differences[0])}");
                    var table = new Table().AddColumns("format", "bytes", "write s", "read s");
                    foreach (var f in formatTotals) table.AddRow(f.format, f.bytes.ToString("N0"), f.writeSeconds.ToString("F3"), f.readSeconds.ToString("F3"));
                    console.Write(table);
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

    private sealed record Step(FeatureSnapshotManifest Snapshot, double RefreshWall, double RefreshCpu, FeatureMaterialization Views, double ViewsWall, double ViewsCpu)
    {
        public double Wall => RefreshWall + ViewsWall;
        public double Cpu => RefreshCpu + ViewsCpu;
    }

    /// <summary>One timed step of a chain, as the --json output lists it.</summary>
    private static object StepSummary(Step c) => new
    {
        cutoff = c.Snapshot.Cutoff, refreshSeconds = Math.Round(c.RefreshWall, 3), viewsSeconds = Math.Round(c.ViewsWall, 3), seconds = Math.Round(c.Wall, 3),
        cpuSeconds = Math.Round(c.Cpu, 3), c.Views.SegmentsFolded, c.Views.ViewStateFromMemory, wroteViewState = c.Views.ViewState == FeatureStore.ViewStatePath(c.Snapshot.SnapshotId),
    };

    /// <summary>Per-feature statistics of two snapshots that must be equal, as their JSON (every field, exactly).</summary>
    private static IEnumerable<string> CompareStatistics(FeatureMaterialization expected, FeatureMaterialization actual)
    {
        var a = expected.Statistics.ToDictionary(s => s.Name, s => JsonSerializer.Serialize(s, StoreJson.Options));
        foreach (var s in actual.Statistics)
            if (!a.TryGetValue(s.Name, out var json) || json != JsonSerializer.Serialize(s, StoreJson.Options)) yield return $"statistics of {s.Name} differ";
    }

    private static double? LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : null;

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
