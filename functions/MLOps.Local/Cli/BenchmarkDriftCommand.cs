using System.CommandLine;
using Stopwatch = System.Diagnostics.Stopwatch;
using Process = System.Diagnostics.Process;
using System.Globalization;
using System.Text;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift;
using MLOps.Drift.Decay;
using MLOps.Drift.Window;
using MLOps.Storage;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>benchmark drift</c>: a full drift check (parse, features, scores, quality, volume, accounts, alerts, report) over a
/// window of N synthetic events, against a precomputed reference. Target (issue 7): 1M events ≤ 5 s.
/// </summary>
public static class BenchmarkDriftCommand
{
    public const double TargetSeconds = 5.0;

    public static void Add(Command root)
    {
        var events = new Option<int>("--events") { Description = "Events in the checked window.", DefaultValueFactory = _ => 1_000_000 };
        var runs = new Option<int>("--runs") { Description = "Timed checks (the first is cold: JIT included).", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 42 };
        var work = new Option<string?>("--work") { Description = "Folder for the generated store (default: a temp folder, deleted afterwards)." };
        var exposures = new Option<bool>("--exposures")
        {
            Description = "Serve 10 % of events as exposure lists of 10 titles and give the window 8 days of history, so the timed check includes performance decay (7-day horizon).",
        };
        var history = new Option<int?>("--history-events")
        {
            Description = "Events per day before the window (default: a fifth of --events, at least 1,000); 1,000,000 with --exposures is the 1M-events-a-day decay case.",
        };
        var command = new Command("drift", "Time a full drift check over a large synthetic window (target: 1M events in 5 s).") { events, runs, seed, work, exposures, history };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var n = context.Parse.GetValue(events);
            var r = context.Parse.GetValue(runs);
            if (n is < 1000 or > 50_000_000) throw new CliUsageException($"--events must be 1000..50000000, not {n}.");
            if (r is < 1 or > 20) throw new CliUsageException($"--runs must be 1..20, not {r}.");
            var folder = context.Parse.GetValue(work) ?? Path.Combine(Path.GetTempPath(), $"mlops-bench-drift-{Guid.NewGuid():N}");
            var keep = context.Parse.GetValue(work) is not null;
            try
            {
                var store = new FolderBlobStore(folder);
                var clock = Stopwatch.StartNew();
                var windowDay = new DateOnly(2024, 6, 10);
                const int referenceDays = 3;
                var served = context.Parse.GetValue(exposures);
                var historyDays = served ? 8 : referenceDays;
                var referencePerDay = context.Parse.GetValue(history) ?? Math.Max(n / 5, 1000);
                if (referencePerDay is < 1000 or > 50_000_000) throw new CliUsageException($"--history-events must be 1000..50000000, not {referencePerDay}.");
                await GenerateAsync(store, windowDay, historyDays, referencePerDay, n, context.Parse.GetValue(seed), served, cancellationToken).ConfigureAwait(false);
                context.Log.WriteLine($"generated {n:N0} window events + {historyDays} days before × {referencePerDay:N0}{(served ? " (10 % as exposure lists)" : "")} in {clock.Elapsed.TotalSeconds:0.0} s ({folder})");

                clock.Restart();
                var options = new DriftOptions();
                var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(windowDay.AddDays(-referenceDays), referenceDays), options, cancellationToken: cancellationToken).ConfigureAwait(false);
                // Past days' hourly counts are cached by earlier daily checks in production; warm that cache here (untimed).
                foreach (var (day, blobs) in (await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false)).Where(b => b.Day < windowDay).GroupBy(b => b.Day, b => b.Blob).Select(g => (g.Key, g.ToList())))
                    await WindowReader.HourlyCountsAsync(store, day, blobs, options, cancellationToken).ConfigureAwait(false);
                context.Log.WriteLine($"reference ({reference.Events:N0} events) precomputed in {clock.Elapsed.TotalSeconds:0.0} s (untimed: a check reads it, never recomputes it)");
                var checker = new DriftChecker(store, options);
                if (served)
                {
                    // Yesterday's daily check (untimed) left the per-day decay indexes of the days before the window, as in production.
                    clock.Restart();
                    await checker.EvaluateAsync(reference, DriftWindow.Days(windowDay.AddDays(-1)), cancellationToken).ConfigureAwait(false);
                    context.Log.WriteLine($"previous day's check (decay indexes of the days before the window) in {clock.Elapsed.TotalSeconds:0.0} s (untimed)");
                }

