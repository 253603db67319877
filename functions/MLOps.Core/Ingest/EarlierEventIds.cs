using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Core.Ingest;

/// <summary>
/// The event ids other batches already stored, so a batch does not store an event twice (a daily log re-exported with
/// one more day, the same file saved with other line ends: new batch ids, old events). An event lives in its own day's
/// partition, so only the days this batch writes to are read, each once, the first time the batch reaches it; days no
/// other batch wrote cost nothing past one listing. Ids are held as 64-bit XxHash3 values, as the validator holds the
/// batch's own.
/// </summary>
internal sealed class EarlierEventIds
{
    private readonly IBlobStore _store;
    private readonly Dictionary<DateOnly, List<string>> _otherBlobsByDay;
    private readonly Dictionary<DateOnly, Dictionary<ulong, StoredEvent>> _loaded = [];

    private EarlierEventIds(IBlobStore store, Dictionary<DateOnly, List<string>> otherBlobsByDay)
    {
        _store = store;
        _otherBlobsByDay = otherBlobsByDay;
    }

    /// <summary>Checks nothing: every lookup answers "not stored".</summary>
    public static EarlierEventIds None(IBlobStore store) => new(store, []);

    /// <summary>
    /// The event blobs of every committed batch (<paramref name="committed"/>, from <see cref="EventLog.Committed"/>) but
    /// <paramref name="batch"/> (whose own parts a crashed run may have left: running it again must not take them for an
    /// earlier import).
    /// </summary>
    public static EarlierEventIds Of(IBlobStore store, string batch, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> committed)
    {
        var byDay = new Dictionary<DateOnly, List<string>>();
        foreach (var (day, blob) in committed)
        {
            if (StoreLayout.BatchOfBlob(blob.Path) == batch) continue;
            if (!byDay.TryGetValue(day, out var paths)) byDay[day] = paths = [];
            paths.Add(blob.Path);
        }
        return new EarlierEventIds(store, byDay);
    }

    /// <summary>Where another batch stored <paramref name="eventId"/> on <paramref name="day"/>, or null.</summary>
    public async ValueTask<StoredEvent?> FindAsync(DateOnly day, string eventId, CancellationToken cancellationToken)
    {
        if (!_otherBlobsByDay.ContainsKey(day)) return null;
        if (!_loaded.TryGetValue(day, out var ids)) _loaded[day] = ids = await LoadDayAsync(day, cancellationToken).ConfigureAwait(false);
        return ids.TryGetValue(Hash(eventId), out var stored) ? stored : null;
    }

    /// <summary>An event id as both checks hold it (this one and the validator's within the batch).</summary>
    internal static ulong Hash(string eventId) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(eventId.AsSpan()));

    private async Task<Dictionary<ulong, StoredEvent>> LoadDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<ulong, StoredEvent>();
        foreach (var path in _otherBlobsByDay[day])
        {
            var blob = await _store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            if (blob is null) continue; // removed since the listing (retention): nothing left to duplicate
            var bytes = blob.Data.ToMemory();
            var lineNumber = 0;
            while (!bytes.IsEmpty)
            {
                lineNumber++;
                var end = bytes.Span.IndexOf((byte)'\n');
                var line = end < 0 ? bytes.Span : bytes.Span[..end];
                bytes = end < 0 ? ReadOnlyMemory<byte>.Empty : bytes[(end + 1)..];
                if (line.IsEmpty) continue;
                var id = EventIdOf(line) ?? throw new InvalidDataException($"{path}:{lineNumber}: stored event has no eventId.");
                ids.TryAdd(Hash(id), new StoredEvent(path, lineNumber));
            }
        }
        return ids;
    }

    /// <summary>The <c>eventId</c> of one stored event line (written first, see <see cref="EventIngestor.WriteEvent"/>).</summary>
    private static string? EventIdOf(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("eventId"u8);
                reader.Read();
                if (isId) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException) { }
        return null;
    }
}

/// <summary>
/// Where an event is stored: the blob, hence the batch, and the blob's 1-based line that holds it (the line it had in the
/// batch's source file is not stored), so an <c>already_imported</c> row can be compared with the one it repeats. A struct
/// of two fields: a day's every stored id holds one.
/// </summary>
internal readonly record struct StoredEvent(string Path, int Line)
{
    /// <summary>The quarantine message's tail: <c>by batch B (day 2024-05-01): line 3 of events/dt=2024-05-01/B.ndjson</c>.</summary>
    public string Describe(DateOnly day) => $"by batch {StoreLayout.BatchOfBlob(Path)} (day {day:yyyy-MM-dd}): line {Line} of {Path}";
}
