using MLOps.Core.Data;
using MLOps.Drift;
using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Features;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>Drift of the latest window against the champion's training snapshot, through the drift library (alerts deduplicated there).</summary>
public sealed class DriftGateway(DriftChecker checker, FeatureStore features, IBlobStore store) : IDriftGateway
{
    public async Task<DriftSummary> CheckAsync(string stepKey, CancellationToken cancellationToken)
    {
        var reference = await checker.ChampionReferenceAsync(cancellationToken).ConfigureAwait(false);
        if (reference is not null && await TrainedOnLatestWindowAsync(reference, cancellationToken).ConfigureAwait(false) is { } window)
        {
            // No new events is also what a stalled ingestion looks like: its own check still runs.
            var (freshness, stalled) = await checker.CheckFreshnessAsync(cancellationToken).ConfigureAwait(false);
            return new DriftSummary(true, false, 0, 0, stalled is null ? [] : [Ref(stalled, reference)])
            {
                Note = $"not judged: every event of the latest window {window} was in the champion's training snapshot {reference.Snapshot} (no new events"
                    + (freshness.SilenceHours is { } hours ? $"; events last written {hours:F1} h ago)" : ")"),
            };
        }
        var report = await checker.CheckAsync(reference, cancellationToken: cancellationToken).ConfigureAwait(false);
        var alerts = report.Alerts.Where(a => a.Status != AlertStatus.Resolved).Select(a => Ref(a, reference)).ToList();
        return new DriftSummary(reference is not null, report.DatasetDrift, report.Features.Count(f => f.Drifted), report.Features.Count, alerts)
        {
            RetrainRecommended = reference is not null && report.RetrainRecommended,
            ReportId = report.Id,
        };
    }

    // No champion, no reference: nothing can be critical (a first model is not "drifted").
    private static DriftAlertRef Ref(DriftAlert a, DriftReference? reference) =>
        new(a.Id, reference is null && a.Severity == AlertSeverity.Critical ? AlertSeverity.Warning : a.Severity, a.Subject, a.Title) { Kind = a.Kind };

    /// <summary>
    /// The latest window when every event batch in it is one the champion's training snapshot covered (same path and
    /// ETag), else null. Such a window is the champion's own training data, not new traffic: judging it against the
    /// whole training set flags ordinary day-to-day variation (on ML-100k the last day, two heavy raters, is "critical"
    /// rating drift) and would start a retrain that cannot learn anything new.
    /// </summary>
    private async Task<DriftWindow?> TrainedOnLatestWindowAsync(DriftReference reference, CancellationToken cancellationToken)
    {
        if (reference.Snapshot is not { } snapshot || await features.GetManifestAsync(snapshot, cancellationToken).ConfigureAwait(false) is not { } manifest)
            return null;
        var window = await WindowReader.LatestAsync(store, checker.Options.WindowDays, cancellationToken).ConfigureAwait(false);
        if (window is null) return null;
        var covered = manifest.Watermark.Batches.Select(b => (b.Path, b.ETag)).ToHashSet();
        var batches = (await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false)).Where(b => window.Covers(b.Day)).ToList();
        return batches.Count > 0 && batches.All(b => covered.Contains((b.Blob.Path, b.Blob.ETag.Value))) ? window : null;
    }
}
