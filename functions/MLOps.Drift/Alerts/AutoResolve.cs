using MLOps.Drift.Decay;
using MLOps.Drift.Window;

namespace MLOps.Drift.Alerts;

/// <summary>
/// Which unresolved alerts a full check may resolve: those whose kind and subject the check measured again (a judged
/// feature, a volume ratio, a decay measurement, …) against the same reference without detecting them, for a window ending
/// no earlier than the one the alert was last seen in. What the check could not measure (no reference, no baseline, too
/// few served lists) stays open.
/// </summary>
internal static class AutoResolve
{
    public const string By = "drift-check";

    public static bool Cleared(DriftAlert alert, DriftReport report, IReadOnlySet<string> detected)
    {
        if (alert.Status == AlertStatus.Resolved || detected.Contains(alert.Key)) return false;
        // A backfill of an old window says nothing about today.
        if (alert.Evidence.WindowEnd is { } seen && report.WindowEnd < seen) return false;
        return SameReference(alert.Evidence, report.Reference) && Measured(alert.Kind, alert.Subject, report);
    }

    /// <summary>
    /// A finding measured against a reference is cleared only by a check against that reference: a champion alert by a
    /// champion check (any version: a new champion is what retraining on drift produces), an explicit range's alert by a
    /// check against the very same range. Else an ad-hoc comparison with other days (say the drifted window with itself)
    /// "no longer detects" what the champion still faces. Findings without a reference (volume, accounts, freshness,
    /// unreadable rows, unknown ids) measure the window alone, so any check of it may clear them.
    /// </summary>
    internal static bool SameReference(AlertEvidence evidence, ReferenceInfo reference)
    {
        if (KindOf(evidence) is not { } kind) return true;
        return kind == reference.Status && (kind == "champion" || evidence.Reference == reference.Source);
    }

    /// <summary>"champion" or "explicit" for evidence measured against a reference, null for evidence that has none.</summary>
    internal static string? KindOf(AlertEvidence evidence) =>
        evidence.Reference is null ? null
        // Alerts recorded before ReferenceKind existed: a champion reference's source always starts "champion ".
        : evidence.ReferenceKind ?? (evidence.Reference.StartsWith("champion ", StringComparison.Ordinal) ? "champion" : "explicit");

    /// <summary>Kind + subject of every finding, including accounts past the per-check alert cap (still anomalous, not cleared).</summary>
    public static HashSet<string> Detected(DriftReport report, IEnumerable<AlertCandidate> candidates)
    {
        var keys = candidates.Select(c => $"{c.Kind}|{c.Subject}").ToHashSet(StringComparer.Ordinal);
        foreach (var a in report.Accounts)
            keys.Add($"{(a.Kind == "burst" ? AlertKind.EventBurst : AlertKind.AccountSharing)}|user:{a.UserId}");
        return keys;
    }

    /// <summary>
    /// What the check did: measured the alert's own window again, or — the usual case, a daily check — measured the same kind
    /// and subject in a later window. The note said "measured this again" for both, so an account burst of 1998-04-22 resolved
    /// by the check of 2026-12-07 read as if that day had been measured again. The evidence's window, not "last seen": an
    /// explicit-range check that detects a champion alert again counts it but keeps the champion's evidence.
    /// </summary>
    public static string Note(DriftAlert alert, DriftReport report) =>
        alert.Evidence.Window switch
        {
            { } seen when seen == report.Window => $"auto-resolved: the check of window {report.Window} (report {report.Id}) measured this again and no longer detects it",
            { } seen => $"auto-resolved: the check of window {report.Window} (report {report.Id}) does not detect this in that window; its evidence is from window {seen}",
            null => $"auto-resolved: the check of window {report.Window} (report {report.Id}) does not detect this",
        };

    private static bool Measured(string kind, string subject, DriftReport report)
    {
        var judged = report.Features.Where(f => f.Method != "none").ToList();
        return kind switch
        {
            AlertKind.FeatureDrift or AlertKind.PredictionDrift => judged.Exists(f => f.Name == subject),
            AlertKind.DatasetDrift => judged.Exists(f => !DriftFeatures.IsPrediction(f.Name)),
            AlertKind.Volume => report.Volume.Ratio is not null,
            AlertKind.AccountSharing or AlertKind.EventBurst => report.Quality.Events > 0,
            AlertKind.PerformanceDecay => report.Decay?.Status == DecayCheck.Measured,
            AlertKind.Freshness => report.Freshness?.LastWrite is not null,
            AlertKind.DataQuality => subject switch
            {
                _ when subject.StartsWith("nulls:", StringComparison.Ordinal) => report.Features.Any(f => f.Name == subject["nulls:".Length..]),
                "invalid-rows" => report.Quality.Lines > 0,
                "unknown-content" => report.Quality.CatalogChecked && report.Quality.Events > 0,
                "rating-scale" => report.Quality.ReferenceRatingMax is not null && report.Features.Any(f => f.Name == DriftFeatures.Rating && f.CurrentRows > 0),
                _ => false,
            },
            _ => false,
        };
    }
}
