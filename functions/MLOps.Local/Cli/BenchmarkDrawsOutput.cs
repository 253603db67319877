using System.Globalization;
using MLOps.Recommenders.Benchmark;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>benchmark recsys --draws N</c> (N &gt; 1): the JSON document and the tables over the draws (docs/evaluation.md).</summary>
internal static class BenchmarkDrawsOutput
{
    /// <summary>
    /// The single-run document of the first draw (so scripts reading today's keys still work), its <c>totalSeconds</c> the whole
    /// run's, plus <c>draws</c> and <c>summary</c>.
    /// </summary>
    public static Dictionary<string, object> Document(DrawsReport run, Dictionary<string, object> firstDraw, Func<BenchmarkRow, Dictionary<string, object>> row)
    {
        var document = new Dictionary<string, object>(firstDraw) { ["totalSeconds"] = Math.Round(run.TotalSeconds, 2) };
        document["draws"] = run.Draws.Select(d => new Dictionary<string, object>
        {
            ["splitSeed"] = d.SplitSeed,
            ["trainInteractions"] = d.Report.TrainInteractions,
            ["testInteractions"] = d.Report.TestInteractions,
            ["totalSeconds"] = Math.Round(d.Report.TotalSeconds, 2),
            ["results"] = d.Report.Results.Select(row).ToList(),
        }).ToList();
        // A summary's metric keys are the row's (in the row's order), so `summary[].ndcg@10` reads like `results[].ndcg@10`.
        var rowKeys = run.Draws.SelectMany(d => d.Report.Results).Where(r => r.Error is null).Select(row).FirstOrDefault()?.Keys.ToArray() ?? [];
        document["summary"] = run.Summary.Select(s =>
        {
            var entry = new Dictionary<string, object> { ["model"] = s.Model, ["failed_draws"] = s.Failed };
            foreach (var key in rowKeys.Where(s.Metrics.ContainsKey))
            {
                var stats = s.Metrics[key];
                entry[key] = new Dictionary<string, object?>
                {
                    ["mean"] = BenchmarkRecsysCommand.Round(stats.Mean),
                    ["sd"] = stats.Sd is { } sd ? BenchmarkRecsysCommand.Round(sd) : null,
                    ["min"] = BenchmarkRecsysCommand.Round(stats.Min),
                    ["max"] = BenchmarkRecsysCommand.Round(stats.Max),
                };
            }
            return entry;
        }).ToList();
        return document;
    }

    /// <summary>The summary table (mean ± sd, min, max of nDCG@k and P@k), the published figures, one compact row per draw, notes and failures.</summary>
    public static void Write(IAnsiConsole console, DrawsReport run, string at)
    {
        var first = run.Draws[0].Report;
        var seeds = $"{run.Draws[0].SplitSeed}–{run.Draws[^1].SplitSeed}";
        var summary = new Table().Title($"{first.Dataset} · {first.Protocol} · k={first.K} · seed {first.Seed} · {run.Draws.Count} draws (split seeds {seeds})");
        foreach (var column in new[] { "model", $"nDCG@{at} mean ± sd", "min", "max", $"P@{at} mean ± sd", "min", "max", "failed draws" })
            summary.AddColumn(column);
        foreach (var s in run.Summary)
            if (s.Metrics.Count == 0) summary.AddRow($"[red]{Markup.Escape(s.Model)}[/]", "[red]failed[/]", "", "", "", "", "", s.Failed.ToString(CultureInfo.InvariantCulture));
            else
            {
                var ndcg = s.Metrics[$"ndcg@{at}"];
                var precision = s.Metrics[$"precision@{at}"];
                summary.AddRow(s.Failed > 0 ? $"[red]{Markup.Escape(s.Model)}[/]" : s.Model, MeanSd(ndcg), F(ndcg.Min), F(ndcg.Max),
                    MeanSd(precision), F(precision.Min), F(precision.Max), s.Failed.ToString(CultureInfo.InvariantCulture));
            }
        foreach (var (model, ndcg, precision) in BenchmarkRecsysCommand.Published(first))
            summary.AddRow($"[grey]{model} (published)[/]", F(ndcg), "", "", F(precision), "", "", "");
        console.Write(summary);

        var perDraw = new Table().Title($"nDCG@{at} / P@{at} per draw");
        foreach (var column in new[] { "split seed", "train", "test" }.Concat(first.Results.Select(r => Markup.Escape(r.Model))))
            perDraw.AddColumn(column);
        foreach (var d in run.Draws)
            perDraw.AddRow([d.SplitSeed.ToString(CultureInfo.InvariantCulture), d.Report.TrainInteractions.ToString(CultureInfo.InvariantCulture),
                d.Report.TestInteractions.ToString(CultureInfo.InvariantCulture),
                .. d.Report.Results.Select(r => r.Error is not null ? "[red]failed[/]" : $"{F(r.Metrics[$"ndcg@{at}"])} / {F(r.Metrics[$"precision@{at}"])}")]);
        console.Write(perDraw);
        foreach (var d in run.Draws)
        {
            foreach (var r in d.Report.Results.Where(r => r.Note is not null)) console.WriteLine($"split seed {d.SplitSeed}: {r.Model}: {r.Note}");
            foreach (var r in d.Report.Results.Where(r => r.Error is not null)) console.WriteLine($"split seed {d.SplitSeed}: {r.Model} failed: {r.Error}");
        }
        console.WriteLine($"total {run.TotalSeconds:0.0} s");
    }

    private static string MeanSd(DrawStats stats) => stats.Sd is { } sd ? $"{F(stats.Mean)} ± {F(sd)}" : F(stats.Mean);

    private static string F(double v) => BenchmarkRecsysCommand.F(v);
}
