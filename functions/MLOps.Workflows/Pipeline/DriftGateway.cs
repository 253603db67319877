using MLOps.Drift;
using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>Drift of the latest window against the champion's training snapshot, through the drift library (alerts deduplicated there).</summary>
public sealed class DriftGateway(DriftChecker checker, IBlobStore store) : IDriftGateway
{
    public const string NoEventsNote = "not judged: the store holds no events yet (import or generate events first)";

    public async Task<DriftSummary> CheckAsync(string stepKey, CancellationToken cancellationToken)
    {
        var reference = await checker.ChampionReferenceAsync(cancellationToken).ConfigureAwait(false);
        // A new environment has no events until the first import: nothing to judge, and no freshness to lose (drift.md).
        // Failing here made every hourly DriftMonitor fail from the first deploy on, paging orchestration-failed (Sev 1).
        if (await WindowReader.LatestAsync(store, checker.Options.WindowDays, cancellationToken).ConfigureAwait(false) is null)
            return new DriftSummary(reference is not null, false, 0, 0, []) { Note = NoEventsNote };
        // The champion's own training data is not judged (the rule is the drift library's, shared with `mlops drift check`).
        if (await checker.NotJudgedAsync(reference, cancellationToken: cancellationToken).ConfigureAwait(false) is { } skipped)
            return new DriftSummary(true, false, 0, 0, skipped.Alerts.Select(a => Ref(a, reference)).ToList()) { Note = skipped.Note };
        var report = await checker.CheckAsync(reference, cancellationToken: cancellationToken).ConfigureAwait(false);
        var alerts = report.Alerts.Where(a => a.Status != AlertStatus.Resolved).Select(a => Ref(a, reference)).ToList();
        // Judged input features, as the drift share and the dataset-drift alert count them (what is served is prediction drift).
        return new DriftSummary(reference is not null, report.DatasetDrift, report.DriftedFeatures, report.JudgedFeatures, alerts)
        {
            RetrainRecommended = reference is not null && report.RetrainRecommended,
            ReportId = report.Id,
        };
    }

    // No champion, no reference: nothing can be critical (a first model is not "drifted").
    private static DriftAlertRef Ref(DriftAlert a, DriftReference? reference) =>
        new(a.Id, reference is null && a.Severity == AlertSeverity.Critical ? AlertSeverity.Warning : a.Severity, a.Subject, a.Title) { Kind = a.Kind };
}
