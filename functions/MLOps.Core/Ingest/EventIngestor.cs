using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Core.Ingest;

/// <summary>
/// Validates a stream of raw events and writes the accepted ones to <c>events/dt=YYYY-MM-DD/&lt;batch&gt;.ndjson</c>
/// and the rejected ones, with line, raw text and reasons, to <c>quarantine/&lt;batch&gt;.ndjson</c>.
/// Memory stays bounded: buffered day partitions are flushed as numbered parts (<c>&lt;batch&gt;-1.ndjson</c>, ...)
/// whenever they pass <see cref="BufferBytes"/>. The batch manifest <c>imports/&lt;batch&gt;.json</c> is written last
/// and commits the batch: re-importing the same content is then a no-op, and until then readers hide the batch's blobs
/// (<see cref="UnfinishedImports"/>). A killed import run again rewrites its blobs from scratch, deleting those the new
/// run does not write: its verdicts, hence its part boundaries, may differ (the clock moved, other batches committed).
/// </summary>
public sealed class EventIngestor(IBlobStore store, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How many bytes of serialized events are held before they are flushed as parts.</summary>
    public long BufferBytes { get; init; } = 64L << 20;

    /// <summary>Write parallelism of the flush (blobs per day are independent).</summary>
    public int WriteConcurrency { get; init; } = 16;

    /// <summary>
    /// Whether accepted events are checked against the ids other batches stored on the same days (<see cref="EarlierEventIds"/>):
    /// on for imports; the HTTP events API turns it off, since reading today's partition on every POST would cost
    /// O(day) per request (a retried POST is still a no-op by its batch id).
    /// </summary>
    public bool CheckEarlierBatches { get; init; } = true;

    /// <summary>How long the import lease (<see cref="ImportLease"/>, taken with <see cref="CheckEarlierBatches"/>) lives without renewal.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Told once when another import holds the lease and this one waits for it.</summary>
    public Action<ImportLease.Holder>? WaitingForLease { get; init; }

    public async Task<IngestResult> IngestAsync(EventSource source, IProgress<IngestProgress>? progress = null,
        ValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var batch = source.BatchId;
        // A source refused for its header or column map is bad input, not a killed import: refused before the lease and
        // the unfinished-import marker, it writes nothing (data stats would list a marker as an import to run again).
        source.CheckColumns();
        var tally = new ImportTally();
        try
        {
            return await IngestBatchAsync(source, batch, tally, progress, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested && e is not ImportInterruptedException)
        {
            throw new ImportInterruptedException("events", source.Name, batch, tally.Rows, tally.Accepted, tally.Quarantined, cancellationToken, e, stillChecking: !tally.Checked);
        }
    }

    private async Task<IngestResult> IngestBatchAsync(EventSource source, string batch, ImportTally tally, IProgress<IngestProgress>? progress,
        ValidationOptions? options, CancellationToken cancellationToken)
    {
        // Imports checked against earlier batches run one at a time: the check and the writes it guards are not atomic.
        // Taken before the manifest lookup, so the second of two imports of one file finds the first's manifest.
        await using var lease = CheckEarlierBatches
            ? await ImportLease.AcquireAsync(store, batch, LeaseDuration, WaitingForLease, cancellationToken).ConfigureAwait(false) : null;
        if (await FindImportedAsync(store, batch, source.EarlierBatchIds, cancellationToken).ConfigureAwait(false) is { } existing)
            return existing;
        tally.FoundNoEarlierImport();

        var clock = Stopwatch.StartNew();
        var now = _time.GetUtcNow();
        var rerun = await UnfinishedImports.BeginAsync(store, new UnfinishedImports.Marker(batch, source.Name, now, Environment.MachineName, Environment.ProcessId),
            cancellationToken).ConfigureAwait(false);
        // An import (or an older build's, which left no marker) may have been killed after writing some of this batch's
        // blobs; one listing of events/ finds them and the other batches to check for duplicates.
        var eventBlobs = rerun || CheckEarlierBatches ? await Data.EventLog.ListAllBatchesAsync(store, cancellationToken).ConfigureAwait(false) : [];
        var leftovers = rerun || CheckEarlierBatches ? await BatchBlobs.ListAsync(store, batch, eventBlobs, cancellationToken).ConfigureAwait(false) : [];
        var earlier = CheckEarlierBatches
            ? EarlierEventIds.Of(store, batch, Data.EventLog.Committed(eventBlobs, await UnfinishedImports.ListAsync(store, cancellationToken).ConfigureAwait(false)))
            : EarlierEventIds.None(store);
        var validator = new EventValidator(options ?? new ValidationOptions { RatingScale = source.Scale }, now);
        var days = new Dictionary<DateOnly, DayBuffer>();
        var quarantine = new QuarantineWriter(store, batch, source.Name, "event");
        var problems = new List<RowProblem>();
        var scratch = new ArrayBufferWriter<byte>(512);
        using var json = new Utf8JsonWriter(scratch, new JsonWriterOptions { SkipValidation = true });
        long buffered = 0;
        DateTimeOffset? from = null, to = null;
        var blobs = 0;
        var daysWritten = new HashSet<DateOnly>();
        var pathsWritten = new HashSet<string>(StringComparer.Ordinal);
        var report = new IngestProgressReporter(progress, source.TotalBytes);

        await foreach (var raw in ReadAhead(source, report, cancellationToken).ConfigureAwait(false))
        {
            var e = validator.Validate(raw, problems);
            if (e is not null && await earlier.FindAsync(DayOf(e), e.EventId, cancellationToken).ConfigureAwait(false) is { } storedBy)
            {
                problems.Add(new RowProblem("eventId", Reasons.AlreadyImported, $"event id '{e.EventId}' was already imported {storedBy.Describe(DayOf(e))}."));
                e = null;
            }
            tally.Add(accepted: e is not null); // the verdict is in: counted before any await an interruption can stop
            if (e is null)
            {
                quarantine.Add(raw.Line, raw.Raw, problems, rawBytes: raw.RawBytes);
                if (quarantine.BufferedBytes > BufferBytes / 4) blobs += await quarantine.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (from is null || e.Timestamp < from) from = e.Timestamp;
                if (to is null || e.Timestamp > to) to = e.Timestamp;
                var day = DayOf(e);
                if (!days.TryGetValue(day, out var buffer)) days[day] = buffer = new DayBuffer();
                scratch.ResetWrittenCount();
                json.Reset();
                WriteEvent(json, e);
                json.Flush();
                buffer.Append(scratch.WrittenSpan);
                buffered += scratch.WrittenCount + 1;
                if (buffered > BufferBytes)
                {
                    report.Rows(tally.Rows, tally.Accepted);
                    blobs += await FlushDaysAsync(batch, days, daysWritten, pathsWritten, report, cancellationToken).ConfigureAwait(false);
                    buffered = 0;
                }
            }
            if ((tally.Rows & 0xFFF) == 0) report.Rows(tally.Rows, tally.Accepted);
        }
        report.Rows(tally.Rows, tally.Accepted);
        blobs += await FlushDaysAsync(batch, days, daysWritten, pathsWritten, report, cancellationToken).ConfigureAwait(false);
        blobs += await quarantine.FlushAsync(cancellationToken).ConfigureAwait(false);
        pathsWritten.UnionWith(quarantine.PathsWritten);
        await BatchBlobs.DeleteAsync(store, leftovers.Where(path => !pathsWritten.Contains(path)), cancellationToken).ConfigureAwait(false);
        report.Done(tally.Rows, tally.Accepted);

        var result = new IngestResult
        {
            Batch = batch,
            Kind = "events",
            Source = source.Name,
            RowsRead = tally.Rows,
            Accepted = tally.Accepted,
            Quarantined = quarantine.Count,
            Reasons = quarantine.Reasons,
            Days = daysWritten.Count,
            From = from,
            To = to,
            BlobsWritten = blobs,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            ImportedAt = now,
        };
        // Stopped before this point the batch is not committed; past it, it is: the manifest and the marker's removal are not
        // cancelled half-way, so an interruption never reports "not committed" for a batch that is.
        cancellationToken.ThrowIfCancellationRequested();
        var committed = await CommitAsync(store, result, CancellationToken.None).ConfigureAwait(false);
        await UnfinishedImports.EndAsync(store, batch, CancellationToken.None).ConfigureAwait(false);
        return committed;
    }

    /// <summary>
    /// Reads and splits rows on another thread, a few thousand at a time, while this one validates and serializes:
    /// the two halves of the work run on two cores.
    /// </summary>
    private static async IAsyncEnumerable<RawEvent> ReadAhead(EventSource source, IngestProgressReporter report,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Each chunk carries the input position after its last row: progress counts what was consumed, not read ahead.
        var channel = System.Threading.Channels.Channel.CreateBounded<(List<RawEvent> Rows, long BytesAfter)>(new System.Threading.Channels.BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                var chunk = new List<RawEvent>(4096);
                foreach (var row in source.ReadRows(cancellationToken))
                {
                    chunk.Add(row);
                    if (chunk.Count == 4096)
                    {
                        await channel.Writer.WriteAsync((chunk, source.BytesRead), cancellationToken).ConfigureAwait(false);
                        chunk = new List<RawEvent>(4096);
                    }
                }
                if (chunk.Count > 0) await channel.Writer.WriteAsync((chunk, source.BytesRead), cancellationToken).ConfigureAwait(false);
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, cancellationToken);
        await foreach (var (chunk, bytesAfter) in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var row in chunk) yield return row;
            report.Consumed(bytesAfter);
        }
        await producer.ConfigureAwait(false);
    }

    /// <summary>The manifest of an earlier import of <paramref name="batch"/>, or null.</summary>
    public static async Task<IngestResult?> ReadManifestAsync(IBlobStore store, string batch, CancellationToken cancellationToken = default) =>
        await store.ReadJsonAsync<IngestResult>(StoreLayout.ImportManifest(batch), cancellationToken: cancellationToken).ConfigureAwait(false) is { } found
            ? found.Value : null;

    /// <summary>
    /// The earlier import of this input, marked already imported: under <paramref name="batch"/>, or under an id an older
    /// build gave the same files (<see cref="BatchIds.ForFilesWithEarlier"/>); null when it was never imported.
    /// </summary>
    internal static async Task<IngestResult?> FindImportedAsync(IBlobStore store, string batch, IReadOnlyList<string> earlierBatchIds, CancellationToken cancellationToken)
    {
        foreach (var id in earlierBatchIds.Prepend(batch))
            if (await ReadManifestAsync(store, id, cancellationToken).ConfigureAwait(false) is { } existing)
                return existing with { AlreadyImported = true };
        return null;
    }

    /// <summary>
    /// Commits the import with its manifest (create-only). When an identical import running at the same time committed
    /// first (two clients posting the same batch at once), returns that one's manifest marked already imported: both
    /// stored the same blobs, and only the first may say it imported them.
    /// </summary>
    internal static async Task<IngestResult> CommitAsync(IBlobStore store, IngestResult result, CancellationToken cancellationToken)
    {
        if (await store.TryCreateAsync(StoreLayout.ImportManifest(result.Batch),
                BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(result, StoreJson.Indented)), cancellationToken).ConfigureAwait(false))
            return result;
        return (await ReadManifestAsync(store, result.Batch, cancellationToken).ConfigureAwait(false) ?? result) with { AlreadyImported = true };
    }

    /// <summary>The same JSON <see cref="JsonSerializer"/> writes for a <see cref="ViewingEvent"/> under <see cref="StoreJson.Options"/>, faster.</summary>
    internal static void WriteEvent(Utf8JsonWriter w, ViewingEvent e)
    {
        w.WriteStartObject();
        w.WriteString("eventId"u8, e.EventId);
        w.WriteString("userId"u8, e.UserId);
        w.WriteString("contentId"u8, e.ContentId);
        w.WriteString("timestamp"u8, e.Timestamp);
        w.WriteString("eventType"u8, EventTypeName(e.EventType));
        if (e.ViewSeconds is { } v) WriteNumber(w, "viewSeconds"u8, v);
        if (e.Rating is { } r) WriteNumber(w, "rating"u8, r);
        if (e.RatingScaleMax is { } m) WriteNumber(w, "ratingScaleMax"u8, m);
        if (e.Device is { } d) w.WriteString("device"u8, d);
        if (e.Country is { } c) w.WriteString("country"u8, c);
        if (e.Experiment is { } x) w.WriteString("experiment"u8, x);
        if (e.Variant is { } y) w.WriteString("variant"u8, y);
        if (e.Score is { } s) w.WriteNumber("score"u8, s);
        if (e.Model is { } model) w.WriteString("model"u8, model);
        w.WriteEndObject();
    }

    /// <summary>Whole numbers (most view times and ratings) as integers: the same text, a fraction of the formatting cost.</summary>
    private static void WriteNumber(Utf8JsonWriter w, ReadOnlySpan<byte> name, double value)
    {
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15) w.WriteNumber(name, (long)value);
        else w.WriteNumber(name, value);
    }

    private static string EventTypeName(EventType type) => type switch
    {
        EventType.Play => "play",
        EventType.Rate => "rate",
        EventType.Impression => "impression",
        EventType.Click => "click",
        EventType.Search => "search",
        EventType.Exposure => "exposure",
        _ => JsonNamingPolicy.CamelCase.ConvertName(type.ToString()),
    };

    private static DateOnly DayOf(ViewingEvent e) => DateOnly.FromDateTime(e.Timestamp.UtcDateTime);

    private async Task<int> FlushDaysAsync(string batch, Dictionary<DateOnly, DayBuffer> days, HashSet<DateOnly> daysWritten, HashSet<string> pathsWritten,
        IngestProgressReporter report, CancellationToken cancellationToken)
    {
        var pending = days.Where(d => d.Value.Length > 0).OrderBy(d => d.Key)
            .Select(d => (Day: d.Key, Buffer: d.Value, Path: StoreLayout.EventBatch(d.Key, d.Value.Parts == 0 ? batch : $"{batch}-{d.Value.Parts}"))).ToList();
        var written = 0;
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken },
            // Overwrite: a part a killed run of this batch left may hold other rows (its verdicts and boundaries may differ).
            async (part, ct) =>
            {
                await store.WriteAsync(part.Path, new BinaryData(part.Buffer.WrittenMemory), WriteCondition.None, ct).ConfigureAwait(false);
                report.Writing(Interlocked.Increment(ref written), pending.Count);
            }).ConfigureAwait(false);
        foreach (var (day, buffer, path) in pending)
        {
            buffer.Parts++;
            buffer.Clear();
            daysWritten.Add(day);
            pathsWritten.Add(path);
        }
        return pending.Count;
    }

    private sealed class DayBuffer
    {
        private readonly ArrayBufferWriter<byte> _bytes = new(1 << 12);
        public int Parts;
        public int Length => _bytes.WrittenCount;
        public ReadOnlyMemory<byte> WrittenMemory => _bytes.WrittenMemory;

        public void Append(ReadOnlySpan<byte> line)
        {
            var span = _bytes.GetSpan(line.Length + 1);
            line.CopyTo(span);
            span[line.Length] = (byte)'\n';
            _bytes.Advance(line.Length + 1);
        }

        public void Clear() => _bytes.Clear();
    }
}