                var results = new List<Run>();
                for (var i = 0; i < r; i++)
                {
                    // Every timed run meets the window day as the daily check does: new, so its decay index is built in the run.
                    await store.DeleteAsync(DayPlayIndex.PathOf(windowDay), cancellationToken: cancellationToken).ConfigureAwait(false);
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    clock.Restart();
                    var report = await checker.CheckAsync(reference, DriftWindow.Days(windowDay), cancellationToken).ConfigureAwait(false);
                    var seconds = clock.Elapsed.TotalSeconds;
                    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                    results.Add(new Run(i + 1, report.Quality.Events, Math.Round(seconds, 3), Math.Round(cpuSeconds, 3), Math.Round(report.Quality.Events / seconds), report.Features.Count, report.Alerts.Count));
                    if (report.Decay is { } decay) context.Log.WriteLine($"  decay: {decay.Status}, {decay.ServedLists:N0} served lists, {decay.ListsWithPlay:N0} with a play");
                    context.Log.WriteLine($"run {i + 1}{(i == 0 ? " (cold)" : "")}: {report.Quality.Events:N0} events in {seconds:0.000} s wall, {cpuSeconds:0.000} s CPU ({report.Quality.Events / seconds:N0} events/s), {report.Alerts.Count} alerts; stages {string.Join(", ", (report.Timings ?? new Dictionary<string, double>()).Select(t => $"{t.Key} {t.Value:0.000} s"))}");
                }
                var median = results.Select(x => x.Seconds).Order().ElementAt(results.Count / 2);
                var worst = results.Max(x => x.Seconds);
                var summary = new
                {
                    benchmark = "drift", events = n, workers = options.Workers, processors = Environment.ProcessorCount,
                    targetSeconds = TargetSeconds, medianSeconds = median, worstSeconds = worst, withinTarget = worst <= TargetSeconds, runs = results,
                };
                context.Result(summary, console => console.MarkupLine(
                    $"drift check over {n:N0} events: median {median:0.000} s, worst {worst:0.000} s (target ≤ {TargetSeconds} s: {(worst <= TargetSeconds ? "[green]met[/]" : "[red]missed[/]")}; {options.Workers} workers on {Environment.ProcessorCount} cores)"));
                return ExitCodes.Done;
            }
            finally
            {
                if (!keep) try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
            }
        });
        root.Group("benchmark", "Reproducible benchmarks.").Subcommands.Add(command);
    }

    private sealed record Run(int Index, long Events, double Seconds, double CpuSeconds, double EventsPerSecond, int Features, int Alerts);

    /// <summary>
    /// Seeded events: 100k users, 5,000 titles (Zipf-like popularity), 20 countries, 4 devices; 70 % plays, 20 % ratings,
    /// 10 % impressions — or, with <paramref name="exposures"/>, served lists of 10 exposures sharing one user and time.
    /// </summary>
    private static async Task GenerateAsync(IBlobStore store, DateOnly windowDay, int daysBefore, int referencePerDay, int windowEvents, int seed, bool exposures,
        CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        const int items = 5000, users = 100_000;
        string[] genres = ["Drama", "Comedy", "Action", "Horror", "Documentary", "Animation", "Thriller", "Romance", "Family", "SciFi"];
        string[] devices = ["tv", "mobile", "web", "tablet"];
        var countries = Enumerable.Range(0, 20).Select(i => ((char)('A' + i)).ToString() + (char)('A' + (i * 7 % 26))).ToArray();
        var catalog = Enumerable.Range(0, items).Select(i => new CatalogItem { ContentId = $"m{i}", Title = $"Title {i}", Genres = [genres[i % genres.Length], genres[(i / 10 + i + 1) % genres.Length]] }).ToList();
        await store.WriteAsync(CatalogStore.CurrentPath, CatalogStore.Serialize(catalog), cancellationToken: cancellationToken).ConfigureAwait(false);
        for (var d = -daysBefore; d <= 0; d++)
        {
            var day = windowDay.AddDays(d);
            var count = d == 0 ? windowEvents : referencePerDay;
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            // One batch per ~250k events, as ingestion writes several batches a day.
            for (var batch = 0; batch * 250_000 < count; batch++)
            {
                var text = new StringBuilder(64 * 1024 * 1024);
                for (var e = batch * 250_000; e < Math.Min(count, (batch + 1) * 250_000); e++)
                {
                    var user = random.Next(users);
                    var item = (int)(items * Math.Pow(random.NextDouble(), 3));
                    var at = start.AddSeconds(random.Next(86_400)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    var kind = random.NextDouble();
                    if (exposures && kind >= 0.9)
                    {
                        var end = Math.Min(e + 10, Math.Min(count, (batch + 1) * 250_000));
                        for (; e < end; e++)
                            text.Append(CultureInfo.InvariantCulture, $"{{\"eventId\":\"e{d}-{e}\",\"userId\":\"u{user}\",\"contentId\":\"m{(int)(items * Math.Pow(random.NextDouble(), 3))}\",\"timestamp\":\"{at}\",\"eventType\":\"exposure\",\"device\":\"{devices[user % devices.Length]}\",\"country\":\"{countries[user % countries.Length]}\"}}\n");
                        e--;
                        continue;
                    }
                    text.Append(CultureInfo.InvariantCulture, $"{{\"eventId\":\"e{d}-{e}\",\"userId\":\"u{user}\",\"contentId\":\"m{item}\",\"timestamp\":\"{at}\",");
                    if (kind < 0.7) text.Append(CultureInfo.InvariantCulture, $"\"eventType\":\"play\",\"viewSeconds\":{Math.Round(Math.Exp(7 + random.NextDouble()))},");
                    else if (kind < 0.9) text.Append(CultureInfo.InvariantCulture, $"\"eventType\":\"rate\",\"rating\":{1 + random.Next(5)},\"ratingScaleMax\":5,");
                    else text.Append("\"eventType\":\"impression\",");
                    text.Append(CultureInfo.InvariantCulture, $"\"device\":\"{devices[user % devices.Length]}\",\"country\":\"{countries[user % countries.Length]}\"}}\n");
                }
                await store.WriteAsync(StoreLayout.EventBatch(day, $"bench-{batch:D3}"), BinaryData.FromString(text.ToString()), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
