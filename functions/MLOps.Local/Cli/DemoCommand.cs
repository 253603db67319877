using System.CommandLine;
using System.Diagnostics;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>One step of <c>mlops demo</c>; it may record a result for the JSON document under its name.</summary>
public sealed record DemoStep(string Name, string Description, Func<DemoContext, CancellationToken, Task> RunAsync)
{
    /// <summary>
    /// Ctrl+C or SIGTERM stops the step cleanly and the demo says what it left (<see cref="DemoInterruption"/>), exiting
    /// 130 / 143 as <c>import</c> does; in the other steps a signal ends the process as before.
    /// </summary>
    public bool StopsCleanly { get; init; }
}

/// <summary>What the demo steps share: the CLI context, the options, and each step's result.</summary>
public sealed class DemoContext(CliContext cli, string? dataDir, bool noServe)
{
    public CliContext Cli { get; } = cli;
    /// <summary>--data DIR, or null (ml-100k from ../shared/data when present, else generated data).</summary>
    public string? DataDir { get; } = dataDir;
    public bool NoServe { get; } = noServe;
    /// <summary>Per-step results, written as the JSON document under --json.</summary>
    public Dictionary<string, object?> Results { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// <c>demo [--data DIR] [--no-serve]</c>: the README's first command. A list of steps run in order
/// (<see cref="Steps"/>); later parts of the system add theirs (pipeline, serve) with one line each.
/// </summary>
public static class DemoCommand
{
    /// <summary>The demo's steps, in order. Add a step with one line here.</summary>
    public static List<DemoStep> Steps() =>
    [
        new("data", "import the demo data (ml-100k from ../shared/data when present, else a generated dataset)", ImportDataAsync) { StopsCleanly = true },
        new("stats", "summarise the data in the store", StatsAsync),
        new("pipeline", "run RetrainPipeline: features, train, evaluate vs champion, drift, promote", DemoPipelineSteps.PipelineAsync),
        new("serve", "serve the HTTP API and the schedules (skipped with --no-serve)", DemoPipelineSteps.ServeAsync),
    ];

    /// <summary>The generated dataset the demo uses when no MovieLens data is at hand.</summary>
    // Communities and no repeat views: with genre-only taste and titles drawn again and again, popularity is never
    // significantly beaten and the demo would promote nothing.
    public static GeneratorOptions DemoData => new() { Users = 2_000, Items = 1_000, Events = 200_000, Days = 60, Seed = 42, Communities = 40, RepeatViews = false };

    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Dataset folder: ml-100k (u.data), MovieLens latest (ratings.csv) or generated (events.csv + catalog.ndjson)." };
        var noServe = new Option<bool>("--no-serve") { Description = "Stop after the pipeline instead of serving the API." };
        var command = new Command("demo", "Run the main job end to end on the embedded default: data → pipeline → serve.") { data, noServe };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var demo = new DemoContext(context, context.Parse.GetValue(data), context.Parse.GetValue(noServe));
            if (demo.DataDir is { } d && !Directory.Exists(d)) throw new CliUsageException($"--data {d}: no such folder.");
            var timings = new List<object>();
            var steps = Steps();
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                context.Log.WriteLine($"== {step.Name}: {step.Description}");
                var clock = Stopwatch.StartNew();
                var exit = await RunStepAsync(step, demo, [.. steps.Skip(i + 1).Select(s => s.Name)], cancellationToken).ConfigureAwait(false);
                if (exit != ExitCodes.Done) return exit;
                timings.Add(new { name = step.Name, seconds = Math.Round(clock.Elapsed.TotalSeconds, 3) });
            }
            if (context.Json)
            {
                var document = new Dictionary<string, object?>(demo.Results) { ["steps"] = timings, ["store"] = context.Store.Description };
                context.Result(document, _ => { });
            }
            context.Log.WriteLine($"demo done; store: {context.Store.Description}");
            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>Runs one step; one that stops cleanly, stopped by a signal, says what it left and returns 130 / 143.</summary>
    internal static async Task<int> RunStepAsync(DemoStep step, DemoContext demo, IReadOnlyList<string> notRun, CancellationToken cancellationToken)
    {
        if (!step.StopsCleanly)
        {
            await step.RunAsync(demo, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Done;
        }
        return await CliInterruption.RunAsync(cancellationToken, async token =>
        {
            await step.RunAsync(demo, token).ConfigureAwait(false);
            // A signal in the step's last writes (never cancelled half-way) let it finish: stop before the next step all
            // the same, or the signal, taken by the step, would be lost and the demo go on.
            if (token.IsCancellationRequested) throw new DemoInterruption.StepFinished(token);
            return ExitCodes.Done;
        }, e => DemoInterruption.Line(step.Name, e, notRun)).ConfigureAwait(false);
    }

    private static async Task ImportDataAsync(DemoContext demo, CancellationToken cancellationToken)
    {
        var cli = demo.Cli;
        var dir = demo.DataDir;
        if (dir is not null && !Directory.Exists(dir)) throw new CliUsageException($"--data {dir}: no such folder.");
        dir ??= FindSharedDataset("ml-100k");
        if (dir is null)
        {
            dir = Path.Combine(Path.GetTempPath(), "mlops-demo", $"generated-seed{DemoData.Seed}-communities{DemoData.Communities}");
            if (!File.Exists(Path.Combine(dir, SyntheticGenerator.SummaryFileName)))
            {
                var summary = await CliProgress.RunFractionAsync(cli, "generate demo data",
                    progress => Task.Run(() => SyntheticGenerator.Generate(DemoData, dir, progress, cancellationToken), cancellationToken)).ConfigureAwait(false);
                GenerateCommand.Print(cli.Log, summary);
            }
        }
        DatasetImport imported;
        if (MovieLensImporter.Detect(dir) is { } dataset)
        {
            cli.Log.WriteLine($"importing {dataset} from {dir}");
            imported = await CliProgress.RunAsync(cli, $"import {dataset}", progress => dataset == MovieLensImporter.MovieLens100k
                ? MovieLensImporter.ImportMovieLens100kAsync(cli.Store, dir, progress, null, cancellationToken)
                : MovieLensImporter.ImportMovieLensLatestAsync(cli.Store, dir, progress, null, cancellationToken)).ConfigureAwait(false);
        }
        else if (File.Exists(Path.Combine(dir, SyntheticGenerator.EventsFileName)))
        {
            cli.Log.WriteLine($"importing generated data from {dir}");
            var catalog = await new CatalogImporter(cli.Store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, SyntheticGenerator.CatalogFileName)), cancellationToken).ConfigureAwait(false);
            var eventsPath = Path.Combine(dir, SyntheticGenerator.EventsFileName);
            var events = await CliProgress.RunAsync(cli, "import events", progress => new EventIngestor(cli.Store).IngestAsync(
                EventSources.File(eventsPath, "csv", ColumnMap.Default, RatingScale.Default), progress, cancellationToken: cancellationToken)).ConfigureAwait(false);
            imported = new DatasetImport("generated", catalog, events);
        }
        else
        {
            // A parent of the datasets (../shared/data itself) is the likely slip: name the folders that would do.
            var inside = Directory.EnumerateDirectories(dir).Where(IsDataset).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            throw new CliUsageException($"--data {dir}: no u.data (ml-100k), ratings.csv (MovieLens latest) or events.csv (generated) there"
                + (inside.Count > 0 ? $"; datasets inside it: {string.Join(", ", inside)} (e.g. --data {Path.Combine(dir, inside[0]!)})." : "."));
        }
        ImportCommand.PrintDataset(cli.Log, imported);
        demo.Results["data"] = ImportCommand.DatasetJson(imported);
    }

    private static bool IsDataset(string dir) =>
        MovieLensImporter.Detect(dir) is not null || File.Exists(Path.Combine(dir, SyntheticGenerator.EventsFileName));

    private static async Task StatsAsync(DemoContext demo, CancellationToken cancellationToken)
    {
        var stats = await DataStatistics.ComputeAsync(demo.Cli.Store, cancellationToken).ConfigureAwait(false);
        DataCommand.Print(demo.Cli.Log, stats);
        demo.Results["stats"] = stats;
    }

    /// <summary>../shared/data/NAME beside the current directory or any parent (the repository sits beside shared/).</summary>
    public static string? FindSharedDataset(string name)
    {
        if (Environment.GetEnvironmentVariable("MLOPS_SHARED_DATA") is { Length: > 0 } env && Directory.Exists(Path.Combine(env, name)))
            return Path.Combine(env, name);
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "data", name);
            if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }
}
