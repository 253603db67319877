namespace MLOps.Core.Ingest;

/// <summary>
/// An import stopped by its cancellation token (Ctrl+C) before it committed its batch. The message is the one line to
/// show: what had been read, that nothing of it is half-written, and that running the same import again finishes it.
/// Nothing is half-written because an event batch's blobs stay hidden behind its unfinished marker until its manifest
/// commits it (a rerun rewrites them), and a catalogue batch writes nothing until it has read every row.
/// Stopped while still checking for an earlier import of the batch (<paramref name="stillChecking"/>), it does not know
/// whether an earlier run committed the batch, so it says only what is true either way: this run imported nothing.
/// </summary>
public sealed class ImportInterruptedException(string kind, string source, string batch, long rowsRead, long accepted, long quarantined,
    CancellationToken cancellationToken, Exception? inner = null, bool stillChecking = false)
    : OperationCanceledException(Describe(kind, source, batch, rowsRead, accepted, quarantined, stillChecking), inner, cancellationToken)
{
    /// <summary><c>events</c> or <c>catalog</c>, as <see cref="IngestResult.Kind"/>.</summary>
    public string Kind { get; } = kind;
    /// <summary>What was read, as <see cref="IngestResult.Source"/> (<c>csv:ratings.csv</c>).</summary>
    public string SourceName { get; } = source;
    public string Batch { get; } = batch;
    /// <summary>Rows validated before the stop; always <see cref="Accepted"/> + <see cref="Quarantined"/>.</summary>
    public long RowsRead { get; } = rowsRead;
    public long Accepted { get; } = accepted;
    public long Quarantined { get; } = quarantined;
    /// <summary>Stopped before the import knew whether an earlier run had committed the batch (no row read yet).</summary>
    public bool StillChecking { get; } = stillChecking;

    /// <summary>
    /// The message's first part: what was read, and that the batch is not committed so nothing is half-written. A caller
    /// that runs the import as one step of more (<c>mlops demo</c>) says this and its own way to resume.
    /// </summary>
    public string WhatItLeft => Left(Kind, SourceName, Batch, RowsRead, Accepted, Quarantined, StillChecking);

    private static string Describe(string kind, string source, string batch, long rows, long accepted, long quarantined, bool stillChecking) =>
        Left(kind, source, batch, rows, accepted, quarantined, stillChecking) + " " + (stillChecking
            ? "Run the same command again: it finds the batch already imported, or imports it."
            : kind == "events"
            ? "Run the same command again to finish: it imports the file afresh, and events other imports already stored are skipped."
            : "Run the same command again to import it.");

    private static string Left(string kind, string source, string batch, long rows, long accepted, long quarantined, bool stillChecking) => stillChecking
        ? $"{source} stopped before reading any rows, while checking whether batch {batch} was already imported: this run imported nothing."
        : $"{source} stopped after {rows:N0} rows ({accepted:N0} accepted, {quarantined:N0} quarantined); batch {batch} was not committed, so nothing is half-written: "
        + (kind == "events" ? "its blobs stay hidden until a run commits them." : "the catalogue is unchanged.");
}

/// <summary>
/// The rows of an import under way whose verdict is in: the import's own count, and what an interruption reports
/// (<see cref="ImportInterruptedException"/>).
/// </summary>
internal sealed class ImportTally
{
    public long Rows { get; private set; }
    public long Accepted { get; private set; }
    /// <summary>Whether the import has found no earlier commit of its batch; until then a stop cannot say the batch is uncommitted.</summary>
    public bool Checked { get; private set; }

    public void FoundNoEarlierImport() => Checked = true;

    public void Add(bool accepted)
    {
        Rows++;
        if (accepted) Accepted++;
    }

    /// <summary>Every row with a verdict that is not accepted is quarantined.</summary>
    public long Quarantined => Rows - Accepted;
}
