namespace MLOps.Core.Ingest;

/// <summary>Why a row was rejected: the field it concerns, a stable reason code and a readable message.</summary>
public sealed record RowProblem(string Field, string Reason, string Message)
{
    /// <summary>The key quarantine summaries group by: <c>field:reason</c>, e.g. <c>rating:out_of_scale</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => $"{Field}:{Reason}";

    /// <summary>
    /// The tail of a duplicate's message naming the row it repeats (<c>: duplicate of line 17</c>), so the two can be
    /// compared without searching the file; empty when that row has no line (0: not from a file).
    /// </summary>
    public static string DuplicateOf(long firstLine) => firstLine > 0 ? $": duplicate of line {firstLine}" : "";
}

/// <summary>The reason codes of rejected rows (docs/data.md lists each with its rule).</summary>
public static class Reasons
{
    public const string UnparseableLine = "unparseable_line";
    public const string Missing = "missing";
    public const string Invalid = "invalid";
    public const string Unparseable = "unparseable";
    public const string InFuture = "in_future";
    public const string Before1990 = "before_1990";
    public const string OutOfScale = "out_of_scale";
    public const string Negative = "negative";
    public const string OutOfRange = "out_of_range";
    public const string UnknownValue = "unknown_value";
    public const string Duplicate = "duplicate";
    /// <summary>A JSON row gave the field twice with different values (<see cref="RawEvent.Set"/>).</summary>
    public const string Ambiguous = "ambiguous";
    /// <summary>Another batch stored this event id on the same day (<see cref="EarlierEventIds"/>).</summary>
    public const string AlreadyImported = "already_imported";
}

/// <summary>One rejected row as stored in <c>quarantine/&lt;batch&gt;.ndjson</c>.</summary>
public sealed record QuarantinedRow
{
    public required string Batch { get; init; }
    public required string Source { get; init; }
    /// <summary><c>event</c> or <c>catalog</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>1-based line number in the source file (0 when the row did not come from a file).</summary>
    public required long Line { get; init; }
    /// <summary>The row as text: the file's bytes decoded as UTF-8, bytes that are not UTF-8 read as U+FFFD.</summary>
    public required string Raw { get; init; }
    /// <summary>
    /// The row's exact bytes, present only when <see cref="Raw"/> is not a faithful decoding of them (bytes that are not
    /// UTF-8): two rows whose different bad bytes both read as U+FFFD stay apart, and the original can be recovered.
    /// Stored as base64 (<c>rawBase64</c>); absent for every row whose text is the row.
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("rawBase64")]
    public byte[]? RawBytes { get; init; }
    public required IReadOnlyList<RowProblem> Reasons { get; init; }
}
