using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MLOps.Core.Data;

namespace MLOps.Features.Store;

/// <summary>
/// The state the views are computed from, per row instead of per (user, title) pair: user and title totals, user ×
/// genre decayed sums against the anchor, user × maturity counts, each user's most recent titles, the set of pairs seen
/// (distinct counts) and the daily counts a window can still reach. None of it depends on the cutoff, and every sum is
/// an integer (<see cref="FixedPoint"/>), so folding segments into it one at a time, in any grouping, gives the same
/// state as folding their merge: a snapshot's state is its base snapshot's plus the segments added since
/// (docs/features.md, "Incremental views"). The catalogue is joined on fold, so a state belongs to one catalogue copy.
/// </summary>
internal sealed class ViewState
{
    private const int FormatVersion = 3;

    public required long AnchorTicks { get; init; }
    public required double HalfLifeDays { get; init; }
    public required string CatalogPath { get; init; }
    public required int HistoryPerUser { get; init; }
    /// <summary>Every genre and maturity rating of the catalogue copy, ordinal order (the column order of the dense arrays).</summary>
    public required string[] Genres { get; init; }
    public required string[] Maturities { get; init; }
    /// <summary>The segments folded in, in order: a snapshot whose segment list starts with these extends this state.</summary>
    public List<string> Segments { get; private set; } = [];
    public long EventsUsed { get; private set; }

    public IdTable Users { get; private set; } = new();
    public IdTable Items { get; private set; } = new();
    public List<UserAggregate> UserTotals { get; private set; } = [];
    public List<ItemAggregate> ItemTotals { get; private set; } = [];
    /// <summary>Dense, user-major: user u, genre g at u × Genres.Length + g.</summary>
    public List<GenreAggregate> UserGenres { get; private set; } = [];
    /// <summary>Dense, user-major: interactions of user u with titles of maturity m at u × Maturities.Length + m.</summary>
    public List<long> UserMaturity { get; private set; } = [];
    /// <summary>Per user, ascending by (last interaction, title id), at most <see cref="HistoryPerUser"/>; arrays are replaced, never changed.</summary>
    public List<HistoryEntry[]> History { get; private set; } = [];
    /// <summary>Days a window can reach: <see cref="LastDay"/> − <see cref="FeatureState.KeepDays"/> … <see cref="LastDay"/>.</summary>
    public const int DaySlots = FeatureState.KeepDays + 1;
    /// <summary>The cutoff day of the last fold; slot k of a row's daily counts is day LastDay − KeepDays + k.</summary>
    public long LastDay { get; private set; } = long.MinValue;
    /// <summary>Dense daily interaction counts, <see cref="DaySlots"/> per user, user-major.</summary>
    public List<int> UserDays { get; private set; } = [];
    /// <summary>Dense daily interaction counts, <see cref="DaySlots"/> per title.</summary>
    public List<int> ItemDays { get; private set; } = [];
    /// <summary>(user &lt;&lt; 32 | title) of every pair seen, sorted.</summary>
    private long[] _pairs = [];

    private Dictionary<string, (int[] Genres, int Maturity)> _catalog = new(StringComparer.Ordinal);
    private readonly List<int[]> _itemGenres = [];
    private readonly List<int> _itemMaturity = [];

    public static ViewState Create(long anchorTicks, double halfLifeDays, string catalogPath, int historyPerUser, IReadOnlyList<CatalogItem> catalog)
    {
        var state = new ViewState
        {
            AnchorTicks = anchorTicks, HalfLifeDays = halfLifeDays, CatalogPath = catalogPath, HistoryPerUser = historyPerUser,
            Genres = catalog.SelectMany(c => c.Genres).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            Maturities = catalog.Select(c => c.MaturityRating).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
        };
        state.Join(catalog);
        return state;
    }

