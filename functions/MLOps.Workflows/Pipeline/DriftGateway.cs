using MLOps.Drift;
using MLOps.Drift.Alerts;

namespace MLOps.Workflows.Pipeline;

/// <summary>Drift of the latest window against the champion's training snapshot, through the drift library (alerts deduplicated there).</summary>
public sealed class DriftGateway(DriftChecker checker) : IDriftGateway
{
    public async Task<DriftSummary> CheckAsync(string stepKey, CancellationToken cancellationToken)
    {
        var reference = await checker.ChampionReferenceAsync(cancellationToken).ConfigureAwait(false);
        var report = await checker.CheckAsync(reference, cancellationToken: cancellationToken).ConfigureAwait(false);
        // No champion, no reference: nothing can be critical (a first model is not "drifted").
        var alerts = report.Alerts.Where(a => a.Status != AlertStatus.Resolved)
            .Select(a => new DriftAlertRef(a.Id, reference is null && a.Severity == AlertSeverity.Critical ? AlertSeverity.Warning : a.Severity, a.Subject, a.Title))
            .ToList();
        return new DriftSummary(reference is not null, report.DatasetDrift, report.Features.Count(f => f.Drifted), report.Features.Count, alerts)
        {
            RetrainRecommended = reference is not null && report.RetrainRecommended,
            ReportId = report.Id,
        };
    }
}