/// <summary>Buffers quarantined rows of one batch and writes them to <c>quarantine/&lt;batch&gt;[-part].ndjson</c>.</summary>
internal sealed class QuarantineWriter(IBlobStore store, string batch, string source, string kind)
{
    private readonly MemoryStream _buffer = new();
    private readonly Dictionary<string, long> _reasons = new(StringComparer.Ordinal);
    private readonly List<string> _paths = [];

    public long Count { get; private set; }
    /// <summary>The quarantine blobs written so far (a rerun of a killed batch deletes those of its own it did not write again).</summary>
    public IReadOnlyList<string> PathsWritten => _paths;
    public long BufferedBytes => _buffer.Length;
    public IReadOnlyDictionary<string, long> Reasons => new SortedDictionary<string, long>(_reasons, StringComparer.Ordinal);

    /// <summary>Quarantines one row; <paramref name="rowSource"/> names its file when it is not the source's main one, <paramref name="rawBytes"/> keeps bytes that <paramref name="raw"/> cannot.</summary>
    public void Add(long line, string raw, IReadOnlyList<RowProblem> problems, string? rowSource = null, byte[]? rawBytes = null)
    {
        Count++;
        foreach (var key in problems.Select(p => p.Key).Distinct())
            _reasons[key] = _reasons.GetValueOrDefault(key) + 1;
        var row = new QuarantinedRow { Batch = batch, Source = rowSource ?? source, Kind = kind, Line = line, Raw = raw, RawBytes = rawBytes, Reasons = [.. problems] };
        JsonSerializer.Serialize(_buffer, row, StoreJson.Options);
        _buffer.WriteByte((byte)'\n');
    }

    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Length == 0) return 0;
        var path = StoreLayout.QuarantineBatch(_paths.Count == 0 ? batch : $"{batch}-{_paths.Count}");
        // Overwrite: a killed run of this batch may have quarantined other rows (see EventIngestor).
        await store.WriteAsync(path, new BinaryData(_buffer.ToArray()), WriteCondition.None, cancellationToken).ConfigureAwait(false);
        _paths.Add(path);
        _buffer.SetLength(0);
        return 1;
    }
}