    /// <summary>Folds one segment's aggregates in, then drops daily counts no window ending at or after <paramref name="lastDay"/> reaches.</summary>
    public void Fold(FeatureState delta, string? segmentPath, long lastDay)
    {
        if (delta.AnchorTicks != AnchorTicks || delta.HalfLifeDays != HalfLifeDays)
            throw new InvalidDataException("A feature segment with another decay anchor or half-life cannot be folded into this view state.");
        Advance(lastDay);
        var userMap = new int[delta.Users.Count];
        for (var k = 0; k < userMap.Length; k++) userMap[k] = InternUser(delta.Users.Ids[k]);
        var itemMap = new int[delta.Items.Count];
        for (var k = 0; k < itemMap.Length; k++) itemMap[k] = InternItem(delta.Items.Ids[k]);

        var g = Genres.Length;
        var m = Maturities.Length;
        var users = CollectionsMarshal.AsSpan(UserTotals);
        var items = CollectionsMarshal.AsSpan(ItemTotals);
        var genres = CollectionsMarshal.AsSpan(UserGenres);
        var maturity = CollectionsMarshal.AsSpan(UserMaturity);
        var added = new List<long>();
        var touched = new Dictionary<int, List<HistoryEntry>>();
        foreach (ref readonly var p in CollectionsMarshal.AsSpan(delta.Pairs))
        {
            var u = userMap[p.User];
            var i = itemMap[p.Item];
            var key = ((long)u << 32) | (uint)i;
            var isNew = Array.BinarySearch(_pairs, key) < 0;
            if (isNew) added.Add(key);

            ref var user = ref users[u];
            user.Events += p.Count;
            if (isNew) user.DistinctItems++;
            if (p.LastTicks > user.LastTicks) user.LastTicks = p.LastTicks;
            user.RatingSum += p.RatingSum;
            user.RatingCount += p.RatingCount;
            user.ViewSeconds += p.ViewSeconds;

            ref var item = ref items[i];
            item.Events += p.Count;
            if (isNew) item.DistinctUsers++;
            item.RatingSum += p.RatingSum;
            item.RatingCount += p.RatingCount;

            foreach (var genre in _itemGenres[i])
            {
                ref var cell = ref genres[u * g + genre];
                cell.Weight += p.Weight;
                cell.Count += p.Count;
            }
            if (_itemMaturity[i] >= 0) maturity[u * m + _itemMaturity[i]] += p.Count;

            if (!touched.TryGetValue(u, out var list)) touched[u] = list = [];
            list.Add(new HistoryEntry { Item = i, LastTicks = p.LastTicks });
        }
        foreach (var (u, entries) in touched) History[u] = MergeHistory(History[u], entries);
        AddDays(UserDays, delta.UserDays, userMap);
        AddDays(ItemDays, delta.ItemDays, itemMap);
        _pairs = MergeSorted(_pairs, added);
        EventsUsed += delta.EventsUsed;
        if (segmentPath is not null) Segments.Add(segmentPath);
    }

    /// <summary>
    /// The <see cref="HistoryPerUser"/> latest of the current entries and the touched titles (a title's time is the later
    /// of both). A title dropped earlier and touched now enters with the new time only: if its older time were later, it
    /// would still rank below every kept title, so the top is the same as a full rebuild's.
    /// </summary>
    private HistoryEntry[] MergeHistory(HistoryEntry[] current, List<HistoryEntry> touched)
    {
        var merged = new List<HistoryEntry>(current.Length + touched.Count);
        merged.AddRange(current);
        foreach (var t in touched)
        {
            var at = merged.FindIndex(e => e.Item == t.Item);
            if (at < 0) merged.Add(t);
            else if (t.LastTicks > merged[at].LastTicks) merged[at] = t;
        }
        var ids = Items.Ids;
        merged.Sort((a, b) => a.LastTicks != b.LastTicks ? a.LastTicks.CompareTo(b.LastTicks) : string.CompareOrdinal(ids[a.Item], ids[b.Item]));
        return merged.Count <= HistoryPerUser ? [.. merged] : merged.GetRange(merged.Count - HistoryPerUser, HistoryPerUser).ToArray();
    }

    /// <summary>Moves the day slots to end at <paramref name="lastDay"/>; days that fall off can never enter a window again.</summary>
    private void Advance(long lastDay)
    {
        if (LastDay == long.MinValue || lastDay == LastDay)
        {
            LastDay = lastDay;
            return;
        }
        if (lastDay < LastDay) throw new InvalidDataException("A view state cannot move back in time.");
        var shift = (int)Math.Min(DaySlots, lastDay - LastDay);
        foreach (var days in new[] { UserDays, ItemDays })
        {
            var span = CollectionsMarshal.AsSpan(days);
            for (var row = 0; row < span.Length; row += DaySlots)
            {
                var slots = span.Slice(row, DaySlots);
                slots[shift..].CopyTo(slots);
                slots[(DaySlots - shift)..].Clear();
            }
        }
        LastDay = lastDay;
    }

