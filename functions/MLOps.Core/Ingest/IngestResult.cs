namespace MLOps.Core.Ingest;

/// <summary>
/// The outcome of one import batch, also stored as its manifest <c>imports/&lt;batch&gt;.json</c>.
/// Always <c>RowsRead = Accepted + Quarantined</c>.
/// </summary>
public sealed record IngestResult
{
    public required string Batch { get; init; }
    /// <summary><c>events</c> or <c>catalog</c>.</summary>
    public required string Kind { get; init; }
    public required string Source { get; init; }
    public required long RowsRead { get; init; }
    public required long Accepted { get; init; }
    public required long Quarantined { get; init; }
    /// <summary>Quarantined rows per <c>field:reason</c>.</summary>
    public IReadOnlyDictionary<string, long> Reasons { get; init; } = new Dictionary<string, long>();
    /// <summary>Day partitions written (events) and the accepted events' time range.</summary>
    public int Days { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public int BlobsWritten { get; init; }
    public double Seconds { get; init; }
    public DateTimeOffset ImportedAt { get; init; }
    /// <summary>True when this batch had been imported before and nothing was written this time.</summary>
    public bool AlreadyImported { get; init; }
}

/// <summary>
/// Progress of a running import: rows so far and the fraction of the input validated (0 when unknown; 1 only when
/// done); while blobs are written, how many of how many (<see cref="BlobsToWrite"/> is 0 otherwise).
/// </summary>
public readonly record struct IngestProgress(long Rows, long Accepted, long Quarantined, double Fraction)
{
    public int BlobsWritten { get; init; }
    public int BlobsToWrite { get; init; }
}
