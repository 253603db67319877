using System.CommandLine;
using System.Globalization;
using MLOps.Registry;
using MLOps.Workflows.Pipeline;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>mlops train --kind K [--snapshot ID|latest] [--seed N] [--param k=v ...]</c>: one model trained on a feature snapshot
/// with a chosen seed, scored on the pipeline's window against the champion, registered without moving an alias
/// (docs/registry.md, "Training a version by hand").
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = "Model kind (popularity, sar, ease, ials, infae, content, blend, ranker).", Required = true };
        var snapshot = new Option<string>("--snapshot") { Description = "Feature snapshot id to train on, or 'latest' (`mlops features status` lists them).", DefaultValueFactory = _ => "latest" };
        var seed = new Option<int>("--seed") { Description = "Random seed of training (the pipeline trains with 42).", DefaultValueFactory = _ => RecommenderTrainer.Seed };
        var parameters = new Option<string[]>("--param") { Description = "A parameter as NAME=NUMBER (repeat it); the rest take the kind's defaults.", AllowMultipleArgumentsPerToken = false };
        var model = new Option<string>("--model") { Description = "Model name.", DefaultValueFactory = _ => ModelRegistry.DefaultModel };
        var command = new Command("train",
            "Train one model on a feature snapshot with a chosen seed, score it on the pipeline's held-out window against the champion, and register it (no alias moves; `models promote` applies the gates).")
            { kind, snapshot, seed, parameters, model };
        command.SetVerbAction(async (context, ct) =>
        {
            var given = context.Parse.GetValue(snapshot)!;
            var request = new TrainingRequest(context.Parse.GetValue(model)!, context.Parse.GetValue(kind)!, Parameters(context.Parse.GetValue(parameters)),
                given == "latest" ? null : given, context.Parse.GetValue(seed), CliActor.Resolve(null, $"cli:{Environment.UserName}"));
            var report = await new ModelTraining(ModelsCommand.Open(context), context.Store, TimeProvider.System)
                .RunAsync(request, new FeaturesCommand.SyncProgress(context), ct).ConfigureAwait(false);
            context.Result(report, console => Write(console, report));
            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>"lambda=500" → lambda: 500; anything else names the option and what it should look like.</summary>
    private static Dictionary<string, double>? Parameters(string[]? given)
    {
        if (given is not { Length: > 0 }) return null;
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in given)
        {
            var eq = p.IndexOf('=');
            if (eq <= 0 || !double.TryParse(p[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                throw new CliUsageException($"--param '{p}' must be NAME=NUMBER (e.g. --param lambda=500)");
            if (!parameters.TryAdd(p[..eq].Trim(), value)) throw new CliUsageException($"--param '{p[..eq]}' is given twice");
        }
        return parameters;
    }

    private static void Write(IAnsiConsole console, TrainingReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var parameters = string.Join(", ", r.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(c, $"{p.Key}={p.Value}")));
        console.WriteLine(string.Create(c, $"{r.Model} v{r.Version}: {r.Kind}{(parameters.Length > 0 ? $" ({parameters})" : "")} trained on {r.SnapshotId} with seed {r.Seed} in {r.TrainSeconds:0.0} s; registered, no alias moved"));
        console.WriteLine($"held-out window: {r.Window}");
        var table = new Table().AddColumns("metric", "value", $"vs {Markup.Escape(r.Baseline)} (95 % paired bootstrap)");
        foreach (var (metric, value) in r.Metrics)
        {
            var versus = r.VersusBaseline.FirstOrDefault(v => v.Metric == metric) is { } v
                ? string.Create(c, $"{v.Difference:+0.0000;-0.0000} [{v.Lower:+0.0000;-0.0000}, {v.Upper:+0.0000;-0.0000}]") : "-";
            table.AddRow(Markup.Escape(metric), value.ToString("0.0000", c), Markup.Escape(versus));
        }
        console.Write(table);
        console.WriteLine($"decision stored with v{r.Version}: {r.Decision} — {string.Join("; ", r.Reasons)}");
        console.WriteLine(r.Decision == "refuse"
            ? $"`mlops models promote {r.Version}` would refuse it (it can be forced, recorded as forced); `mlops models compare A {r.Version}` sets it beside another version"
            : $"`mlops models promote {r.Version}{(r.Decision == "await-approval" ? " --approve" : "")}` makes it champion; `mlops models compare A {r.Version}` sets it beside another version");
    }
}
