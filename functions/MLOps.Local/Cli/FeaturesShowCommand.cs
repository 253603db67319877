using System.CommandLine;
using MLOps.Features;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>mlops features show SNAPSHOT [--user ID]</c>: what a snapshot holds — cutoff, the event batches it covers, its
/// catalogue copy, its segments — and, with <c>--user</c>, that user's features as of the cutoff (docs/features.md).
/// </summary>
public static class FeaturesShowCommand
{
    public static Command Create(Func<CliContext, FeatureStore> open)
    {
        var snapshotArg = new Argument<string>("SNAPSHOT") { Description = "The snapshot id (`mlops features status` lists them; a model's is in `mlops models show`)." };
        var user = new Option<string?>("--user") { Description = "Also print this user's features as of the snapshot's cutoff (computes the views on first read)." };
        var show = new Command("show", "A snapshot's cutoff, the event batches and catalogue it covers, its segments; with --user, a user's features as of the cutoff.") { snapshotArg, user };
        show.SetVerbAction(async (context, ct) =>
        {
            var features = open(context);
            var id = context.Parse.GetValue(snapshotArg)!;
            var manifest = await features.GetManifestAsync(id, ct).ConfigureAwait(false)
                ?? throw new CliUsageException($"no feature snapshot '{id}' (`mlops features status` lists them)");
            UserFeatures? row = null;
            if (context.Parse.GetValue(user) is { } userId)
                row = (await features.ReadUsersAsync(id, ct).ConfigureAwait(false)).FirstOrDefault(u => u.UserId == userId)
                    ?? throw new CliUsageException($"user '{userId}' has no features in {id}: no play or rating before its cutoff {manifest.Cutoff:u}");
            context.Result(new { manifest, user = row }, console =>
            {
                var rows = new List<(string Key, string Value)>
                {
                    ("snapshot", manifest.SnapshotId), ("cutoff", $"{manifest.Cutoff:u} (events strictly before it)"),
                    ("mode", manifest.BaseSnapshotId is { } b ? $"{manifest.Mode}, extends {b}" : manifest.Mode),
                    ("events used", manifest.EventsUsed.ToString("N0")), ("events after cutoff", manifest.EventsAfterCutoff.ToString("N0")),
                    ("catalogue", manifest.CatalogPath is { } c ? $"{c} ({manifest.CatalogItems:N0} titles, frozen at refresh)" : "none"),
                    ("segments", string.Join(", ", manifest.Segments.Select(s => s.Path))),
                    ("batches", $"{manifest.Watermark.Batches.Count} covered, {manifest.Watermark.PartialBatches.Count} partly (events before the cutoff only)"),
                };
                KeyValueLines.Write(console, rows);
                var batches = new Table().AddColumns("batch", "covered", "events");
                foreach (var batch in manifest.Watermark.Batches) batches.AddRow(Markup.Escape(batch.Path), "fully", batch.Events.ToString("N0"));
                foreach (var batch in manifest.Watermark.PartialBatches) batches.AddRow(Markup.Escape(batch.Path), "partly", batch.Events.ToString("N0"));
                console.Write(batches);
                if (row is null) return;
                console.WriteLine($"user {row.UserId} as of {manifest.Cutoff:u}:");
                foreach (var p in typeof(UserFeatures).GetProperties().Where(p => p.Name != nameof(UserFeatures.UserId)))
                    console.WriteLine($"  {p.Name,-20} {p.GetValue(row) ?? "-"}");
            });
            return ExitCodes.Done;
        });
        return show;
    }
}
