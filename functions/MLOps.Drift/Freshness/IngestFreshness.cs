using System.Globalization;
using MLOps.Core;
using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Storage;

namespace MLOps.Drift;

/// <summary>How long ago events last reached the store (docs/drift.md, "Freshness").</summary>
public sealed record FreshnessCheck
{
    /// <summary>When the newest imported events blob was written (storage time); null when the store holds none.</summary>
    public DateTimeOffset? LastWrite { get; init; }
    /// <summary>That blob's path: its name is the import batch (<c>imports/&lt;batch&gt;.json</c> says what it read).</summary>
    public string? LastBlob { get; init; }
    /// <summary>Hours from <see cref="LastWrite"/> to the check (never negative).</summary>
    public double? SilenceHours { get; init; }
    /// <summary><c>none</c>, <c>warning</c> or <c>critical</c>.</summary>
    public required string Severity { get; init; }
}

/// <summary>
/// An ingestion stall is invisible to the drift and volume checks: they judge the latest day that holds events, and
/// during a stall that day simply stays the same. This check looks at when events were last <em>written</em> instead
/// (blob write times, so a replay of old events counts as fresh and historical data imported today is fresh too).
/// Exposures are left out: serving writes them itself and keeps doing so while imports have stopped.
/// </summary>
internal static class IngestFreshness
{
    public const string Subject = "ingestion";

    public static FreshnessCheck Measure(IEnumerable<(DateOnly Day, BlobInfo Blob)> batches, DateTimeOffset now, DriftOptions options)
    {
        BlobInfo? newest = null;
        foreach (var (_, blob) in batches)
            if (!WindowReader.IsExposureLog(blob) && (newest is null || blob.LastModified > newest.LastModified))
                newest = blob;
        if (newest is null) return new FreshnessCheck { Severity = "none" };
        var hours = Math.Max(0, (now - newest.LastModified).TotalHours);
        var severity = hours >= options.ImportSilenceCriticalHours ? AlertSeverity.Critical
            : hours >= options.ImportSilenceWarningHours ? AlertSeverity.Warning : "none";
        return new FreshnessCheck { LastWrite = newest.LastModified, LastBlob = newest.Path, SilenceHours = Math.Round(hours, 2), Severity = severity };
    }

    public static AlertCandidate? Candidate(FreshnessCheck check, string? window, DriftOptions options)
    {
        if (check.Severity == "none" || check.SilenceHours is not { } hours || check.LastWrite is not { } last) return null;
        var at = last.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return new AlertCandidate(AlertKind.Freshness, Subject, check.Severity, $"No events imported for {hours.ToString("F0", CultureInfo.InvariantCulture)} h",
            $"The newest imported events were written {at} ({check.LastBlob}), {hours.ToString("F1", CultureInfo.InvariantCulture)} h ago "
            + $"(warning at {options.ImportSilenceWarningHours} h, critical at {options.ImportSilenceCriticalHours} h). Drift and volume keep judging the last day "
            + "that has events, so they cannot show this. Check the upstream export and the import job (its log, `mlops import events`, errors of POST /api/events), "
            + "then import the missing days: the next check resolves this alert. It never starts a retrain.",
            new AlertEvidence
            {
                Window = window, Method = "hours since events were last written", Score = hours, Threshold = options.ImportSilenceWarningHours,
                Facts = new Dictionary<string, string>
                {
                    ["lastWrite"] = last.ToString("O", CultureInfo.InvariantCulture), ["lastBlob"] = check.LastBlob ?? "",
                    ["criticalHours"] = options.ImportSilenceCriticalHours.ToString(CultureInfo.InvariantCulture),
                },
            });
    }
}
