namespace MLOps.Features.Statistics;

public enum FeatureKind { Numeric, Categorical }

/// <summary>
/// The summary of one feature over one dataset (a snapshot or a drift window): enough to compare two datasets
/// without re-reading either. Numeric features keep decile bin edges with counts (PSI), and a seeded uniform
/// reservoir sample (KS, Wasserstein); categorical features keep every category's count (PSI, chi-square, JS).
/// </summary>
public sealed record FeatureStatistics
{
    public required string Name { get; init; }
    public required FeatureKind Kind { get; init; }
    public long Count { get; init; }
    public long Nulls { get; init; }
    public double? Mean { get; init; }
    public double? StdDev { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    /// <summary>Quantiles at 0, 0.1, …, 1 of the non-null values (numeric only).</summary>
    public double[]? Quantiles { get; init; }
    /// <summary>Interior bin edges (ascending, distinct); bin i holds values in (edge[i-1], edge[i]]; first and last bins are open.</summary>
    public double[]? BinEdges { get; init; }
    public long[]? BinCounts { get; init; }
    /// <summary>Category → count (categorical only).</summary>
    public Dictionary<string, long>? Categories { get; init; }
    /// <summary>Uniform reservoir sample of non-null values (numeric only), seeded for reproducibility.</summary>
    public double[]? Sample { get; init; }
}
