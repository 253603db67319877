using System.CommandLine;
using MLOps.Core.Ingest;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>import movielens-100k DIR</c> · <c>import movielens DIR</c> · <c>import events FILE</c> · <c>import catalog FILE</c>.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var import = new Command("import", "Import viewing events and catalogues; bad rows are quarantined with their reasons, re-imports change nothing.");
        import.Subcommands.Add(Dataset("movielens-100k", "Import MovieLens 100K (u.item, u.data) from DIR.", MovieLensImporter.ImportMovieLens100kAsync));
        import.Subcommands.Add(Dataset("movielens", "Import MovieLens latest / latest-small (movies.csv, tags.csv, ratings.csv) from DIR.", MovieLensImporter.ImportMovieLensLatestAsync));
        import.Subcommands.Add(Events());
        import.Subcommands.Add(Catalog());
        return import;
    }

    private delegate Task<DatasetImport> DatasetImporter(MLOps.Storage.IBlobStore store, string dir, IProgress<IngestProgress>? progress,
        TimeProvider? time, CancellationToken cancellationToken);

    private static Command Dataset(string name, string description, DatasetImporter importer)
    {
        var dir = new Argument<string>("DIR") { Description = "The dataset folder." };
        var command = new Command(name, description) { dir };
        // Ctrl+C stops an import cleanly and says what it left (CliInterruption).
        command.SetVerbAction((context, verbToken) => CliInterruption.RunAsync(verbToken, async cancellationToken =>
        {
            var path = context.Parse.GetValue(dir)!;
            if (!Directory.Exists(path)) throw new CliUsageException($"{path}: no such folder.");
            var result = await CliProgress.RunAsync(context, $"import {name}",
                progress => importer(context.Store, path, progress, null, cancellationToken)).ConfigureAwait(false);
            context.Result(DatasetJson(result), console => PrintDataset(console, result));
            return ExitCodes.Done;
        }));
        return command;
    }

    private static Command Events()
    {
        var file = new Argument<string>("FILE") { Description = "CSV, TSV or NDJSON file of viewing events." };
        var format = new Option<string?>("--format") { Description = "csv | tsv | ndjson (default: from the file extension)." };
        var map = new Option<string?>("--map") { Description = "Column map: user=COL,item=COL,rating=COL,timestamp=COL,... (COL: header name or 0-based index)." };
        var noHeader = new Option<bool>("--no-header") { Description = "The CSV/TSV file has no header row (map columns by index)." };
        var scale = new Option<string?>("--rating-scale") { Description = "MIN..MAX[/STEP] of the ratings, e.g. 1..5/1 (default 0.5..5; a ratingScaleMax column overrides MAX)." };
        var delimiter = DelimiterOption.Create();
        var command = new Command("events", "Import viewing events from a CSV, TSV or NDJSON file.") { file, format, map, noHeader, scale, delimiter };
        // Ctrl+C stops an import cleanly and says what it left (CliInterruption).
        command.SetVerbAction((context, verbToken) => CliInterruption.RunAsync(verbToken, async cancellationToken =>
        {
            var path = context.Parse.GetValue(file)!;
            RequireFile(path);
            var fmt = context.Parse.GetValue(format)?.ToLowerInvariant() ?? EventSources.FormatOf(path);
            var ratingScale = context.Parse.GetValue(scale) is { } s ? ParseScale(s) : RatingScale.Default;
            var source = EventSources.File(path, fmt, ColumnMap.Parse(context.Parse.GetValue(map)), ratingScale, !context.Parse.GetValue(noHeader), DelimiterOption.Value(context, delimiter));
            var result = await CliProgress.RunAsync(context, "import events",
                progress => new EventIngestor(context.Store) { WaitingForLease = h => context.Log.WriteLine($"waiting for another import to finish (batch {h.Batch}, {h.Host} pid {h.Pid})") }
                    .IngestAsync(source, progress, cancellationToken: cancellationToken)).ConfigureAwait(false);
            context.Result(BatchJson(result), console => PrintBatch(console, result));
            return NothingUsable(context, result, fmt);
        }));
        return command;
    }

    /// <summary>
    /// Exit 2 when a file gave no row at all to keep and its rows were refused for what they hold (not because they are
    /// repeats): a whole file in the wrong format (a pretty-printed JSON array as NDJSON) read as "0 accepted", exit 0,
    /// and a script checking the exit code saw success. The batch and its quarantine are still stored, as always.
    /// </summary>
    private static int NothingUsable(CliContext context, IngestResult result, string format)
    {
        var refused = result.Reasons.Where(r => !r.Key.EndsWith(":" + Reasons.Duplicate, StringComparison.Ordinal)
            && !r.Key.EndsWith(":" + Reasons.AlreadyImported, StringComparison.Ordinal)).ToList();
        if (result.Accepted > 0 || refused.Count == 0) return ExitCodes.Done;
        var top = string.Join(", ", refused.OrderByDescending(r => r.Value).Take(3).Select(r => $"{r.Key} {r.Value:N0}"));
        Console.Error.WriteLine($"error: none of the {result.RowsRead:N0} rows was accepted ({top}); is the file {format}? The rows are in quarantine/{result.Batch}.ndjson with their reasons.");
        return ExitCodes.BadInput;
    }

    private static Command Catalog()
    {
        var file = new Argument<string>("FILE") { Description = "NDJSON of catalogue items, or CSV/TSV with contentId,title,genres,releaseDate,... columns." };
        var format = new Option<string?>("--format") { Description = "csv | tsv | ndjson (default: from the file extension)." };
        var delimiter = DelimiterOption.Create();
        var command = new Command("catalog", "Import catalogue items; they are merged into the current catalogue.") { file, format, delimiter };
        // Ctrl+C stops an import cleanly and says what it left (CliInterruption).
        command.SetVerbAction((context, verbToken) => CliInterruption.RunAsync(verbToken, async cancellationToken =>
        {
            var path = context.Parse.GetValue(file)!;
            RequireFile(path);
            var fmt = context.Parse.GetValue(format)?.ToLowerInvariant();
            var result = await new CatalogImporter(context.Store).ImportAsync(CatalogImporter.FromFile(path, fmt, DelimiterOption.Value(context, delimiter)), cancellationToken).ConfigureAwait(false);
            context.Result(BatchJson(result), console => PrintBatch(console, result));
            return NothingUsable(context, result, fmt ?? EventSources.FormatOf(path));
        }));
        return command;
    }

    private static void RequireFile(string path)
    {
        if (Directory.Exists(path)) throw new CliUsageException($"{path} is a folder: give one file (to import several, run the verb once per file).");
        if (!File.Exists(path)) throw new CliUsageException($"{path}: no such file.");
    }

    /// <summary>The interface shape <c>{"accepted","quarantined","batch"}</c> plus the details.</summary>
    public static object BatchJson(IngestResult r) => new
    {
        accepted = r.Accepted,
        quarantined = r.Quarantined,
        batch = r.Batch,
        kind = r.Kind,
        source = r.Source,
        rowsRead = r.RowsRead,
        alreadyImported = r.AlreadyImported,
        reasons = r.Reasons,
        days = r.Days,
        from = r.From,
        to = r.To,
        seconds = r.Seconds,
    };

    /// <summary>Events batch at the top level (the interface shape), the catalogue batch under <c>catalog</c>.</summary>
    public static object DatasetJson(DatasetImport d) => new
    {
        dataset = d.Dataset,
        accepted = d.Events.Accepted,
        quarantined = d.Events.Quarantined,
        batch = d.Events.Batch,
        events = BatchJson(d.Events),
        catalog = BatchJson(d.Catalog),
    };

    public static void PrintDataset(IAnsiConsole console, DatasetImport d)
    {
        PrintBatch(console, d.Catalog);
        PrintBatch(console, d.Events);
    }

    public static void PrintBatch(IAnsiConsole console, IngestResult r)
    {
        var again = r.AlreadyImported ? " (already imported: nothing changed)" : "";
        console.WriteLine($"{r.Kind} {r.Source}: {r.Accepted:N0} accepted, {r.Quarantined:N0} quarantined of {r.RowsRead:N0} rows, batch {r.Batch}{again}");
        if (r.Kind == "events" && r.From is { } from && r.To is { } to)
            console.WriteLine($"  {r.Days:N0} day partitions, {from:yyyy-MM-dd} .. {to:yyyy-MM-dd}, {r.Seconds:0.00} s");
        foreach (var (reason, count) in r.Reasons.OrderByDescending(p => p.Value))
            console.WriteLine($"  quarantined {count:N0} × {reason}");
    }

    /// <summary>--rating-scale, with the error line naming the option.</summary>
    private static RatingScale ParseScale(string text)
    {
        try { return RatingScale.Parse(text); }
        catch (FormatException e) when (e.Message.StartsWith("rating scale ", StringComparison.Ordinal))
        {
            throw new CliUsageException("--rating-scale " + e.Message["rating scale ".Length..]);
        }
    }
}
