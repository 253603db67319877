using System.CommandLine;
using System.Globalization;
using MLOps.Recommenders;
using MLOps.Recommenders.Benchmark;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>benchmark recsys</c>: trains, tunes and evaluates the recommenders on MovieLens (docs/evaluation.md).</summary>
public static class BenchmarkRecsysCommand
{
    public static void Add(Command root)
    {
        var dataset = new Option<string>("--dataset") { Description = "movielens-100k | movielens (ml-latest, ml-latest-small)", Required = true };
        var path = new Option<string>("--path") { Description = "Folder holding the MovieLens files.", Required = true };
        var protocol = new Option<string>("--protocol") { Description = "recommenders (Recommenders' benchmark split row for row: per-item stratified 75/25, NumPy seed) | recommenders-user (per-user) | chronological | leave-last-out", DefaultValueFactory = _ => "recommenders" };
        var models = new Option<string?>("--models") { Description = $"Comma-separated kinds (default: {string.Join(",", RecsysBenchmark.DefaultModels)})." };
        var k = new Option<int>("--k") { Description = "Cut-off of the ranking metrics.", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, tuning and models.", DefaultValueFactory = _ => 42 };
        var draws = new Option<int>("--draws") { Description = $"Run on this many draws of a randomly drawn split (split seeds --seed, --seed+1, …; tuning and models keep --seed) and summarise them (1–{BenchmarkDraws.MaxDraws}).", DefaultValueFactory = _ => 1 };
        var noTune = new Option<bool>("--no-tune") { Description = "Skip hyper-parameter tuning (use each model's defaults)." };
        var command = new Command("recsys", "Train and evaluate every recommender on MovieLens and compare with published figures.")
            { dataset, path, protocol, models, k, seed, draws, noTune };
        command.SetVerbAction((context, cancellationToken) =>
        {
            var parse = context.Parse;
            var name = parse.GetValue(dataset)!;
            if (name is not ("movielens-100k" or "movielens")) throw new CliUsageException($"--dataset must be movielens-100k or movielens, not '{name}'.");
            var folder = parse.GetValue(path)!;
            if (!Directory.Exists(folder)) throw new CliUsageException($"--path '{folder}' is not a folder.");
            var kinds = (parse.GetValue(models) ?? string.Join(",", RecsysBenchmark.DefaultModels)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Distinct(StringComparer.Ordinal).ToArray();
            if (kinds.Length == 0) throw new CliUsageException($"--models names no model (known: {string.Join(", ", ModelTrainer.Kinds)}).");
            foreach (var kind in kinds)
                if (!ModelTrainer.Kinds.Contains(kind)) throw new CliUsageException($"--models: unknown model '{kind}' (known: {string.Join(", ", ModelTrainer.Kinds)}).");
            var cutoff = parse.GetValue(k);
            if (cutoff < 1) throw new CliUsageException("--k must be at least 1.");
            var proto = parse.GetValue(protocol)!;
            if (proto is not ("recommenders" or "recommenders-item" or "recommenders-user" or "chronological" or "leave-last-out"))
                throw new CliUsageException($"--protocol must be recommenders, recommenders-user, chronological or leave-last-out, not '{proto}'.");

            var seedValue = parse.GetValue(seed);
            var drawCount = parse.GetValue(draws);
            if (BenchmarkDraws.Problem(proto, drawCount, seedValue) is { } drawProblem) throw new CliUsageException(drawProblem);

            context.Log.WriteLine($"loading {name} from {folder}");
            var data = MovieLens.Load(name, folder);
            var at = cutoff.ToString(CultureInfo.InvariantCulture);
            void Log(string line) => context.Log.WriteLine(line, Style.Plain);
            IReadOnlyList<BenchmarkReport> reports;
            if (drawCount == 1)
            {
                var report = RecsysBenchmark.Run(name, data, proto, kinds, cutoff, seedValue, tune: !parse.GetValue(noTune), Log, cancellationToken);
                reports = [report];
                context.Result(Document(report, at), console =>
                {
                    console.Write(ResultTable(report, at));
                    foreach (var r in report.Results.Where(r => r.Note is not null)) console.WriteLine($"{r.Model}: {r.Note}");
                    foreach (var r in report.Results.Where(r => r.Error is not null)) console.WriteLine($"{r.Model} failed: {r.Error}");
                    console.WriteLine($"total {report.TotalSeconds:0.0} s");
                });
            }
            else
            {
                var run = BenchmarkDraws.Run(name, data, proto, kinds, cutoff, seedValue, drawCount, tune: !parse.GetValue(noTune), Log, cancellationToken);
                reports = [.. run.Draws.Select(d => d.Report)];
                context.Result(BenchmarkDrawsOutput.Document(run, Document(run.Draws[0].Report, at), r => Row(r, at)),
                    console => BenchmarkDrawsOutput.Write(console, run, at));
            }
            // Every other row is printed above; the run as a whole still failed when a model did, so scripts notice.
            var failed = reports.SelectMany(r => r.Results).Where(r => r.Error is not null).Select(r => r.Model).Distinct(StringComparer.Ordinal).ToArray();
            if (failed.Length > 0)
            {
                Console.Error.WriteLine(reports.Count == 1
                    ? $"failed: {failed.Length} of {reports[0].Results.Count} models ({string.Join(", ", failed)}); the other rows are complete"
                    : $"failed: {failed.Length} of {reports[0].Results.Count} models in some draw ({string.Join(", ", failed)}); the other rows are complete");
                return Task.FromResult(ExitCodes.Failed);
            }
            return Task.FromResult(ExitCodes.Done);
        });
        root.Group("benchmark", "Benchmarks that print measured figures.").Subcommands.Add(command);
    }

    /// <summary>The JSON document of one run (shape: docs/evaluation.md, "benchmark recsys --json").</summary>
    internal static Dictionary<string, object> Document(BenchmarkReport report, string at) => new()
    {
        ["dataset"] = report.Dataset,
        ["protocol"] = report.Protocol,
        ["k"] = report.K,
        ["seed"] = report.Seed,
        ["users"] = report.Users,
        ["items"] = report.Items,
        ["trainInteractions"] = report.TrainInteractions,
        ["testInteractions"] = report.TestInteractions,
        ["totalSeconds"] = Math.Round(report.TotalSeconds, 2),
        ["results"] = report.Results.Select(r => Row(r, at)).ToList(),
    };

    private static Table ResultTable(BenchmarkReport report, string at)
    {
        var table = new Table().Title($"{report.Dataset} · {report.Protocol} · k={report.K} · seed {report.Seed}");
        foreach (var column in new[] { "model", $"nDCG@{at}", $"P@{at}", $"R@{at}", "MAP", $"MAP@{at}", "coverage", "novelty", "diversity", "train s" })
            table.AddColumn(column);
        foreach (var r in report.Results)
            if (r.Error is not null) table.AddRow($"[red]{Markup.Escape(r.Model)}[/]", "[red]failed[/]", "", "", "", "", "", "", "", "");
            else table.AddRow(r.Model, F(r.Metrics[$"ndcg@{at}"]), F(r.Metrics[$"precision@{at}"]), F(r.Metrics[$"recall@{at}"]), F(r.Metrics["map"]),
                F(r.Metrics[$"map@{at}"]), F(r.Metrics["coverage"]), F(r.Metrics["novelty"]), F(r.Metrics["diversity"]), r.TrainSeconds.ToString("0.00", CultureInfo.InvariantCulture));
        foreach (var (model, ndcg, precision) in Published(report))
            table.AddRow($"[grey]{model} (published)[/]", F(ndcg), F(precision), "", "", "", "", "", "", "");
        return table;
    }

    /// <summary>Recommenders' published figures, shown only where they were measured: ML-100k, their per-item split, k = 10.</summary>
    internal static IReadOnlyList<(string Model, double Ndcg, double Precision)> Published(BenchmarkReport report) =>
        report.Dataset == "movielens-100k" && report.Protocol is ("recommenders" or "recommenders-item") && report.K == 10 ? PublishedResults.MovieLens100k : [];

    /// <summary>One result of the JSON document (shape: docs/evaluation.md, "benchmark recsys --json"). A failed model has no metrics.</summary>
    internal static Dictionary<string, object> Row(BenchmarkRow r, string at)
    {
        var row = new Dictionary<string, object> { ["model"] = r.Model };
        if (r.Error is not null)
        {
            row["error"] = r.Error;
            row["tune_seconds"] = Math.Round(r.TuneSeconds, 3);
            return row;
        }
        row[$"ndcg@{at}"] = Round(r.Metrics[$"ndcg@{at}"]);
        row[$"precision@{at}"] = Round(r.Metrics[$"precision@{at}"]);
        row[$"recall@{at}"] = Round(r.Metrics[$"recall@{at}"]);
        row["map"] = Round(r.Metrics["map"]);
        row[$"map@{at}"] = Round(r.Metrics[$"map@{at}"]);
        row["coverage"] = Round(r.Metrics["coverage"]);
        row["train_seconds"] = Math.Round(r.TrainSeconds, 3);
        row[$"hit_rate@{at}"] = Round(r.Metrics[$"hit_rate@{at}"]);
        row[$"mrr@{at}"] = Round(r.Metrics[$"mrr@{at}"]);
        row["novelty"] = Round(r.Metrics["novelty"]);
        row["diversity"] = Round(r.Metrics["diversity"]);
        row["popularity_bias"] = Round(r.Metrics["popularity_bias"]);
        row["evaluate_seconds"] = Math.Round(r.EvaluateSeconds, 3);
        row["recommend_all_users_seconds"] = Math.Round(r.RecommendAllUsersSeconds, 4);
        row["artifact_bytes"] = r.ArtifactBytes;
        row["tune_seconds"] = Math.Round(r.TuneSeconds, 3);
        row["parameters"] = r.Parameters;
        if (r.Note is not null) row["note"] = r.Note;
        return row;
    }

    internal static double Round(double v) => Math.Round(v, 6);
    internal static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
}
