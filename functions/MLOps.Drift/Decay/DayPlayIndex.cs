using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift.Window;
using MLOps.Storage;

namespace MLOps.Drift.Decay;

/// <summary>One exposure, play or rating as decay needs it: 64-bit hashes of user and title ids, time, and whether it was an exposure.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal readonly record struct DayEvent(ulong User, ulong Title, long Ticks, byte Exposure);

/// <summary>
/// Performance decay reads the horizon's days (8 for a daily check) on every check; parsing them as JSON would take a 1M-events-a-day
/// store past the 5 s budget. So each day's exposures, plays and ratings are kept once as fixed 25-byte records at
/// <c>drift/decay/dt=DAY.bin</c>, stamped with the day's batch paths and ETags (as the volume cache): a later check reads the
/// binary day, and a day gains a new batch or a replaced one → the index is rebuilt. Ids are XxHash3 64-bit hashes (the chance
/// that two of 10⁶ ids collide is ~3·10⁻⁸), so the index needs no string table.
/// </summary>
public static class DayPlayIndex
{
    private static readonly byte[] Magic = "MLDPI1\n"u8.ToArray();

    public static string PathOf(DateOnly day) => $"{StoreLayout.Drift}decay/dt={day:yyyy-MM-dd}.bin";

    internal static ulong Hash(ReadOnlySpan<char> id) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id));

    /// <summary>The day's records (from the index when its signature matches the day's batches, else scanned and stored).</summary>
    internal static async Task<DayEvent[]> ReadAsync(IBlobStore store, DateOnly day, IReadOnlyList<BlobInfo> batches, int workers, CancellationToken cancellationToken)
    {
        var signature = string.Join(";", batches.Select(b => $"{b.Path}@{b.ETag}"));
        var path = PathOf(day);
        if (await store.ReadAsync(path, cancellationToken).ConfigureAwait(false) is { } cached && Parse(cached.Data.ToMemory().Span, signature) is { } events)
            return events;
        var parts = await EventScanner.ScanAsync(store, batches.Select(b => b.Path).ToList(), () => new Collector(), workers, cancellationToken).ConfigureAwait(false);
        var all = parts.SelectMany(p => p.Found).ToArray();
        await store.WriteAsync(path, Serialize(all, signature), cancellationToken: cancellationToken).ConfigureAwait(false);
        return all;
    }

    internal static BinaryData Serialize(DayEvent[] events, string signature)
    {
        var sig = Encoding.UTF8.GetBytes(signature);
        var records = MemoryMarshal.AsBytes(events.AsSpan());
        var bytes = new byte[Magic.Length + 4 + sig.Length + 8 + records.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        var at = Magic.Length;
        BitConverter.TryWriteBytes(span[at..], sig.Length);
        sig.CopyTo(span[(at += 4)..]);
        BitConverter.TryWriteBytes(span[(at += sig.Length)..], (long)events.Length);
        records.CopyTo(span[(at + 8)..]);
        return BinaryData.FromBytes(bytes);
    }

    /// <summary>The records, or null when the blob is not an index of exactly these batches.</summary>
    internal static DayEvent[]? Parse(ReadOnlySpan<byte> bytes, string signature)
    {
        if (!BitConverter.IsLittleEndian || bytes.Length < Magic.Length + 12 || !bytes[..Magic.Length].SequenceEqual(Magic)) return null;
        var at = Magic.Length;
        var sigLength = BitConverter.ToInt32(bytes[at..]);
        at += 4;
        if (sigLength < 0 || at + sigLength + 8 > bytes.Length || Encoding.UTF8.GetString(bytes.Slice(at, sigLength)) != signature) return null;
        at += sigLength;
        var count = BitConverter.ToInt64(bytes[at..]);
        at += 8;
        var size = Marshal.SizeOf<DayEvent>();
        if (count < 0 || bytes.Length - at != count * size) return null;
        return MemoryMarshal.Cast<byte, DayEvent>(bytes[at..]).ToArray();
    }

    /// <summary>One parser thread: exposures, plays and ratings with their hashed ids (other events and unreadable lines are not decay's).</summary>
    private sealed class Collector : IChunkProcessor
    {
        public readonly List<DayEvent> Found = [];

        public void ProcessChunk(ReadOnlySpan<byte> chunk)
        {
            Span<char> user = stackalloc char[WindowAccumulator.MaxId];
            Span<char> title = stackalloc char[WindowAccumulator.MaxId];
            foreach (var line in new NdjsonLines(chunk))
            {
                try { ProcessLine(line, user, title); }
                catch (JsonException) { }
                catch (InvalidOperationException) { }
                catch (FormatException) { }
            }
        }

        private void ProcessLine(ReadOnlySpan<byte> line, Span<char> userBuf, Span<char> titleBuf)
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return;
            int userLen = -1, titleLen = -1, type = (int)EventType.Play;
            var ticks = long.MinValue;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("userId"u8)) { reader.Read(); userLen = WindowAccumulator.Copy(ref reader, userBuf); }
                else if (reader.ValueTextEquals("contentId"u8)) { reader.Read(); titleLen = WindowAccumulator.Copy(ref reader, titleBuf); }
                else if (reader.ValueTextEquals("timestamp"u8)) { reader.Read(); if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at)) ticks = at.UtcTicks; }
                else if (reader.ValueTextEquals("eventType"u8)) { reader.Read(); type = WindowAccumulator.ParseType(ref reader); }
                else { reader.Read(); reader.Skip(); }
            }
            if (userLen <= 0 || titleLen <= 0 || ticks == long.MinValue) return;
            var eventType = (EventType)type;
            if (eventType is not (EventType.Exposure or EventType.Play or EventType.Rate)) return;
            Found.Add(new DayEvent(Hash(userBuf[..userLen]), Hash(titleBuf[..titleLen]), ticks, eventType == EventType.Exposure ? (byte)1 : (byte)0));
        }
    }
}
