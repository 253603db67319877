using MLOps.Drift.Scores;

namespace MLOps.Drift.Alerts;

public static class AlertStatus
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";
}

public static class AlertSeverity
{
    public const string Warning = "warning";
    public const string Critical = "critical";

    public static int Rank(string severity) => severity == Critical ? 2 : severity == Warning ? 1 : 0;
}

/// <summary>Alert kinds (docs/drift.md, "Alerts").</summary>
public static class AlertKind
{
    public const string FeatureDrift = "feature-drift";
    public const string DatasetDrift = "dataset-drift";
    public const string PredictionDrift = "prediction-drift";
    public const string DataQuality = "data-quality";
    public const string Volume = "volume";
    public const string AccountSharing = "account-sharing";
    public const string EventBurst = "event-burst";
    public const string PerformanceDecay = "performance-decay";
    /// <summary>No events written for hours: ingestion stalled (never starts a retrain).</summary>
    public const string Freshness = "freshness";
}

/// <summary>What made the alert fire: scores, thresholds, the windows compared and the bins that contribute most.</summary>
public sealed record AlertEvidence
{
    public string? Window { get; init; }
    /// <summary>End of the checked window: a later check auto-resolves the alert only if it looked at a window ending no earlier.</summary>
    public DateTimeOffset? WindowEnd { get; init; }
    /// <summary>The reference the finding was measured against (its source); null for findings that do not depend on one (volume, accounts, freshness, …).</summary>
    public string? Reference { get; init; }
    /// <summary>"champion" or "explicit" (the report's reference status) when <see cref="Reference"/> is set: which checks may auto-resolve it.</summary>
    public string? ReferenceKind { get; init; }
    public string? Method { get; init; }
    public double? Score { get; init; }
    public double? Threshold { get; init; }
    public double? Psi { get; init; }
    public IReadOnlyList<BinContribution>? TopBins { get; init; }
    public IReadOnlyDictionary<string, string>? Facts { get; init; }
}

public sealed record AlertTransition(string Status, string By, DateTimeOffset At, string? Note);

/// <summary>
/// One alert: at most one open (or acknowledged) alert per kind and subject; a repeated detection updates it
/// (<see cref="LastSeen"/>, <see cref="Occurrences"/>, evidence). Stored at <c>drift/alerts/&lt;id&gt;.json</c>, changed by ETag compare-and-swap.
/// </summary>
public sealed record DriftAlert
{
    public required string Id { get; init; }
    public required string Kind { get; init; }
    public required string Subject { get; init; }
    public required string Severity { get; init; }
    public required string Status { get; init; }
    public required string Title { get; init; }
    /// <summary>What it means and what to look at first, in one or two sentences for on-call.</summary>
    public required string Summary { get; init; }
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public int Occurrences { get; init; } = 1;
    public required AlertEvidence Evidence { get; init; }
    public IReadOnlyList<AlertTransition> History { get; init; } = [];

    public string Key => $"{Kind}|{Subject}";
}

/// <summary>A detection before it is stored: the check produces these, the <see cref="AlertStore"/> deduplicates them into alerts.</summary>
public sealed record AlertCandidate(string Kind, string Subject, string Severity, string Title, string Summary, AlertEvidence Evidence);
