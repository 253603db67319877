using MLOps.Drift.Alerts;
using MLOps.Drift.Decay;
using MLOps.Drift.Scores;
using MLOps.Drift.Window;

namespace MLOps.Drift;

/// <summary>One feature's comparison. The first five fields are the CLI contract (DESIGN.md): name, method, score, threshold, drifted.</summary>
public sealed record FeatureDrift
{
    public required string Name { get; init; }
    /// <summary>ks | wasserstein | chisquare | jensenshannon, or "none" when the feature could not be judged.</summary>
    public required string Method { get; init; }
    /// <summary>p-value for ks / chisquare (drift when below the threshold), distance for wasserstein / jensenshannon (drift at or above).</summary>
    public double Score { get; init; }
    public double Threshold { get; init; }
    public bool Drifted { get; init; }
    public string Kind { get; init; } = "";
    /// <summary>Test statistic behind a p-value (KS D, chi-square χ²).</summary>
    public double? Statistic { get; init; }
    public double Psi { get; init; }
    /// <summary>none | warning | critical (drifted and PSI past 0.1 / 0.25).</summary>
    public string Severity { get; init; } = "none";
    public long ReferenceRows { get; init; }
    public long CurrentRows { get; init; }
    public double ReferenceNullShare { get; init; }
    public double CurrentNullShare { get; init; }
    public string? Note { get; init; }
    /// <summary>Reference and current shares per bin or category (what the page plots) and each bin's PSI term.</summary>
    public IReadOnlyList<BinContribution> Bins { get; init; } = [];
}

public sealed record ReferenceInfo
{
    /// <summary>champion | explicit | none ("no reference": no champion yet, so distribution drift is not judged).</summary>
    public required string Status { get; init; }
    public string? Source { get; init; }
    public string? ModelVersion { get; init; }
    public string? Snapshot { get; init; }
    public long Events { get; init; }
}

/// <summary>What serving logged as served in the window, and what prediction drift compared it with.</summary>
public sealed record ServedSummary
{
    /// <summary>"evaluation": the champion's evaluation (score, genre mix, popularity deciles); "training-events": the reference period's own impressions and exposures (genre mix, popularity bands; scores not compared).</summary>
    public required string Reference { get; init; }
    public required string Source { get; init; }
    public long Exposures { get; init; }
    /// <summary>Exposures carrying the model's score (its own picks in lists asked for as evaluated).</summary>
    public long ScoredExposures { get; init; }
    /// <summary>Scored exposures per serving model ("name vN").</summary>
    public IReadOnlyDictionary<string, long> Models { get; init; } = new Dictionary<string, long>();
    public double? ReferenceScoreMedian { get; init; }
    public double? CurrentScoreMedian { get; init; }
    public string? Note { get; init; }
}

public sealed record DataQuality
{
    public long Lines { get; init; }
    /// <summary>The audience's events in the window: serving's exposures are not among them (see <see cref="Exposures"/>).</summary>
    public long Events { get; init; }
    /// <summary>Serving's exposure events in the window: read for prediction drift only, never counted as events, volume, quality or accounts.</summary>
    public long Exposures { get; init; }
    public long InvalidRows { get; init; }
    public long UnknownContent { get; init; }
    public double UnknownContentShare { get; init; }
    public IReadOnlyList<string> UnknownContentSamples { get; init; } = [];
    public bool CatalogChecked { get; init; }
    public double? ReferenceRatingMax { get; init; }
    public double? CurrentRatingMax { get; init; }
    public long RatingsAboveReferenceMax { get; init; }
}

public sealed record VolumeCheck
{
    public long Events { get; init; }
    public double? Expected { get; init; }
    /// <summary>Events ÷ expected events (null without a baseline).</summary>
    public double? Ratio { get; init; }
    public required string Baseline { get; init; }
    public int BaselineDays { get; init; }
    public IReadOnlyList<long> Hourly { get; init; } = [];
    public IReadOnlyList<double>? HourlyExpected { get; init; }
}

/// <summary>What one drift check found. <c>datasetDrift</c>, <c>features</c>, <c>alerts</c> are the CLI contract (DESIGN.md).</summary>
public sealed record DriftReport
{
    public bool DatasetDrift { get; init; }
    public required IReadOnlyList<FeatureDrift> Features { get; init; }
    /// <summary>The alerts this check opened or updated.</summary>
    public IReadOnlyList<DriftAlert> Alerts { get; init; } = [];
    /// <summary>Unresolved alerts this check resolved because it measured their subject again and no longer found the problem.</summary>
    public IReadOnlyList<DriftAlert> AutoResolved { get; init; } = [];
    public required string Id { get; init; }
    public DateTimeOffset CheckedAt { get; init; }
    public required string Window { get; init; }
    public DateTimeOffset WindowStart { get; init; }
    public DateTimeOffset WindowEnd { get; init; }
    public required ReferenceInfo Reference { get; init; }
    /// <summary>Input features judged (enough rows on both sides; what is served excluded) and those of them that drifted: the drift share's denominator and numerator.</summary>
    public int JudgedFeatures { get; init; }
    public int DriftedFeatures { get; init; }
    public double DriftShare { get; init; }
    public double DriftShareThreshold { get; init; }
    /// <summary>Online hit rate of served lists against the champion's offline hit rate.</summary>
    public DecayCheck? Decay { get; init; }
    /// <summary>Served titles and scores, and the reference prediction drift used (null without a reference).</summary>
    public ServedSummary? Served { get; init; }
    /// <summary>True when a critical feature, dataset or prediction drift or performance decay was found against a real reference (the pipeline may retrain).</summary>
    public bool RetrainRecommended { get; init; }
    public required DataQuality Quality { get; init; }
    public required VolumeCheck Volume { get; init; }
    /// <summary>How long ago events were last written (null in reports written before the check existed).</summary>
    public FreshnessCheck? Freshness { get; init; }
    public IReadOnlyList<AccountAnomaly> Accounts { get; init; } = [];
    public double Seconds { get; init; }
    /// <summary>Seconds per stage of the evaluation (catalog, scan, volume, scores).</summary>
    public IReadOnlyDictionary<string, double>? Timings { get; init; }
}

/// <summary>
/// A window the check declined to judge because the champion was trained on every event in it (its snapshot covered each
/// batch, same path and ETag): it is the champion's own training data, not new traffic. Only freshness was checked.
/// </summary>
public sealed record NotJudgedWindow
{
    public bool Judged => false;
    public required string Window { get; init; }
    public required string Note { get; init; }
    public required ReferenceInfo Reference { get; init; }
    public required FreshnessCheck Freshness { get; init; }
    /// <summary>The freshness alert this check opened or updated (a stall looks exactly like "no new events").</summary>
    public IReadOnlyList<DriftAlert> Alerts { get; init; } = [];
    /// <summary>The report's contract fields, empty: nothing was compared.</summary>
    public bool DatasetDrift => false;
    public IReadOnlyList<FeatureDrift> Features => [];
    public bool RetrainRecommended => false;
}
