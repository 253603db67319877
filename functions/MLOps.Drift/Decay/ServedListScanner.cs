using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Drift.Window;
using MLOps.Storage;

namespace MLOps.Drift.Decay;

/// <summary>A served list: one user's exposures stamped with one time (the serving layer stamps a whole response at once).</summary>
internal readonly record struct ServedList(int User, long Ticks, int[] Titles);

/// <summary>
/// The two passes performance decay needs, on the shared chunked scanner: (1) exposures in the served range, grouped into
/// lists; (2) plays and ratings of those users' served titles in the horizon after. The second pass only keeps events
/// whose user and title the first pass saw, so memory follows the exposures, not the event log.
/// </summary>
internal static class ServedListScanner
{
    public static async Task<(List<ServedList> Lists, Dictionary<(int User, int Title), long[]> Plays)> ScanAsync(
        IBlobStore store, IReadOnlyList<(DateOnly Day, string Path)> batches, DateTimeOffset servedFrom, DateTimeOffset servedTo, DateTimeOffset playsUntil,
        int workers, CancellationToken cancellationToken)
    {
        var users = new Interner();
        var titles = new Interner();
        var servedDays = Paths(batches, servedFrom, servedTo);
        var exposures = await EventScanner.ScanAsync(store, servedDays,
            () => new Pass(users, titles, collectExposures: true, servedFrom.UtcTicks, servedTo.UtcTicks), workers, cancellationToken).ConfigureAwait(false);
        var lists = exposures.SelectMany(p => p.Found)
            .GroupBy(e => (e.User, e.Ticks))
            .Select(g => new ServedList(g.Key.User, g.Key.Ticks, g.Select(e => e.Title).Distinct().Order().ToArray()))
            .OrderBy(l => l.Ticks).ThenBy(l => l.User).ToList();
        var plays = new Dictionary<(int, int), long[]>();
        if (lists.Count == 0) return (lists, plays);

        // A play must come after the list: (servedFrom, playsUntil]; the lower end is refined per list.
        var playDays = Paths(batches, servedFrom, playsUntil.AddTicks(1));
        var parts = await EventScanner.ScanAsync(store, playDays,
            () => new Pass(users, titles, collectExposures: false, servedFrom.UtcTicks + 1, playsUntil.UtcTicks + 1), workers, cancellationToken).ConfigureAwait(false);
        foreach (var group in parts.SelectMany(p => p.Found).GroupBy(e => (e.User, e.Title)))
            plays[group.Key] = group.Select(e => e.Ticks).Order().ToArray();
        return (lists, plays);
    }

    private static List<string> Paths(IReadOnlyList<(DateOnly Day, string Path)> batches, DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from) return [];
        var range = new DriftWindow(from, to);
        return batches.Where(b => range.Covers(b.Day)).Select(b => b.Path).ToList();
    }

    /// <summary>
    /// One parser thread. Exposure pass: exposures with time in [from, to) (ids interned). Play pass: plays and ratings in
    /// [from, to) whose user and title are already interned (looked up, never added, so the interners stay read-only).
    /// </summary>
    private sealed class Pass(Interner users, Interner titles, bool collectExposures, long fromTicks, long toTicks) : IChunkProcessor
    {
        public readonly List<(int User, int Title, long Ticks)> Found = [];

        public void ProcessChunk(ReadOnlySpan<byte> chunk)
        {
            Span<char> user = stackalloc char[WindowAccumulator.MaxId];
            Span<char> title = stackalloc char[WindowAccumulator.MaxId];
            while (chunk.Length > 0)
            {
                var end = chunk.IndexOf((byte)'\n');
                var line = end < 0 ? chunk : chunk[..end];
                chunk = end < 0 ? default : chunk[(end + 1)..];
                if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
                if (line.IsEmpty) continue;
                // Unreadable lines are the main scan's business (it counts them); here they are simply not evidence.
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
            int userLen = -1, titleLen = -1, type = (int)EventType.Play, user = -1;
            var ticks = long.MinValue;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("userId"u8))
                {
                    reader.Read();
                    userLen = WindowAccumulator.Copy(ref reader, userBuf);
                    // Play pass: most events are by users nobody served a list to; stop reading them here (userId comes early).
                    if (!collectExposures && (userLen <= 0 || (user = users.Find(userBuf[..userLen])) < 0)) return;
                }
                else if (reader.ValueTextEquals("contentId"u8)) { reader.Read(); titleLen = WindowAccumulator.Copy(ref reader, titleBuf); }
                else if (reader.ValueTextEquals("timestamp"u8)) { reader.Read(); if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at)) ticks = at.UtcTicks; }
                else if (reader.ValueTextEquals("eventType"u8)) { reader.Read(); type = WindowAccumulator.ParseType(ref reader); }
                else { reader.Read(); reader.Skip(); }
            }
            if (userLen <= 0 || titleLen <= 0 || ticks < fromTicks || ticks >= toTicks) return;
            var eventType = (EventType)type;
            if (collectExposures)
            {
                if (eventType == EventType.Exposure) Found.Add((users.Id(userBuf[..userLen]), titles.Id(titleBuf[..titleLen]), ticks));
                return;
            }
            if (eventType is not (EventType.Play or EventType.Rate)) return;
            var t = titles.Find(titleBuf[..titleLen]);
            if (t >= 0) Found.Add((user, t, ticks));
        }
    }

    /// <summary>True when some play of the list's user of one of its titles is in (list time, list time + horizon].</summary>
    public static bool Hit(ServedList list, Dictionary<(int User, int Title), long[]> plays, long horizonTicks)
    {
        foreach (var title in list.Titles)
        {
            if (!plays.TryGetValue((list.User, title), out var times)) continue;
            // First play strictly after the list was served.
            int lo = 0, hi = times.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (times[mid] <= list.Ticks) lo = mid + 1; else hi = mid;
            }
            if (lo < times.Length && times[lo] <= list.Ticks + horizonTicks) return true;
        }
        return false;
    }
}