    private void AddDays(List<int> days, Dictionary<long, int> delta, int[] map)
    {
        var span = CollectionsMarshal.AsSpan(days);
        var first = LastDay - FeatureState.KeepDays;
        foreach (var (key, count) in delta)
        {
            var slot = (key & 0xFFFFFFFF) - first;
            if (slot is >= 0 and < DaySlots) span[map[(int)(key >> 32)] * DaySlots + (int)slot] += count;
        }
    }

    private static long[] MergeSorted(long[] current, List<long> added)
    {
        if (added.Count == 0) return current;
        var extra = added.ToArray();
        Array.Sort(extra);
        var merged = new long[current.Length + extra.Length];
        int a = 0, b = 0, k = 0;
        while (a < current.Length && b < extra.Length) merged[k++] = current[a] < extra[b] ? current[a++] : extra[b++];
        while (a < current.Length) merged[k++] = current[a++];
        while (b < extra.Length) merged[k++] = extra[b++];
        return merged;
    }

    private int InternUser(string id)
    {
        var u = Users.Intern(id);
        if (u < UserTotals.Count) return u;
        UserTotals.Add(new UserAggregate { LastTicks = long.MinValue });
        CollectionsMarshal.SetCount(UserGenres, UserGenres.Count + Genres.Length);
        CollectionsMarshal.SetCount(UserMaturity, UserMaturity.Count + Maturities.Length);
        History.Add([]);
        CollectionsMarshal.SetCount(UserDays, UserDays.Count + DaySlots);
        return u;
    }

    private int InternItem(string id)
    {
        var i = Items.Intern(id);
        if (i < ItemTotals.Count) return i;
        ItemTotals.Add(default);
        CollectionsMarshal.SetCount(ItemDays, ItemDays.Count + DaySlots);
        var (genres, maturity) = _catalog.TryGetValue(id, out var c) ? c : ([], -1);
        _itemGenres.Add(genres);
        _itemMaturity.Add(maturity);
        return i;
    }

    /// <summary>Genre and maturity columns of every catalogue title, released or not (release dates only filter the item view).</summary>
    private void Join(IReadOnlyList<CatalogItem> catalog)
    {
        var genreIndex = Genres.Select((name, k) => (name, k)).ToDictionary(x => x.name, x => x.k, StringComparer.Ordinal);
        var maturityIndex = Maturities.Select((name, k) => (name, k)).ToDictionary(x => x.name, x => x.k, StringComparer.Ordinal);
        _catalog = new Dictionary<string, (int[], int)>(catalog.Count, StringComparer.Ordinal);
        foreach (var c in catalog)
        {
            if (!c.Genres.All(genreIndex.ContainsKey) || (c.MaturityRating is { } r && !maturityIndex.ContainsKey(r)))
                throw new InvalidDataException($"View state of {CatalogPath}: title {c.ContentId} has a genre or maturity rating the state was not built with.");
            _catalog[c.ContentId] = (c.Genres.Select(x => genreIndex[x]).Distinct().ToArray(), c.MaturityRating is { } mr ? maturityIndex[mr] : -1);
        }
        _itemGenres.Clear();
        _itemMaturity.Clear();
        foreach (var id in Items.Ids)
        {
            var (genres, maturity) = _catalog.TryGetValue(id, out var j) ? j : ([], -1);
            _itemGenres.Add(genres);
            _itemMaturity.Add(maturity);
        }
    }

    /// <summary>A copy to fold a snapshot-only segment (events of partly covered batches) into, leaving this one to be extended.</summary>
    public ViewState Clone()
    {
        var copy = new ViewState
        {
            AnchorTicks = AnchorTicks, HalfLifeDays = HalfLifeDays, CatalogPath = CatalogPath, HistoryPerUser = HistoryPerUser,
            Genres = Genres, Maturities = Maturities, Segments = [.. Segments], EventsUsed = EventsUsed,
            UserTotals = [.. UserTotals], ItemTotals = [.. ItemTotals], UserGenres = [.. UserGenres], UserMaturity = [.. UserMaturity],
            History = [.. History], _pairs = _pairs,
            LastDay = LastDay, UserDays = [.. UserDays], ItemDays = [.. ItemDays],
            _catalog = _catalog,
        };
        foreach (var id in Users.Ids) copy.Users.Intern(id);
        foreach (var id in Items.Ids) copy.Items.Intern(id);
        copy._itemGenres.AddRange(_itemGenres);
        copy._itemMaturity.AddRange(_itemMaturity);
        return copy;
    }

