using System.CommandLine;
using MLOps.Core.Ingest;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>data stats</c>: what the store holds.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var stats = new Command("stats", "Counts, date range, rating histogram, users and titles, quarantine summary by reason.");
        stats.SetVerbAction(async (context, cancellationToken) =>
        {
            // Reading every event takes seconds per million: progress on stderr, so --json keeps stdout to the one document.
            var result = await CliProgress.RunFractionAsync(context, "Reading events and quarantine",
                progress => DataStatistics.ComputeAsync(context.Store, progress, cancellationToken)).ConfigureAwait(false);
            context.Result(result, console => Print(console, result));
            return ExitCodes.Done;
        });
        return new Command("data", "Inspect the data in the store.") { stats };
    }

    public static void Print(IAnsiConsole console, DataStats s)
    {
        var table = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("events", $"{s.Events:N0}");
        table.AddRow("users", $"{s.Users:N0}");
        table.AddRow("titles with events", $"{s.Items:N0}");
        table.AddRow("catalogue titles", $"{s.CatalogItems:N0}");
        table.AddRow("titles with events, not in catalogue", $"{s.ItemsNotInCatalog:N0}");
        // With the zone, as every other time the CLI and the drift page show.
        table.AddRow("from", s.From is { } from ? from.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC" : "-");
        table.AddRow("to", s.To is { } to ? to.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC" : "-");
        table.AddRow("day partitions", $"{s.Days:N0}");
        table.AddRow("rated events", $"{s.Rated:N0}");
        table.AddRow("mean rating (5-point)", s.MeanRating5?.ToString("0.000") ?? "-");
        table.AddRow("import batches", $"{s.Imports:N0}");
        table.AddRow("quarantined rows", $"{s.Quarantined:N0}");
        console.Write(table);
        if (s.EventTypes.Count > 0) console.WriteLine("event types: " + string.Join(", ", s.EventTypes.Select(p => $"{p.Key} {p.Value:N0}")));
        if (s.RatingHistogram.Count > 0)
        {
            var chart = new BarChart().Label("ratings").Width(60);
            foreach (var (rating, count) in s.RatingHistogram) chart.AddItem(rating, count, Color.Blue);
            console.Write(chart);
        }
        if (s.CatalogGenres.Count > 0) console.WriteLine("genres: " + string.Join(", ", s.CatalogGenres.Take(12).Select(p => $"{p.Key} {p.Value:N0}")));
        foreach (var (reason, count) in s.QuarantineReasons) console.WriteLine($"quarantined {count:N0} × {reason}");
        foreach (var u in s.UnfinishedImports)
            console.MarkupLineInterpolated($"[yellow]unfinished import[/] {u.Batch} ({(u.Source.Length > 0 ? u.Source : "source unknown")}, started {u.StartedAt:yyyy-MM-dd HH:mm:ss}): {u.EventBlobs:N0} event blob{(u.EventBlobs == 1 ? "" : "s")}, {u.Bytes:N0} bytes on {u.Days:N0} day{(u.Days == 1 ? "" : "s")}{(u.FirstDay is { } first ? $" ({first:yyyy-MM-dd} … {u.LastDay:yyyy-MM-dd})" : "")}, not counted above; {u.Hint}");
    }
}
