using System.CommandLine;
using System.Globalization;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift;
using MLOps.Drift.Alerts;
using MLOps.Drift.Web;
using MLOps.Drift.Window;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>drift check | alerts [ack|resolve] | report</c> (docs/drift.md).</summary>
public static class DriftCommand
{
    public static Command Create()
    {
        var drift = new Command("drift", "Drift checks against the champion's training data, alerts, and the on-call report.");
        drift.Subcommands.Add(Check());
        drift.Subcommands.Add(Alerts());
        drift.Subcommands.Add(Report());
        return drift;
    }

    private static Command Check()
    {
        var from = new Option<string?>("--window-start") { Description = "First day of the window (yyyy-MM-dd; default: the latest day with events)." };
        var days = new Option<int>("--days") { Description = "Window length in days.", DefaultValueFactory = _ => 1 };
        var refFrom = new Option<string?>("--reference-from") { Description = "Compare with these days instead of the champion's training data (yyyy-MM-dd)." };
        var refTo = new Option<string?>("--reference-to") { Description = "Last reference day, inclusive (yyyy-MM-dd)." };
        var force = new Option<bool>("--force") { Description = "Judge the window even when the champion was trained on every event in it (the DriftMonitor does not)." };
        var command = new Command("check", "Check the latest window for drift, data quality, volume and account anomalies; record alerts.") { from, days, refFrom, refTo, force };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var length = context.Parse.GetValue(days);
            if (length is < 1 or > 366) throw new CliUsageException($"--days must be 1..366, not {length}.");
            var checker = new DriftChecker(context.Store, new DriftOptions { WindowDays = length });
            DriftReference? reference;
            if (context.Parse.GetValue(refFrom) is { } rf)
            {
                var first = Day(rf, "--reference-from");
                var last = context.Parse.GetValue(refTo) is { } rt ? Day(rt, "--reference-to") : throw new CliUsageException("--reference-to is required with --reference-from.");
                if (last < first) throw new CliUsageException("--reference-to is before --reference-from.");
                context.Log.WriteLine($"computing the reference from events {first:yyyy-MM-dd}..{last:yyyy-MM-dd}");
                reference = await DriftReferences.FromEventsAsync(context.Store, DriftWindow.Days(first, last.DayNumber - first.DayNumber + 1), checker.Options, cancellationToken: cancellationToken).ConfigureAwait(false);
                // Compared with nothing, every feature would read "no drift": a reference period without events is a mistake.
                if (reference.Events == 0)
                    throw new CliUsageException($"--reference-from/--reference-to: no events between {first:yyyy-MM-dd} and {last:yyyy-MM-dd}{await SpanAsync(context, cancellationToken).ConfigureAwait(false)}.");
            }
            else
            {
                reference = await checker.ChampionReferenceAsync(cancellationToken).ConfigureAwait(false);
                if (reference is null) context.Log.WriteLine("no reference: there is no champion model yet, so only data quality, volume, freshness and accounts are checked");
            }
            DriftWindow? window = context.Parse.GetValue(from) is { } f ? DriftWindow.Days(Day(f, "--window-start"), length) : null;
            if (window is not null && !(await EventLog.ListBatchesAsync(context.Store, cancellationToken).ConfigureAwait(false)).Any(b => window.Covers(b.Day)))
                throw new CliUsageException($"--window-start: no events in {window}{await SpanAsync(context, cancellationToken).ConfigureAwait(false)}.");
            // The DriftMonitor's rule, so the runbook's first triage step does not page on the champion's own training data
            // (an alert the monitor would then never judge again, so never auto-resolve).
            if (!context.Parse.GetValue(force) && await checker.NotJudgedAsync(reference, window, cancellationToken).ConfigureAwait(false) is { } skipped)
            {
                context.Log.WriteLine($"window {skipped.Window} not judged: the champion was trained on every event in it (--force judges it anyway)");
                context.Result(skipped, console => WriteNotJudged(console, skipped));
                return ExitCodes.Done;
            }
            var report = await checker.CheckAsync(reference, window, cancellationToken).ConfigureAwait(false);
            context.Log.WriteLine($"checked {report.Quality.Events} events of {report.Window} in {report.Seconds:0.00} s; {report.Alerts.Count} alerts");
            context.Result(report, console => WriteReport(console, report));
            return ExitCodes.Done;
        });
        return command;
    }

    private static Command Alerts()
    {
        var status = new Option<string?>("--status") { Description = "open | acknowledged | resolved (default: all)." };
        var top = CliPaging.Top();
        var next = CliPaging.Continue();
        var alerts = new Command("alerts", "List drift alerts (newest first); 'ack' and 'resolve' change one.") { status, top, next };
        alerts.SetVerbAction(async (context, cancellationToken) =>
        {
            var s = context.Parse.GetValue(status);
            if (s is not null and not (AlertStatus.Open or AlertStatus.Acknowledged or AlertStatus.Resolved))
                throw new CliUsageException($"--status must be open, acknowledged or resolved, not '{s}'.");
            var (size, after) = CliPaging.Read(context, top, next, AlertPaging.Scope(s));
            var page = AlertPaging.Page(await new AlertStore(context.Store).ListAsync(s, cancellationToken).ConfigureAwait(false), s, size, after);
            var list = page.Items;
            // The token is an added key (the object's shape is kept); without --top the document is as before.
            object document = page.Next is null ? new { alerts = list } : new { alerts = list, continuationToken = page.Next };
            context.Result(document, console =>
            {
                var table = new Table().AddColumns("id", "kind", "subject", "severity", "status", "title", "first seen", "last seen", "seen");
                foreach (var a in list)
                    table.AddRow(Markup.Escape(a.Id), Markup.Escape(a.Kind), Markup.Escape(a.Subject), a.Severity, a.Status, Markup.Escape(a.Title),
                        a.FirstSeen.ToString("u", CultureInfo.InvariantCulture), a.LastSeen.ToString("u", CultureInfo.InvariantCulture), a.Occurrences.ToString(CultureInfo.InvariantCulture));
                if (list.Count == 0)
                    console.WriteLine(after is not null ? "no more alerts after that token (they changed meanwhile)"
                        : s is null ? "no drift alerts (`mlops drift check` measures a window)" : $"no {s} drift alerts");
                else console.Write(table);
            });
            CliPaging.SayNext(page.Next, list.Count);
            return ExitCodes.Done;
        });
        alerts.Subcommands.Add(Transition("ack", "Acknowledge an open alert.", AlertStatus.Acknowledged));
        alerts.Subcommands.Add(Transition("resolve", "Resolve an alert; the next detection opens a new one.", AlertStatus.Resolved));
        return alerts;
    }

    private static Command Transition(string name, string description, string target)
    {
        var id = new Argument<string>("id") { Description = "Alert id (see 'drift alerts')." };
        var note = new Option<string?>("--note") { Description = "Why (kept in the alert's history)." };
        var by = new Option<string?>("--by") { Description = "Who (default: $MLOPS_USER, else $USER)." };
        var command = new Command(name, description) { id, note, by };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var store = new AlertStore(context.Store);
            var who = CliActor.Resolve(context.Parse.GetValue(by), Environment.UserName);
            // The same limits as the HTTP API: a name someone can read, a note that fits on the alert page.
            if (string.IsNullOrWhiteSpace(who)) throw new CliUsageException("--by must name someone (1 to 200 characters).");
            if ((FreeText.Problem(who, "--by", 200) ?? FreeText.Problem(context.Parse.GetValue(note), "--note", 2000)) is { } text) throw new CliUsageException(text);
            var alertId = context.Parse.GetValue(id)!;
            DriftAlert? alert;
            try
            {
                alert = target == AlertStatus.Acknowledged
                    ? await store.AcknowledgeAsync(alertId, who, context.Parse.GetValue(note), DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false)
                    : await store.ResolveAsync(alertId, who, context.Parse.GetValue(note), DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            }
            // A valid request the alert's state does not allow (already acknowledged or resolved): exit 1, not a usage error.
            catch (AlertTransitionException e) { throw new CliConflictException(e.Message); }
            if (alert is null) throw new CliUsageException($"no alert '{alertId}' (see 'mlops drift alerts').");
            context.Result(alert, console => console.WriteLine($"{alert.Id}: {alert.Status}"));
            return ExitCodes.Done;
        });
        return command;
    }

    private static Command Report()
    {
        var output = new Option<string>("--out") { Description = "HTML file to write (the /drift page, self-contained).", Required = true };
        var command = new Command("report", "Write the on-call drift page as one self-contained HTML file.") { output };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var path = context.Parse.GetValue(output)!;
            if (Directory.Exists(path)) throw new CliUsageException($"--out {path} is a folder; name the HTML file to write, e.g. {Path.Combine(path, "drift.html")}.");
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } folder && !Directory.Exists(folder))
                throw new CliUsageException($"--out {path}: the folder {folder} does not exist; create it first or name a file in an existing folder.");
            var checker = new DriftChecker(context.Store);
            var html = await DriftPage.RenderAsync(checker, new AlertStore(context.Store), interactive: false, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(path, html, cancellationToken).ConfigureAwait(false);
            context.Result(new { path = Path.GetFullPath(path), bytes = new FileInfo(path).Length }, console => console.WriteLine($"wrote {path}"));
            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>"; the store holds events from D1 to D2" (or that it holds none), for messages about an empty period.</summary>
    private static async Task<string> SpanAsync(CliContext context, CancellationToken cancellationToken)
    {
        var batches = await EventLog.ListBatchesAsync(context.Store, cancellationToken).ConfigureAwait(false);
        return batches.Count == 0 ? "; the store holds no events" : $"; the store holds events from {batches[0].Day:yyyy-MM-dd} to {batches[^1].Day:yyyy-MM-dd}";
    }

    private static DateOnly Day(string text, string option) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw new CliUsageException($"{option} must be a date yyyy-MM-dd, not '{text}'.");

    private static void WriteNotJudged(IAnsiConsole console, NotJudgedWindow skipped)
    {
        console.MarkupLine($"window [bold]{Markup.Escape(skipped.Window)}[/] · reference: {Markup.Escape(skipped.Reference.Source ?? skipped.Reference.Status)}");
        console.MarkupLine(Markup.Escape(skipped.Note));
        foreach (var a in skipped.Alerts) console.MarkupLine($"[{(a.Severity == AlertSeverity.Critical ? "red" : "yellow")}]{a.Severity}[/] {Markup.Escape(a.Title)} ({Markup.Escape(a.Id)})");
    }

    private static void WriteReport(IAnsiConsole console, DriftReport report)
    {
        console.MarkupLine($"window [bold]{Markup.Escape(report.Window)}[/] · reference: {Markup.Escape(report.Reference.Source ?? report.Reference.Status)}");
        if (report.Features.Count > 0)
        {
            var table = new Table().AddColumns("feature", "method", "score", "threshold", "PSI", "drifted", "severity");
            foreach (var f in report.Features)
                table.AddRow(f.Name, f.Method, DriftPage.Judged(f, f.Score), DriftPage.Judged(f, f.Threshold), DriftPage.Judged(f, f.Psi), f.Drifted ? "[red]yes[/]" : "no", f.Severity);
            console.Write(table);
            console.MarkupLine($"dataset drift: {(report.DatasetDrift ? "[red]yes[/]" : "no")} ({report.DriftedFeatures} of {report.JudgedFeatures} judged features drifted, {report.DriftShare:P0}; threshold {report.DriftShareThreshold:P0})");
        }
        console.MarkupLine($"volume: {report.Volume.Events} events" + (report.Volume.Ratio is { } r ? $", {r:P0} of expected ({Markup.Escape(report.Volume.Baseline)})" : $" ({Markup.Escape(report.Volume.Baseline)})"));
        if (report.Freshness is { SilenceHours: { } silence } fresh)
            console.MarkupLine($"freshness: events last written {silence:F1} h ago ({Markup.Escape(fresh.LastBlob ?? "")})");
        if (report.Decay is { } d) console.MarkupLine($"performance decay: {Markup.Escape(d.Status)} · {Markup.Escape(d.Note)}");
        foreach (var a in report.AutoResolved) console.MarkupLine($"[green]auto-resolved[/] {Markup.Escape(a.Title)} ({Markup.Escape(a.Id)})");
        foreach (var a in report.Alerts) console.MarkupLine($"[{(a.Severity == AlertSeverity.Critical ? "red" : "yellow")}]{a.Severity}[/] {Markup.Escape(a.Title)} ({Markup.Escape(a.Id)})");
        if (report.Alerts.Count == 0) console.MarkupLine("[green]no alerts[/]");
    }
}
