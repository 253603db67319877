using System.Globalization;
using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Serving.Events;

/// <summary>One rejected row: its position in the batch, the field at fault and why.</summary>
public sealed record RowError(int Index, string Field, string Reason);

public sealed record IngestResult(int Accepted, int Quarantined, string Batch, IReadOnlyList<RowError> Errors);

/// <summary>The request as a whole is unusable (not JSON, no events array, too many rows): a 400 naming the field.</summary>
public sealed class BatchRejectedException(string field, string reason) : Exception(reason)
{
    public string Field { get; } = field;
}

/// <summary>
/// POST /api/events: parses a batch (a JSON array, or <c>{"events":[...]}</c>), validates every row field by field,
/// writes accepted rows to their day partitions and rejected rows (with the reason) to quarantine, and only then
/// acknowledges. Nothing is dropped silently.
/// </summary>
public sealed class EventIngest(IBlobStore store, TimeProvider time)
{
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        "eventId", "userId", "contentId", "timestamp", "eventType", "viewSeconds", "rating", "ratingScaleMax", "device", "country", "experiment", "variant",
    };

    public async Task<(IngestResult Result, IReadOnlyList<ViewingEvent> Accepted)> IngestAsync(ReadOnlyMemory<byte> body, int maxEvents, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException ex) { throw new BatchRejectedException("body", $"The body is not valid JSON: {ex.Message}"); }
        using var _ = document;
        var root = document.RootElement;
        JsonElement rows;
        if (root.ValueKind == JsonValueKind.Array) rows = root;
        else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array) rows = events;
        else throw new BatchRejectedException("events", "Send a JSON array of events, or an object with an 'events' array.");
        var count = rows.GetArrayLength();
        if (count == 0) throw new BatchRejectedException("events", "The batch holds no events.");
        if (count > maxEvents) throw new BatchRejectedException("events", $"At most {maxEvents} events per batch; got {count}.");

        var now = time.GetUtcNow();
        var batch = $"api-{now:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..32];
        var accepted = new List<ViewingEvent>(count);
        var errors = new List<RowError>();
        var quarantine = new StringBuilder();
        var index = 0;
        foreach (var row in rows.EnumerateArray())
        {
            if (Validate(row, index, batch, now, out var e) is { } error)
            {
                errors.Add(error);
                quarantine.Append(JsonSerializer.Serialize(new { batch, index, field = error.Field, reason = error.Reason, row = Truncate(row.GetRawText()) }, StoreJson.Options)).Append('\n');
            }
            else accepted.Add(e!);
            index++;
        }

        foreach (var day in accepted.GroupBy(e => DateOnly.FromDateTime(e.Timestamp.UtcDateTime)))
        {
            var text = new StringBuilder();
            foreach (var e in day) text.Append(JsonSerializer.Serialize(e, StoreJson.Options)).Append('\n');
            await store.WriteTextAsync(StoreLayout.EventBatch(day.Key, batch), text.ToString(), WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
        }
        if (quarantine.Length > 0)
            await store.WriteTextAsync(StoreLayout.QuarantineBatch(batch), quarantine.ToString(), WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
        return (new IngestResult(accepted.Count, errors.Count, batch, errors.Take(100).ToList()), accepted);
    }

    private static string Truncate(string raw) => raw.Length <= 2000 ? raw : raw[..2000];

    /// <summary>Null when the row is a valid event (then in <paramref name="e"/>), else the first problem found.</summary>
    public static RowError? Validate(JsonElement row, int index, string batch, DateTimeOffset now, out ViewingEvent? e)
    {
        e = null;
        if (row.ValueKind != JsonValueKind.Object) return new(index, "event", "Each event must be a JSON object.");
        foreach (var property in row.EnumerateObject())
            if (!Known.Contains(property.Name)) return new(index, property.Name.Length > 64 ? property.Name[..64] : property.Name, "Unknown field.");

        if (Text(row, "userId", index, required: true, out var userId) is { } e1) return e1;
        if (Text(row, "contentId", index, required: true, out var contentId) is { } e2) return e2;
        if (Text(row, "eventId", index, required: false, out var eventId) is { } e3) return e3;
        if (Text(row, "device", index, required: false, out var device) is { } e4) return e4;
        if (Text(row, "country", index, required: false, out var country) is { } e5) return e5;
        if (Text(row, "experiment", index, required: false, out var experiment) is { } e6) return e6;
        if (Text(row, "variant", index, required: false, out var variant) is { } e7) return e7;

        if (!row.TryGetProperty("timestamp", out var ts) || ts.ValueKind == JsonValueKind.Null) return new(index, "timestamp", "Required (ISO 8601 with offset, or unix seconds).");
        DateTimeOffset timestamp;
        if (ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var unix) && unix is > 0 and < 32503680000) timestamp = DateTimeOffset.FromUnixTimeSeconds(unix);
        else if (ts.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) timestamp = parsed.ToUniversalTime();
        else return new(index, "timestamp", "Not a timestamp (ISO 8601 with offset, or unix seconds).");
        if (timestamp > now.AddDays(1)) return new(index, "timestamp", "In the future.");
        if (timestamp.Year < 1990) return new(index, "timestamp", "Before 1990.");

        var type = EventType.Play;
        if (row.TryGetProperty("eventType", out var et) && et.ValueKind != JsonValueKind.Null)
            if (et.ValueKind != JsonValueKind.String || !Enum.TryParse(et.GetString(), ignoreCase: true, out type) || !Enum.IsDefined(type) || int.TryParse(et.GetString(), out _))
                return new(index, "eventType", $"One of {string.Join(", ", Enum.GetNames<EventType>().Select(n => n.ToLowerInvariant()))}.");

        if (Number(row, "viewSeconds", index, 0, 7 * 86400, out var viewSeconds) is { } n1) return n1;
        if (Number(row, "ratingScaleMax", index, 1, 100, out var scaleMax) is { } n2) return n2;
        if (Number(row, "rating", index, 0, scaleMax ?? 5, out var rating) is { } n3) return n3;
        if (rating is not null && scaleMax is null) scaleMax = 5;
        if (type == EventType.Rate && rating is null) return new(index, "rating", "Required for a rate event.");
        if (type == EventType.Exposure && (experiment is null || variant is null)) return new(index, experiment is null ? "experiment" : "variant", "Required for an exposure event.");

        e = new ViewingEvent
        {
            EventId = eventId ?? $"{batch}-{index}",
            UserId = userId!,
            ContentId = contentId!,
            Timestamp = timestamp,
            EventType = type,
            ViewSeconds = viewSeconds,
            Rating = rating,
            RatingScaleMax = scaleMax,
            Device = device,
            Country = country,
            Experiment = experiment,
            Variant = variant,
        };
        return null;
    }

    private static RowError? Text(JsonElement row, string field, int index, bool required, out string? value)
    {
        value = null;
        if (!row.TryGetProperty(field, out var p) || p.ValueKind == JsonValueKind.Null)
            return required ? new(index, field, "Required.") : null;
        if (p.ValueKind == JsonValueKind.Number && required) value = p.GetRawText(); // numeric ids (MovieLens) are fine
        else if (p.ValueKind != JsonValueKind.String) return new(index, field, "Must be a string.");
        else value = p.GetString();
        if (string.IsNullOrWhiteSpace(value)) return new(index, field, "Must not be empty.");
        if (value.Length > 128) return new(index, field, "Longer than 128 characters.");
        if (value.Any(char.IsControl)) return new(index, field, "Contains control characters.");
        value = value.Trim();
        return null;
    }

    private static RowError? Number(JsonElement row, string field, int index, double min, double max, out double? value)
    {
        value = null;
        if (!row.TryGetProperty(field, out var p) || p.ValueKind == JsonValueKind.Null) return null;
        if (p.ValueKind != JsonValueKind.Number || !p.TryGetDouble(out var d) || !double.IsFinite(d)) return new(index, field, "Must be a number.");
        if (d < min || d > max) return new(index, field, $"Must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.");
        value = d;
        return null;
    }
}
