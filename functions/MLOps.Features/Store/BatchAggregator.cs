using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace MLOps.Features.Store;

/// <summary>The aggregates of one event batch (one NDJSON blob), with batch-local ids.</summary>
internal sealed class BatchPartial
{
    public required string Path { get; init; }
    public required string ETag { get; init; }
    public IdTable Users { get; } = new();
    public IdTable Items { get; } = new();
    public List<PairAggregate> Pairs { get; } = [];
    /// <summary>(local user &lt;&lt; 32 | day number) → interactions that day.</summary>
    public Dictionary<long, int> UserDays { get; } = new(PackedKeyComparer.Instance);
    public Dictionary<long, int> ItemDays { get; } = new(PackedKeyComparer.Instance);
    public long Lines;
    public long Used;
    /// <summary>Events at or after the cutoff: the batch is then only partly covered.</summary>
    public long AfterCutoff;
    /// <summary>Events of kinds that do not feed features (impression, search, exposure, click).</summary>
    public long OtherKinds;
    public long MinTicks = long.MaxValue;
    public long MaxTicks = long.MinValue;

    public bool FullyCovered => AfterCutoff == 0;
    public long ParseTicks;
}

/// <summary>
/// Streams one NDJSON batch with <see cref="Utf8JsonReader"/> straight from its bytes: no per-event objects or strings
/// (ids already seen are looked up from a span), which is what keeps a 1M-event refresh within seconds.
/// </summary>
internal static class BatchAggregator
{
    public static BatchPartial Aggregate(string path, string etag, ReadOnlySpan<byte> utf8, long cutoffTicks, long anchorTicks, double halfLifeDays)
    {
        var partial = new BatchPartial { Path = path, ETag = etag };
        var pairIndex = new Dictionary<long, int>(PackedKeyComparer.Instance);
        var ticksPerHalfLife = halfLifeDays * TimeSpan.TicksPerDay;
        Span<char> chars = stackalloc char[256];
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });

        ReadOnlySpan<byte> user = default, item = default;
        string? userEscaped = null, itemEscaped = null;
        long ticks = 0; bool hasTime = false;
        var kind = Kind.Play;
        double? rating = null, scale = null, seconds = null;

        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when reader.CurrentDepth == 0:
                    user = item = default; userEscaped = itemEscaped = null;
                    hasTime = false; kind = Kind.Play; rating = scale = seconds = null;
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                {
                    var name = reader.ValueSpan;
                    reader.Read();
                    if (name.SequenceEqual("userId"u8)) { if (reader.ValueIsEscaped) userEscaped = reader.GetString(); else user = reader.ValueSpan; }
                    else if (name.SequenceEqual("contentId"u8)) { if (reader.ValueIsEscaped) itemEscaped = reader.GetString(); else item = reader.ValueSpan; }
                    else if (name.SequenceEqual("timestamp"u8)) { ticks = reader.GetDateTimeOffset().UtcTicks; hasTime = true; }
                    else if (name.SequenceEqual("eventType"u8)) kind = ParseKind(reader.ValueSpan);
                    else if (name.SequenceEqual("rating"u8)) rating = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                    else if (name.SequenceEqual("ratingScaleMax"u8)) scale = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                    else if (name.SequenceEqual("viewSeconds"u8)) seconds = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                    else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
                    break;
                }
                case JsonTokenType.EndObject when reader.CurrentDepth == 0:
                {
                    partial.Lines++;
                    if (!hasTime || (user.IsEmpty && userEscaped is null) || (item.IsEmpty && itemEscaped is null))
                        throw new InvalidDataException($"{path}: event {partial.Lines} lacks userId, contentId or timestamp.");
                    if (ticks >= cutoffTicks) { partial.AfterCutoff++; break; }
                    if (kind == Kind.Other) { partial.OtherKinds++; break; }
                    partial.Used++;
                    if (ticks < partial.MinTicks) partial.MinTicks = ticks;
                    if (ticks > partial.MaxTicks) partial.MaxTicks = ticks;
                    var u = userEscaped is not null ? partial.Users.Intern(userEscaped) : partial.Users.Intern(Decode(user, chars));
                    var i = itemEscaped is not null ? partial.Items.Intern(itemEscaped) : partial.Items.Intern(Decode(item, chars));
                    var day = ticks / TimeSpan.TicksPerDay;

                    ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(pairIndex, ((long)u << 32) | (uint)i, out var exists);
                    if (!exists)
                    {
                        slot = partial.Pairs.Count;
                        partial.Pairs.Add(new PairAggregate { User = u, Item = i, LastTicks = long.MinValue });
                    }
                    ref var pair = ref CollectionsMarshal.AsSpan(partial.Pairs)[slot];
                    pair.Count++;
                    pair.Weight.Add(DecayedSum.Of((ticks - anchorTicks) / ticksPerHalfLife));
                    if (ticks > pair.LastTicks) pair.LastTicks = ticks;
                    if (rating is { } r && !double.IsNaN(r))
                    {
                        pair.RatingCount++;
                        pair.RatingSum += FixedPoint.Rating(scale is > 0 ? r * 5.0 / scale.Value : r);
                    }
                    if (kind == Kind.Play && seconds is { } s && s >= 0) pair.ViewSeconds += FixedPoint.Seconds(s);

                    CollectionsMarshal.GetValueRefOrAddDefault(partial.UserDays, ((long)u << 32) | day, out _)++;
                    CollectionsMarshal.GetValueRefOrAddDefault(partial.ItemDays, ((long)i << 32) | day, out _)++;
                    break;
                }
            }
        }
        return partial;
    }

    private enum Kind { Play, Rate, Other }

    private static Kind ParseKind(ReadOnlySpan<byte> value) =>
        value.SequenceEqual("play"u8) || value.SequenceEqual("Play"u8) ? Kind.Play
        : value.SequenceEqual("rate"u8) || value.SequenceEqual("Rate"u8) ? Kind.Rate
        : Kind.Other;

    private static ReadOnlySpan<char> Decode(ReadOnlySpan<byte> utf8, Span<char> buffer)
    {
        if (utf8.Length <= buffer.Length && Encoding.UTF8.TryGetChars(utf8, buffer, out var written)) return buffer[..written];
        return Encoding.UTF8.GetString(utf8);
    }
}
