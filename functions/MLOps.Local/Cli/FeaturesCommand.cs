using System.CommandLine;
using MLOps.Core.Data;
using MLOps.Features;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>mlops features status|refresh|show SNAPSHOT</c> (docs/features.md).</summary>
public static class FeaturesCommand
{
    public static Command Create()
    {
        var command = new Command("features", "The feature store: point-in-time snapshots, watermark, staleness.");

        var status = new Command("status", "The latest snapshot, its watermark, what the event log holds beyond it, and how stale it is.");
        status.SetVerbAction(async (context, ct) =>
        {
            var s = await Open(context).GetStatusAsync(ct).ConfigureAwait(false);
            context.Result(s, console =>
            {
                if (s.LatestSnapshotId is null) { console.MarkupLine("no feature snapshot yet (run 'mlops features refresh')"); return; }
                var grid = new Grid().AddColumns(2);
                grid.AddRow("latest snapshot", Markup.Escape(s.LatestSnapshotId));
                grid.AddRow("cutoff", $"{s.Cutoff:u} ({s.AgeHours:F1} h ago{(s.Stale ? ", [yellow]stale[/]" : "")})");
                grid.AddRow("mode", s.Mode ?? "-");
                grid.AddRow("watermark", $"{s.WatermarkPartition?.ToString("yyyy-MM-dd") ?? "-"} ({s.CoveredBatches} batches covered)");
                grid.AddRow("pending", s.PendingBatches == 0 ? "nothing new" : $"{s.PendingBatches} batches in {string.Join(", ", s.PendingPartitions)}");
                grid.AddRow("segments", s.Segments.ToString());
                grid.AddRow("rows", s.RowCounts.Count == 0 ? "views not materialized yet" : Markup.Escape(string.Join(", ", s.RowCounts.Select(r => $"{r.Key} {r.Value:N0}"))));
                console.Write(grid);
                var table = new Table().AddColumns("snapshot", "cutoff", "mode", "events", "seconds");
                foreach (var snap in s.Snapshots) table.AddRow(Markup.Escape(snap.SnapshotId), snap.Cutoff.ToString("u"), snap.Mode, snap.EventsUsed.ToString("N0"), snap.Seconds.ToString("F2"));
                console.Write(table);
            });
            return ExitCodes.Done;
        });

        var cutoff = UtcTimeOption.Create("--cutoff", "Point-in-time cutoff (ISO 8601; default now): only events strictly before it.");
        var full = new Option<bool>("--full") { Description = "Rebuild from every batch instead of extending the latest snapshot." };
        var materialize = new Option<bool>("--materialize") { Description = "Also compute the views and statistics now (otherwise on first read)." };
        var refresh = new Command("refresh", "Build a snapshot (incremental from the latest one when possible).") { cutoff, full, materialize };
        refresh.SetVerbAction(async (context, ct) =>
        {
            // A snapshot of no events is nothing to train or serve from (the pipeline's refresh step fails on one): write none.
            var batches = await EventsRequired.CheckAsync(context.Store, "to build features from", ct).ConfigureAwait(false);
            var features = Open(context);
            var manifest = await features.RefreshAsync(new FeatureRefreshRequest
            {
                Cutoff = context.Parse.GetValue(cutoff), Full = context.Parse.GetValue(full), RequestedBy = CliActor.Resolve(null, Environment.UserName),
            }, new SyncProgress(context), ct).ConfigureAwait(false);
            // An empty snapshot is valid (a cutoff before the first event) but almost never what was meant; it said nothing.
            if (manifest.EventsUsed == 0)
                context.Log.WriteLine(await EmptySnapshotWarning.TextAsync(context.Store, batches, manifest, ct).ConfigureAwait(false));
            var views = context.Parse.GetValue(materialize) ? await features.MaterializeAsync(manifest.SnapshotId, new SyncProgress(context), ct).ConfigureAwait(false) : null;
            context.Result(new
            {
                manifest.SnapshotId, manifest.Cutoff, manifest.Mode, manifest.BaseSnapshotId, segments = manifest.Segments.Count, rowCounts = views?.RowCounts,
                manifest.EventsUsed, manifest.EventsRead, manifest.Seconds, watermark = manifest.Watermark.LastPartition,
            }, console => console.MarkupLine($"snapshot {Markup.Escape(manifest.SnapshotId)} ({manifest.Mode}): {manifest.EventsUsed:N0} events, {manifest.Seconds:F2} s"));
            return ExitCodes.Done;
        });

        command.Subcommands.Add(status);
        command.Subcommands.Add(refresh);
        command.Subcommands.Add(FeaturesShowCommand.Create(Open));
        return command;
    }

    /// <summary>The feature store with the hosts' <c>FeatureStore</c> settings (half-life, Parquet views, staleness …).</summary>
    private static FeatureStore Open(CliContext context) =>
        new(context.Store, options: Microsoft.Extensions.Options.Options.Create(CliSettings.Bind<FeatureStoreOptions>("FeatureStore")));

    /// <summary>Progress written synchronously to stderr (Progress&lt;T&gt; posts to the thread pool and may reorder lines).</summary>
    internal sealed class SyncProgress(CliContext context) : IProgress<string>
    {
        public void Report(string value) => context.Log.WriteLine(value);
    }
}
