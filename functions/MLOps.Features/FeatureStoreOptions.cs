namespace MLOps.Features;

/// <summary>How features are computed and how fresh online values must be (docs/features.md). Bound from section "FeatureStore".</summary>
public sealed class FeatureStoreOptions
{
    /// <summary>Half-life of the time decay applied to watch counts per genre: an event this old weighs 1/2.</summary>
    public double DecayHalfLifeDays { get; set; } = 30;

    /// <summary>An online user value older than this (now − snapshot cutoff) is flagged stale.</summary>
    public TimeSpan UserTtl { get; set; } = TimeSpan.FromHours(26);

    /// <summary>An online item value older than this is flagged stale.</summary>
    public TimeSpan ItemTtl { get; set; } = TimeSpan.FromHours(26);

    /// <summary>Most recent titles kept per user in the history view (what serving scores from).</summary>
    public int HistoryPerUser { get; set; } = 50;

    /// <summary>How often the online store looks for a newer snapshot.</summary>
    public TimeSpan OnlineReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Also write each snapshot's views as Parquet files when they are materialized (for readers outside this library).
    /// Off by default: the views are read from the view state, and encoding 400k rows costs more than the rest of an
    /// incremental refresh (docs/features.md, "Incremental views").
    /// </summary>
    public bool ParquetViews { get; set; }

    /// <summary>Parquet compression of the views: "snappy" (default) or "none".</summary>
    public string ParquetCompression { get; set; } = Environment.GetEnvironmentVariable("MLOPS_FEATURES_PARQUET_COMPRESSION") ?? "snappy";

    /// <summary>
    /// An incremental refresh that would leave more carried segments than this merges them into one instead, so readers
    /// never merge more than this many (each refresh otherwise only writes the aggregates of the batches it read).
    /// </summary>
    public int CompactAfterSegments { get; set; } = 8;

    /// <summary>
    /// A materialization writes a new view state (~30 MB for 1M events) once the persisted state it started from is this
    /// many segments behind; in between, snapshots point to that state and readers fold the newer segments (~1 MB a day).
    /// </summary>
    public int ViewStateEvery { get; set; } = 4;

    /// <summary>Event batches parsed at once (default: one per core).</summary>
    public int Parallelism { get; set; } = Environment.ProcessorCount;
}
