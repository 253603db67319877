using System.Globalization;
using System.Text;
using MLOps.Core;
using MLOps.Drift.Alerts;
using static MLOps.Drift.Web.Svg;

namespace MLOps.Drift.Web;

/// <summary>
/// The on-call page (<c>GET /drift</c>, <c>mlops drift report</c>): one self-contained HTML document, plots as inline SVG,
/// no external script or style. With <c>interactive</c>, acknowledge / resolve buttons call the alert API (admin key).
/// </summary>
public static class DriftPage
{
    public static async Task<string> RenderAsync(DriftChecker checker, AlertStore alerts, bool interactive, CancellationToken cancellationToken = default)
    {
        var reports = await checker.RecentReportsAsync(checker.Options.HistoryReports, cancellationToken).ConfigureAwait(false);
        var all = await alerts.ListAsync(null, cancellationToken).ConfigureAwait(false);
        return Render(reports, all, interactive);
    }

    public static string Render(IReadOnlyList<DriftReport> reports, IReadOnlyList<DriftAlert> alerts, bool interactive)
    {
        var latest = reports.Count > 0 ? reports[^1] : null;
        var html = Head("Drift — on call");
        html.Append("<h1>Drift monitor</h1>");
        if (latest is null)
            html.Append("<p class=\"muted\">No drift check has run yet. Run <code>mlops drift check</code> (the pipeline's DriftMonitor runs it daily).</p>");
        else
        {
            html.Append(CultureInfo.InvariantCulture, $"<p data-testid=\"summary\">Window <b>{E(latest.Window)}</b> · checked {E(latest.CheckedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} UTC · reference: {E(latest.Reference.Source ?? latest.Reference.Status)}</p>");
            html.Append("<p>Dataset drift: ").Append(latest.Reference.Status == "none" ? "<b>not judged (no reference)</b>" : latest.DatasetDrift ? "<b class=\"critical\">yes</b>" : "<b class=\"ok\">no</b>")
                .Append(CultureInfo.InvariantCulture, $" — {latest.DriftShare:P0} of features drifted (threshold {latest.DriftShareThreshold:P0})")
                .Append(latest.RetrainRecommended ? " · <b class=\"critical\">retraining recommended</b>" : "").Append("</p>");
        }

        html.Append("<h2>Alerts</h2>");
        var active = alerts.Where(a => a.Status != AlertStatus.Resolved).ToList();
        html.Append(CultureInfo.InvariantCulture, $"<p>{active.Count(a => a.Severity == AlertSeverity.Critical)} critical, {active.Count(a => a.Severity == AlertSeverity.Warning)} warning unresolved; {alerts.Count - active.Count} resolved.</p>");
        html.Append("<table data-testid=\"alerts\"><tr><th>severity</th><th>status</th><th>alert</th><th>what it means</th><th>first seen</th><th>last seen</th><th>seen</th>").Append(interactive ? "<th></th>" : "").Append("</tr>");
        foreach (var a in alerts.Take(200))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr data-alert-id=\"{E(a.Id)}\"><td class=\"{a.Severity}\">{a.Severity}</td><td class=\"status\"><span data-testid=\"status-{E(a.Id)}\">{a.Status}</span><div class=\"muted\" data-testid=\"owner-{E(a.Id)}\">{E(Owner(a))}</div></td>")
                .Append(CultureInfo.InvariantCulture, $"<td><a href=\"drift/alerts/{E(a.Id)}\">{E(a.Title)}</a><div class=\"muted\">{E(a.Id)}</div></td><td>{E(a.Summary)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{E(a.FirstSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} UTC</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{E(a.LastSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} UTC</td><td>{a.Occurrences}</td>");
            if (interactive)
            {
                html.Append("<td>");
                if (a.Status == AlertStatus.Open) html.Append(CultureInfo.InvariantCulture, $"<button data-action=\"acknowledge\" data-id=\"{E(a.Id)}\">Acknowledge</button> ");
                if (a.Status != AlertStatus.Resolved) html.Append(CultureInfo.InvariantCulture, $"<button data-action=\"resolve\" data-id=\"{E(a.Id)}\">Resolve</button>");
                html.Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</table>");
        html.Append(Timeline("Alert timeline (first seen → last seen)",
            alerts.Take(40).Reverse().Select(a => ($"{a.Kind}: {a.Subject}", a.FirstSeen, a.LastSeen, a.Severity, a.Status)).ToList(), "alert-timeline"));

        if (latest is not null)
        {
            if (latest.Features.Count > 0)
            {
                html.Append("<h2>Features: reference vs current</h2><table data-testid=\"features\"><tr><th>feature</th><th>method</th><th>score</th><th>threshold</th><th>drifted</th><th>PSI</th><th>severity</th><th>rows (ref / cur)</th></tr>");
                foreach (var f in latest.Features)
                    html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(f.Name)}</td><td>{E(f.Method)}</td><td>{Judged(f, f.Score)}</td><td>{Judged(f, f.Threshold)}</td><td class=\"{(f.Drifted ? "critical" : "ok")}\">{(f.Drifted ? "yes" : "no")}</td><td>{Judged(f, f.Psi)}</td><td class=\"{f.Severity}\">{f.Severity}</td><td>{f.ReferenceRows} / {f.CurrentRows}{(f.Note is null ? "" : $"<div class=\"muted\">{E(f.Note)}</div>")}</td></tr>");
                html.Append("</table><div class=\"grid\">");
                foreach (var f in latest.Features)
                {
                    var bins = f.Bins.Take(16).ToList();
                    html.Append(Bars(f.Method == "none" ? $"{f.Name} (not judged: too few rows)" : $"{f.Name} ({f.Method} {DriftChecker.Fmt(f.Score)}, PSI {DriftChecker.Fmt(f.Psi)})",
                        bins.Select(b => b.Bin).ToList(), bins.Select(b => b.Reference).ToList(), bins.Select(b => b.Current).ToList(), $"hist-{f.Name}"));
                }
                html.Append("</div>");
                if (latest.Served is { } served)
                    html.Append(CultureInfo.InvariantCulture, $"<p data-testid=\"prediction-reference\" class=\"muted\">Prediction drift (servedScore, servedGenre, servedPopularity) compared with {E(served.Source)}. ")
                        .Append(CultureInfo.InvariantCulture, $"Exposures {served.Exposures}, with the model's score {served.ScoredExposures}")
                        .Append(served.Models.Count == 0 ? "" : $" (served by {E(string.Join(", ", served.Models.Select(m => $"{m.Key}: {m.Value}")))})")
                        .Append(served.Note is null ? ".</p>" : $". {E(served.Note)}.</p>");
            }
            else html.Append("<h2>Features</h2><p class=\"muted\">No reference (no champion yet): distributions are not compared; data quality, volume, freshness and accounts still are.</p>");

            var names = reports.SelectMany(r => r.Features.Select(f => f.Name)).Distinct().ToList();
            if (names.Count > 0)
                html.Append("<h2>PSI over time</h2>").Append(Lines("PSI per feature, one point per check",
                    reports.Select(r => r.Window).ToList(),
                    names.Select(n => (n, (IReadOnlyList<double>)reports.Select(r => PlottedPsi(r.Features.FirstOrDefault(f => f.Name == n))).ToList())).ToList(),
                    [(0.1, "0.1 warn"), (0.25, "0.25 alert")], "psi-over-time"));

            var v = latest.Volume;
            var ratioText = v.Ratio is { } ratio ? string.Create(CultureInfo.InvariantCulture, $", {ratio:P0} of the expected {DriftChecker.Events(v.Expected ?? 0)}") : "";
            html.Append("<h2>Volume</h2>").Append(CultureInfo.InvariantCulture, $"<p data-testid=\"volume-summary\">{v.Events} events{ratioText} · baseline: {E(v.Baseline)}</p>");
            var hourLabels = Enumerable.Range(0, v.Hourly.Count).Select(h => latest.WindowStart.AddHours(h).UtcDateTime.ToString("MM-dd HH:00", CultureInfo.InvariantCulture)).ToList();
            var series = new List<(string, IReadOnlyList<double>)> { ("events", v.Hourly.Select(c => (double)c).ToList()) };
            if (v.HourlyExpected is { } expected) series.Add(("expected", expected));
            html.Append(Lines("Events per hour vs the seasonal baseline", hourLabels, series, [], "volume"));
            if (latest.Freshness is { SilenceHours: { } silence } fresh)
                html.Append(CultureInfo.InvariantCulture, $"<p data-testid=\"freshness-summary\">Freshness: events last written <span class=\"{E(fresh.Severity)}\">{silence:F1} h</span> before the check ({E(fresh.LastBlob ?? "")}).</p>");

            if (latest.Decay is { } d)
            {
                html.Append("<h2>Performance decay</h2>").Append(CultureInfo.InvariantCulture,
                    $"<p data-testid=\"decay-summary\"><span class=\"{d.Severity}\">{E(d.Status)}</span> · {E(d.Note)}{(d.Ratio is { } r ? $" · online ÷ offline {r:P0}" : "")}</p>");
                var measured = reports.Where(r => r.Decay is { Status: Decay.DecayCheck.Measured }).ToList();
                if (measured.Count > 0)
                    html.Append(Lines("Online hit rate of served lists (Wilson 95 % bounds) vs the champion's offline hit rate, one point per check",
                        measured.Select(r => r.Window).ToList(),
                        [("online", measured.Select(r => r.Decay!.OnlineHitRate ?? double.NaN).ToList()), ("online lower", measured.Select(r => r.Decay!.Lower ?? double.NaN).ToList()),
                         ("online upper", measured.Select(r => r.Decay!.Upper ?? double.NaN).ToList()), ("offline", measured.Select(r => r.Decay!.OfflineHitRate ?? double.NaN).ToList())],
                        [], "decay-over-time"));
            }

            var q = latest.Quality;
            html.Append("<h2>Data quality</h2><ul>")
                .Append(CultureInfo.InvariantCulture, $"<li>{q.Events} events, {q.InvalidRows} unreadable stored rows</li>")
                .Append(q.CatalogChecked ? $"<li>{q.UnknownContent} events ({q.UnknownContentShare:P2}) for titles not in the catalogue{(q.UnknownContentSamples.Count > 0 ? $", e.g. {E(string.Join(", ", q.UnknownContentSamples.Take(5)))}" : "")}</li>" : "<li>no catalogue: unknown ids not checked</li>")
                .Append(q.ReferenceRatingMax is { } rm ? $"<li>ratings above the reference maximum {DriftChecker.Fmt(rm)}: {q.RatingsAboveReferenceMax}</li>" : "")
                .Append("</ul>");
            if (latest.Accounts.Count > 0)
            {
                html.Append("<h2>Accounts</h2><table data-testid=\"accounts\"><tr><th>account</th><th>finding</th><th>hour (UTC)</th><th>events</th><th>countries</th><th>devices</th></tr>");
                foreach (var a in latest.Accounts.Take(50))
                    html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(a.UserId)}</td><td>{E(a.Kind)}</td><td>{a.Hour.UtcDateTime:yyyy-MM-dd HH}:00 UTC</td><td>{a.Events}</td><td>{E(string.Join(", ", a.Countries))}</td><td>{E(string.Join(", ", a.Devices))}</td></tr>");
                html.Append("</table>");
            }
        }
        html.Append("<p class=\"muted\">Every score is defined in docs/drift.md: PSI (0.1 warn, 0.25 alert), KS and chi-square p-values (drift below 0.05, used up to 1,000 rows), normalized Wasserstein and Jensen–Shannon distances (drift at 0.1, used above).</p>");
        if (interactive) html.Append(Script);
        return html.Append("</body></html>").ToString();
    }

    /// <summary>The page for an alert id the store does not hold (a typo, or purged): a page with the way back, not a JSON problem.</summary>
    public static string RenderMissingAlert(string id) =>
        Head("No such alert").Append(CultureInfo.InvariantCulture,
            $"<p><a href=\"../../drift\">← all alerts</a></p><h1>No such alert</h1><p data-testid=\"missing\">There is no drift alert <code>{E(TextClip.Clip(id, 200))}</code>: check the id, or find it in the list.</p></body></html>").ToString();

    public static string RenderAlert(DriftAlert alert, bool interactive)
    {
        var html = Head($"Alert {alert.Id}");
        html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"../../drift\">← all alerts</a></p><h1>{E(alert.Title)}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p><span class=\"{alert.Severity}\">{alert.Severity}</span> · status <b data-testid=\"status-{E(alert.Id)}\">{alert.Status}</b> · {E(alert.Kind)} · subject <code>{E(alert.Subject)}</code></p>")
            .Append(CultureInfo.InvariantCulture, $"<p>{E(alert.Summary)}</p><p>First seen {alert.FirstSeen.UtcDateTime:yyyy-MM-dd HH:mm} UTC, last seen {alert.LastSeen.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {alert.Occurrences} detection(s).</p>");
        var ev = alert.Evidence;
        html.Append("<h2>Evidence</h2><table>");
        void Row(string k, string? v) { if (!string.IsNullOrEmpty(v)) html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(k)}</th><td>{E(v)}</td></tr>"); }
        Row("window", ev.Window); Row("reference", ev.Reference); Row("method", ev.Method);
        Row("score", ev.Score is { } s ? DriftChecker.Fmt(s) : null); Row("threshold", ev.Threshold is { } t ? DriftChecker.Fmt(t) : null); Row("PSI", ev.Psi is { } p ? DriftChecker.Fmt(p) : null);
        foreach (var (k, v) in ev.Facts ?? new Dictionary<string, string>()) Row(k, v);
        html.Append("</table>");
        if (ev.TopBins is { Count: > 0 } bins)
        {
            html.Append("<h3>Bins that contribute most to PSI</h3><table><tr><th>bin</th><th>reference</th><th>current</th><th>PSI term</th></tr>");
            foreach (var b in bins) html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(b.Bin)}</td><td>{Pct(b.Reference)}</td><td>{Pct(b.Current)}</td><td>{DriftChecker.Fmt(b.Contribution)}</td></tr>");
            html.Append("</table>").Append(Bars("top bins", bins.Select(b => b.Bin).ToList(), bins.Select(b => b.Reference).ToList(), bins.Select(b => b.Current).ToList(), "alert-bins"));
        }
        html.Append("<h2>History</h2><table><tr><th>status</th><th>by</th><th>at</th><th>note</th></tr>");
        foreach (var h in alert.History) html.Append(CultureInfo.InvariantCulture, $"<tr><td>{h.Status}</td><td>{E(h.By)}</td><td>{h.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC</td><td>{E(h.Note ?? "")}</td></tr>");
        html.Append("</table>");
        if (interactive && alert.Status != AlertStatus.Resolved)
        {
            html.Append("<p data-alert-id=\"").Append(E(alert.Id)).Append("\">");
            if (alert.Status == AlertStatus.Open) html.Append(CultureInfo.InvariantCulture, $"<button data-action=\"acknowledge\" data-id=\"{E(alert.Id)}\">Acknowledge</button> ");
            html.Append(CultureInfo.InvariantCulture, $"<button data-action=\"resolve\" data-id=\"{E(alert.Id)}\">Resolve</button></p>").Append(Script);
        }
        return html.Append("</body></html>").ToString();
    }

    private static StringBuilder Head(string title) => new StringBuilder().Append(CultureInfo.InvariantCulture, $$"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}}</title><style>
        body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#212529;max-width:1500px} h1{margin:.2rem 0} h2{margin-top:1.6rem;border-bottom:1px solid #dee2e6}
        table{border-collapse:collapse;margin:.5rem 0} td,th{border:1px solid #dee2e6;padding:.25rem .5rem;text-align:left;vertical-align:top}
        .critical{color:#c92a2a;font-weight:600} .warning{color:#e67700;font-weight:600} .ok{color:#2b8a3e} .muted{color:#868e96;font-size:12px}
        .grid{display:flex;flex-wrap:wrap;gap:12px} svg text{font:10px system-ui,sans-serif;fill:#343a40} svg text.title{font-weight:600;font-size:11px}
        button{cursor:pointer}
        </style></head><body>
        """);

    // Acknowledge / resolve: ask why (the history's note, as the CLI's --note), then POST to the alert API with the admin key
    // (asked once, kept for the tab's session).
    private const string Script = """
        <script>
        document.addEventListener('click', async (e) => {
          const b = e.target.closest('button[data-action]'); if (!b) return;
          const id = b.dataset.id, action = b.dataset.action;
          const note = prompt(action === 'resolve' ? 'Resolution note (optional)' : 'Acknowledgement note (optional)');
          if (note === null) return;   // Cancel sends nothing
          const send = (key) => fetch('/api/drift/alerts/' + encodeURIComponent(id) + '/' + action, { method: 'POST',
            headers: Object.assign({ 'content-type': 'application/json' }, key ? { 'x-api-key': key } : {}), body: JSON.stringify({ note }) });
          let r = await send(sessionStorage.getItem('mlops-admin-key'));
          if (r.status === 401 || r.status === 403) {
            const key = prompt('Admin API key'); if (!key) return;
            sessionStorage.setItem('mlops-admin-key', key); r = await send(key);
          }
          if (!r.ok) { alert('Failed: ' + r.status + ' ' + (await r.text())); return; }
          const a = await r.json();
          document.querySelectorAll('[data-testid="status-' + id + '"]').forEach(c => c.textContent = a.status);
          const last = (a.history || [])[(a.history || []).length - 1];
          document.querySelectorAll('[data-testid="owner-' + id + '"]').forEach(c => c.textContent = last ? 'by ' + last.by + ', ' + new Date(last.at).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '');
          b.parentElement.querySelectorAll('button').forEach(x => { if (a.status === 'resolved' || x.dataset.action === 'acknowledge') x.remove(); });
        });
        </script>
        """;

    /// <summary>Who took the alert out of "open" (acknowledged or resolved it) and when: on-call sees who owns it without opening it.</summary>
    private static string Owner(DriftAlert alert) =>
        alert.Status == AlertStatus.Open || alert.History.Count == 0 ? ""
        : $"by {alert.History[^1].By}, {alert.History[^1].At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";

    /// <summary>A check that did not judge the feature (too few rows) or did not have it is no point on the PSI chart, not a zero.</summary>
    private static double PlottedPsi(FeatureDrift? f) => f is null || f.Method == "none" ? double.NaN : f.Psi;

    /// <summary>A feature with too few rows is not judged: its scores would read as findings, so they are shown as "–".</summary>
    public static string Judged(FeatureDrift f, double value) => f.Method == "none" ? "–" : DriftChecker.Fmt(value);
}