    public BinaryData Serialize()
    {
        var buffer = new MemoryStream(1024 + _pairs.Length * 8 + UserGenres.Count * Unsafe.SizeOf<GenreAggregate>() + UserTotals.Count * (Unsafe.SizeOf<UserAggregate>() + 16 * HistoryPerUser));
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(FormatVersion);
            w.Write(AnchorTicks);
            w.Write(HalfLifeDays);
            w.Write(CatalogPath);
            w.Write(HistoryPerUser);
            w.Write(EventsUsed);
            FeatureState.WriteIds(w, [.. Genres]);
            FeatureState.WriteIds(w, [.. Maturities]);
            FeatureState.WriteIds(w, Segments);
            FeatureState.WriteIds(w, Users.Ids);
            FeatureState.WriteIds(w, Items.Ids);
            WriteRaw(w, UserTotals);
            WriteRaw(w, ItemTotals);
            WriteRaw(w, UserGenres);
            WriteRaw(w, UserMaturity);
            WriteRaw<int>(w, [.. History.Select(h => h.Length)]);
            w.Write(History.Sum(h => h.Length));
            foreach (var entries in History) w.Write(MemoryMarshal.AsBytes(entries.AsSpan()));
            w.Write(_pairs.Length);
            w.Write(MemoryMarshal.AsBytes(_pairs.AsSpan()));
            w.Write(LastDay);
            WriteRaw(w, UserDays);
            WriteRaw(w, ItemDays);
        }
        return new BinaryData(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    /// <summary>
    /// Reads a state written by <see cref="Serialize"/> and joins <paramref name="catalog"/>, the copy at
    /// <paramref name="catalogPath"/>; null when the state was built with another catalogue copy (its genre columns differ).
    /// </summary>
    public static ViewState? Deserialize(Stream stream, string catalogPath, IReadOnlyList<CatalogItem> catalog)
    {
        using var r = new BinaryReader(new BufferedStream(stream, 1 << 16));
        if (r.ReadInt32() != FormatVersion) throw new InvalidDataException("View state has an unknown format version.");
        var state = new ViewState
        {
            AnchorTicks = r.ReadInt64(), HalfLifeDays = r.ReadDouble(), CatalogPath = r.ReadString(), HistoryPerUser = r.ReadInt32(),
            EventsUsed = r.ReadInt64(), Genres = [.. FeatureState.ReadIds(r)], Maturities = [.. FeatureState.ReadIds(r)],
        };
        if (state.CatalogPath != catalogPath) return null;
        state.Segments = FeatureState.ReadIds(r);
        foreach (var id in FeatureState.ReadIds(r)) state.Users.Intern(id);
        foreach (var id in FeatureState.ReadIds(r)) state.Items.Intern(id);
        state.UserTotals = ReadRaw<UserAggregate>(r);
        state.ItemTotals = ReadRaw<ItemAggregate>(r);
        state.UserGenres = ReadRaw<GenreAggregate>(r);
        state.UserMaturity = ReadRaw<long>(r);
        var lengths = ReadRaw<int>(r);
        if (r.ReadInt32() != lengths.Sum()) throw new InvalidDataException("View state: history lengths and entries disagree.");
        state.History = new List<HistoryEntry[]>(lengths.Count);
        foreach (var n in lengths)
        {
            var entries = new HistoryEntry[n];
            r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(entries.AsSpan()));
            state.History.Add(entries);
        }
        state._pairs = ReadArray<long>(r);
        state.LastDay = r.ReadInt64();
        state.UserDays = ReadRaw<int>(r);
        state.ItemDays = ReadRaw<int>(r);
        state.Join(catalog);
        return state;
    }

    private static void WriteRaw<T>(BinaryWriter w, List<T> values) where T : unmanaged
    {
        w.Write(values.Count);
        w.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values)));
    }

    private static T[] ReadArray<T>(BinaryReader r) where T : unmanaged
    {
        var values = new T[r.ReadInt32()];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static List<T> ReadRaw<T>(BinaryReader r) where T : unmanaged
    {
        var values = new List<T>();
        CollectionsMarshal.SetCount(values, r.ReadInt32());
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(values)));
        return values;
    }
}
