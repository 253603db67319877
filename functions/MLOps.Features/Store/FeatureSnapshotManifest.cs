using MLOps.Features.Statistics;

namespace MLOps.Features;

/// <summary>
/// <c>features/&lt;snapshot&gt;/manifest.json</c>: what a snapshot holds and what it was built from. Immutable once written.
/// </summary>
public sealed record FeatureSnapshotManifest
{
    public required string SnapshotId { get; init; }
    /// <summary>Point-in-time cutoff: only events with timestamp strictly before it are in the snapshot.</summary>
    public required DateTimeOffset Cutoff { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>"full" or "incremental".</summary>
    public required string Mode { get; init; }
    /// <summary>For incremental snapshots: the snapshot whose state was extended.</summary>
    public string? BaseSnapshotId { get; init; }
    public required double DecayHalfLifeDays { get; init; }
    /// <summary>The fixed time decayed weights in the segments are measured from (the first snapshot's first day).</summary>
    public DateTimeOffset DecayAnchor { get; init; }
    public required FeatureWatermark Watermark { get; init; }
    /// <summary>
    /// The aggregate segments every later snapshot extends, oldest first: the batches in <see cref="FeatureWatermark.Batches"/>.
    /// Immutable blobs, possibly under earlier snapshots' folders; a refresh appends one, compaction replaces them by one.
    /// </summary>
    public IReadOnlyList<FeatureSegment> Segments { get; init; } = [];
    /// <summary>Events before the cutoff from partly covered batches: part of this snapshot only, never extended.</summary>
    public FeatureSegment? PartialSegment { get; init; }
    /// <summary>True when this refresh merged the previous segments into one.</summary>
    public bool Compacted { get; init; }
    public string? CatalogETag { get; init; }
    /// <summary>The catalogue as it was at refresh time (a copy, shared with earlier snapshots while it does not change).</summary>
    public string? CatalogPath { get; init; }
    public int CatalogItems { get; init; }
    /// <summary>Events folded into the features (plays and ratings before the cutoff).</summary>
    public long EventsUsed { get; init; }
    /// <summary>Events this refresh read (new batches only for an incremental refresh).</summary>
    public long EventsRead { get; init; }
    public long EventsAfterCutoff { get; init; }
    public double Seconds { get; init; }
}

/// <summary>One immutable aggregate segment: its blob, the events and (user, title) pairs it holds.</summary>
public sealed record FeatureSegment(string Path, long Events, long Pairs, long Bytes)
{
    /// <summary>
    /// A compaction's segment: the segment files whose merge it equals (the baseline's segments and the new batches'
    /// own segment), so a view state folded from those extends it without a fold of the whole log. Null otherwise.
    /// </summary>
    public IReadOnlyList<string>? Replaces { get; init; }
}

/// <summary>
/// <c>features/&lt;snapshot&gt;/views/materialized.json</c>: the views of a snapshot computed as of its cutoff, written
/// the first time anyone reads them (deterministic: the same segments, catalogue and cutoff give the same rows).
/// </summary>
public sealed record FeatureMaterialization
{
    public required string SnapshotId { get; init; }
    public required DateTimeOffset Cutoff { get; init; }
    /// <summary>View name → rows.</summary>
    public required Dictionary<string, long> RowCounts { get; init; }
    /// <summary>View name → blob path of its Parquet file (only with <see cref="FeatureStoreOptions.ParquetViews"/>).</summary>
    public required Dictionary<string, string> Files { get; init; }
    /// <summary>
    /// The persisted view state (cutoff-independent, exact sums) the views are read from: this snapshot's, or an earlier
    /// one's whose segments are a prefix of this snapshot's — readers fold the rest. The next snapshot extends it.
    /// </summary>
    public string? ViewState { get; init; }
    /// <summary>The snapshot whose view state this one extended; null when it was folded from every segment.</summary>
    public string? ViewStateBase { get; init; }
    /// <summary>Segments a reader folds onto <see cref="ViewState"/> to reach this snapshot (what this materialization folded, unless it extended the state in memory).</summary>
    public int SegmentsFolded { get; init; }
    /// <summary>True when this materialization extended a view state this process held in memory (diagnostics: the rows do not depend on it).</summary>
    public bool ViewStateFromMemory { get; init; }
    /// <summary>Per-feature statistics (the drift reference).</summary>
    public required IReadOnlyList<FeatureStatistics> Statistics { get; init; }
    public double Seconds { get; init; }
}

/// <summary>
/// Which event data a snapshot covers. <see cref="Batches"/> are the batches folded into the persisted state
/// (every event before the cutoff); <see cref="PartialBatches"/> had events at or after the cutoff, so their
/// earlier events are in this snapshot's views but the batch is read again by the next refresh.
/// </summary>
public sealed record FeatureWatermark
{
    public required IReadOnlyList<string> Partitions { get; init; }
    public required IReadOnlyList<CoveredBatch> Batches { get; init; }
    public IReadOnlyList<CoveredBatch> PartialBatches { get; init; } = [];
    public DateOnly? LastPartition { get; init; }
}

public sealed record CoveredBatch(string Path, string ETag, long Events);

/// <summary>What <c>mlops features status</c> shows.</summary>
public sealed record FeatureStoreStatus
{
    public string? LatestSnapshotId { get; init; }
    public DateTimeOffset? Cutoff { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? Mode { get; init; }
    public DateOnly? WatermarkPartition { get; init; }
    public int CoveredBatches { get; init; }
    /// <summary>Event batches in the log that the latest snapshot does not cover yet.</summary>
    public int PendingBatches { get; init; }
    public IReadOnlyList<string> PendingPartitions { get; init; } = [];
    /// <summary>now − cutoff.</summary>
    public double? AgeHours { get; init; }
    public bool Stale { get; init; }
    /// <summary>Rows per view, once the latest snapshot's views have been materialized (empty before).</summary>
    public Dictionary<string, long> RowCounts { get; init; } = [];
    /// <summary>Aggregate segments readers of the latest snapshot merge.</summary>
    public int Segments { get; init; }
    public IReadOnlyList<FeatureSnapshotSummary> Snapshots { get; init; } = [];
}

public sealed record FeatureSnapshotSummary(string SnapshotId, DateTimeOffset Cutoff, DateTimeOffset CreatedAt, string Mode, long EventsUsed, double Seconds);

/// <summary>Options for one refresh.</summary>
public sealed record FeatureRefreshRequest
{
    /// <summary>Point-in-time cutoff (default: now).</summary>
    public DateTimeOffset? Cutoff { get; init; }
    /// <summary>Ignore the previous state and read every batch.</summary>
    public bool Full { get; init; }
    /// <summary>Return the latest snapshot as is when the event log and catalogue hold nothing it does not cover.</summary>
    public bool ReuseWhenUpToDate { get; init; }
    /// <summary>Merge the carried segments into one even before <see cref="FeatureStoreOptions.CompactAfterSegments"/> is reached.</summary>
    public bool Compact { get; init; }
    /// <summary>Who asked (orchestration instance id or user), recorded nowhere but logs; kept for symmetry with the registry.</summary>
    public string? RequestedBy { get; init; }
}
