using System.Diagnostics;

namespace MLOps.Core.Ingest;

/// <summary>
/// What an import tells its progress bar, at most every 200 ms: rows so far, the share of the input the validator has
/// consumed (the reader thread runs ahead of it: its position reached 100 % at 86,016 of ml-latest-small's 100,836 rows)
/// and, while blobs are written, how many of how many (writing ml-latest-small's 4,110 day blobs takes most of its import).
/// The fraction stays below 1 until the import is done.
/// </summary>
internal sealed class IngestProgressReporter(IProgress<IngestProgress>? progress, long totalBytes)
{
    private readonly Lock _gate = new();
    private long _lastReport = Stopwatch.GetTimestamp();
    private long _consumedBytes, _rows, _accepted;

    /// <summary>The validator has finished every row up to this input position.</summary>
    public void Consumed(long bytes) => Volatile.Write(ref _consumedBytes, bytes);

    public void Rows(long rows, long accepted)
    {
        _rows = rows;
        _accepted = accepted;
        if (Due()) Report(0, 0);
    }

    /// <summary>Blobs written so far of one flush (called from the flush's parallel writers).</summary>
    public void Writing(int written, int of)
    {
        if (Due()) Report(written, of);
    }

    public void Done(long rows, long accepted) => progress?.Report(new IngestProgress(rows, accepted, rows - accepted, 1));

    private bool Due() => progress is not null && Stopwatch.GetElapsedTime(Volatile.Read(ref _lastReport)).TotalMilliseconds > 200;

    private void Report(int written, int of)
    {
        lock (_gate)
        {
            if (!Due()) return;
            Volatile.Write(ref _lastReport, Stopwatch.GetTimestamp());
            var fraction = totalBytes > 0 ? Math.Min(0.99, (double)Volatile.Read(ref _consumedBytes) / totalBytes) : 0;
            progress!.Report(new IngestProgress(_rows, _accepted, _rows - _accepted, fraction) { BlobsWritten = written, BlobsToWrite = of });
        }
    }
}
