using MLOps.Drift.Window;
using MLOps.Storage;

namespace MLOps.Drift.Decay;

/// <summary>A served list: one user's exposures stamped with one time (the serving layer stamps a whole response at once); ids are hashes.</summary>
internal readonly record struct ServedList(ulong User, long Ticks, ulong[] Titles);

/// <summary>
/// What performance decay needs, from the per-day indexes (<see cref="DayPlayIndex"/>): exposures in the served range grouped
/// into lists, and plays and ratings of those users' served titles in the horizon after. Days are read once each, oldest
/// first; a day's exposures are taken before its plays, so a play is kept only when its user was served that title by then
/// (earlier plays cannot follow a list anyway), and memory follows the exposures, not the event log.
/// </summary>
internal static class ServedListScanner
{
    public static async Task<(List<ServedList> Lists, Dictionary<(ulong User, ulong Title), long[]> Plays)> ScanAsync(
        IBlobStore store, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches, DateTimeOffset servedFrom, DateTimeOffset servedTo, DateTimeOffset playsUntil,
        int workers, CancellationToken cancellationToken)
    {
        var served = new List<(ulong User, ulong Title, long Ticks)>();
        var pairs = new HashSet<(ulong, ulong)>();
        var found = new Dictionary<(ulong User, ulong Title), List<long>>();
        long exposedFrom = servedFrom.UtcTicks, exposedTo = servedTo.UtcTicks;
        // A play must come after its list: (servedFrom, playsUntil]; the lower end is refined per list.
        long playedFrom = servedFrom.UtcTicks + 1, playedTo = playsUntil.UtcTicks + 1;
        var days = new DriftWindow(servedFrom, playsUntil.AddTicks(1));
        foreach (var day in batches.Where(b => days.Covers(b.Day)).GroupBy(b => b.Day, b => b.Blob).OrderBy(g => g.Key))
        {
            var events = await DayPlayIndex.ReadAsync(store, day.Key, day.ToList(), workers, cancellationToken).ConfigureAwait(false);
            foreach (var e in events)
                if (e.Exposure != 0 && e.Ticks >= exposedFrom && e.Ticks < exposedTo)
                {
                    served.Add((e.User, e.Title, e.Ticks));
                    pairs.Add((e.User, e.Title));
                }
            if (pairs.Count == 0) continue;
            foreach (var e in events)
                if (e.Exposure == 0 && e.Ticks >= playedFrom && e.Ticks < playedTo && pairs.Contains((e.User, e.Title)))
                {
                    if (!found.TryGetValue((e.User, e.Title), out var times)) found[(e.User, e.Title)] = times = [];
                    times.Add(e.Ticks);
                }
        }
        var lists = served.GroupBy(e => (e.User, e.Ticks))
            .Select(g => new ServedList(g.Key.User, g.Key.Ticks, g.Select(e => e.Title).Distinct().Order().ToArray()))
            .OrderBy(l => l.Ticks).ThenBy(l => l.User).ToList();
        var plays = found.ToDictionary(p => p.Key, p => p.Value.Order().ToArray());
        return (lists, plays);
    }

    /// <summary>True when some play of the list's user of one of its titles is in (list time, list time + horizon].</summary>
    public static bool Hit(ServedList list, Dictionary<(ulong User, ulong Title), long[]> plays, long horizonTicks)
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
