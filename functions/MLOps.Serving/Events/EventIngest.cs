using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Core.Http;
using MLOps.Core.Ingest;
using MLOps.Storage;

namespace MLOps.Serving.Events;

/// <summary>One rejected row: its position in the batch, the field at fault and why.</summary>
/// <param name="Index">0-based: the row is <c>events[index]</c>.</param>
public sealed record RowError(int Index, string Field, string Reason, string Message)
{
    /// <summary>
    /// 1-based, <see cref="Index"/> + 1: the number the quarantine stores as the row's <c>line</c> and messages name
    /// (<c>duplicate of line 1</c>), so a message's line is found among the errors by this field, not by <c>index</c>.
    /// </summary>
    public int Line => Index + 1;
}

public sealed record EventsAccepted(long Accepted, long Quarantined, string Batch, bool AlreadyImported, IReadOnlyList<RowError> Errors);

/// <summary>The request as a whole is unusable (not JSON, no events array, too many rows): a 400 naming the field.</summary>
public sealed class BatchRejectedException(string field, string reason) : Exception(reason)
{
    public string Field { get; } = field;
}

/// <summary>
/// POST /api/events: parses a batch (a JSON array, or <c>{"events":[...]}</c>) into raw rows exactly as the NDJSON
/// importer does, then hands them to the importers' <see cref="EventIngestor"/> — same <see cref="EventValidator"/>,
/// same day partitions, same quarantine, same content-derived batch id (a retried POST changes nothing). The
/// response is sent only after the ingestor has written every blob.
/// </summary>
public sealed class EventIngest(IBlobStore store, TimeProvider time)
{
    private static readonly Dictionary<string, string> PropertyToField = BuildPropertyMap();

    /// <param name="committing">
    /// Told the batch id before anything is written: a host that serves these events registers its own manifest first, so a
    /// data check that reads the store between the commit and the host's <c>Append</c> does not take it for another's.
    /// </param>
    public async Task<(EventsAccepted Result, IReadOnlyList<ViewingEvent> Accepted)> IngestAsync(ReadOnlyMemory<byte> body, int maxEvents, CancellationToken cancellationToken,
        Action<string>? committing = null)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(ByteOrderMark.Skip(body), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException ex) { throw new BatchRejectedException("body", $"The body is not valid JSON: {ex.Message.Split('.')[0]}."); }
        using var _ = document;
        var root = document.RootElement;
        JsonElement array;
        if (root.ValueKind == JsonValueKind.Array) array = root;
        else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array) array = events;
        else throw new BatchRejectedException("events", "Send a JSON array of events, or an object with an 'events' array.");
        var count = array.GetArrayLength();
        if (count == 0) throw new BatchRejectedException("events", "The batch holds no events.");
        if (count > maxEvents) throw new BatchRejectedException("events", $"At most {maxEvents} events per batch; got {count}.");

        var rows = new List<RawEvent>(count);
        var line = 0;
        foreach (var element in array.EnumerateArray()) rows.Add(ToRaw(++line, element));

        // The same validator the ingestor runs, once more here, to tell the caller which row failed on which field.
        var validator = new EventValidator(new ValidationOptions(), time.GetUtcNow());
        var problems = new List<RowProblem>();
        var accepted = new List<ViewingEvent>(count);
        var errors = new List<RowError>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (validator.Validate(rows[i], problems) is { } e) accepted.Add(e);
            else errors.AddRange(problems.Select(p => new RowError(i, p.Field, p.Reason, p.Message)));
        }

        var source = EventSources.Rows("api", rows);
        committing?.Invoke(source.BatchId);
        var result = await new EventIngestor(store, time) { CheckEarlierBatches = false }.IngestAsync(source, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (new EventsAccepted(result.Accepted, result.Quarantined, result.Batch, result.AlreadyImported, errors.Take(100).ToList()),
            result.AlreadyImported ? [] : accepted);
    }

    /// <summary>A JSON row as the NDJSON importer reads it: known property names (and their aliases) to text fields.</summary>
    public static RawEvent ToRaw(long line, JsonElement element)
    {
        // The whole row: the batch id hashes it (a clipped row let two different batches share an id, and the second was
        // taken for a repeat) and quarantine keeps it as sent. The body limit (MaxBodyBytes) bounds its size.
        var row = new RawEvent { Line = line, Raw = JsonFieldText.RawText(element) };
        if (element.ValueKind != JsonValueKind.Object)
        {
            row.ParseError = "the row is JSON but not an object.";
            return row;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (!PropertyToField.TryGetValue(property.Name, out var field)) continue;
            row.Set(field, JsonFieldText.Of(property.Value), property.Name);
        }
        return row;
    }

    private static Dictionary<string, string> BuildPropertyMap()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (field, names) in ColumnMap.Fields)
        {
            map.TryAdd(field, field);
            foreach (var n in names) map.TryAdd(n, field);
        }
        return map;
    }
}
