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
    // 4: decay weights per era (DecayedSum).
    private const int FormatVersion = 4;

    public required long AnchorTicks { get; init; }
    public required double HalfLifeDays { get; init; }
    public required string CatalogPath { get; init; }
    public required int HistoryPerUser { get; init; }
    /// <summary>Every genre and maturity rating of the catalogue copy, ordinal order (the column order of the dense arrays).</summary>
    public required string[] Genres { get; init; }
    public required string[] Maturities { get; init; }
    /// <summary>The segments folded in, in order: a snapshot whose segment list starts with these extends this state.</summary>
    public List<string> Segments { get; private set; } = [];

    /// <summary>After folding a compaction's replaced segments: the same state, named by the compacted list.</summary>
    public void RenameSegments(IEnumerable<string> segments) => Segments = [.. segments];

    /// <summary>
    /// True when this state can be extended to <paramref name="manifest"/>: same catalogue copy, decay anchor, half-life
    /// and history length, and its segments lead to the snapshot's (<see cref="SegmentExtension"/>).
    /// </summary>
    public bool Extends(FeatureSnapshotManifest manifest, int historyPerUser) =>
        CatalogPath == (manifest.CatalogPath ?? "") && AnchorTicks == manifest.DecayAnchor.UtcTicks
        && HalfLifeDays == manifest.DecayHalfLifeDays && HistoryPerUser == historyPerUser
        && SegmentExtension.Of(Segments, manifest.Segments) is not null;
    public long EventsUsed { get; private set; }

    public IdTable Users { get; private set; } = new();
    public IdTable Items { get; private set; } = new();
    public List<UserAggregate> UserTotals { get; private set; } = [];
    public List<ItemAggregate> ItemTotals { get; private set; } = [];
    /// <summary>Dense, user-major: user u, genre g at u × Genres.Length + g.</summary>
    public List<GenreAggregate> UserGenres { get; private set; } = [];
    /// <summary>Dense, user-major: interactions of user u with titles of maturity m at u × Maturities.Length + m.</summary>
    public List<long> UserMaturity { get; private set; } = [];
    /// <summary>
    /// Per user, ascending by (last interaction, title id), at most <see cref="HistoryPerUser"/>: user u's entries are the
    /// first _historyLengths[u] of the slots from u × HistoryPerUser. One flat array changed in place, so a
    /// fold allocates nothing per user (11k new arrays a day cost more in garbage collection than the merge itself).
    /// </summary>
    private List<HistoryEntry> _history = [];
    private List<int> _historyLengths = [];

    public ReadOnlySpan<HistoryEntry> HistoryOf(int user) =>
        CollectionsMarshal.AsSpan(_history).Slice(user * HistoryPerUser, _historyLengths[user]);

    /// <summary>Every user's history as of now, detached from later folds.</summary>
    public HistoryCopy CopyHistory() => new([.. _history], [.. _historyLengths], HistoryPerUser);

    public sealed record HistoryCopy(HistoryEntry[] Entries, int[] Lengths, int PerUser)
    {
        public ReadOnlySpan<HistoryEntry> Of(int user) => Entries.AsSpan(user * PerUser, Lengths[user]);
    }
    /// <summary>Days a window can reach: <see cref="LastDay"/> − <see cref="FeatureState.KeepDays"/> … <see cref="LastDay"/>.</summary>
    public const int DaySlots = FeatureState.KeepDays + 1;
    /// <summary>The cutoff day of the last fold; slot k of a row's daily counts is day LastDay − KeepDays + k.</summary>
    public long LastDay { get; private set; } = long.MinValue;
    /// <summary>Dense daily interaction counts, <see cref="DaySlots"/> per user, user-major.</summary>
    public List<int> UserDays { get; private set; } = [];
    /// <summary>Dense daily interaction counts, <see cref="DaySlots"/> per title.</summary>
    public List<int> ItemDays { get; private set; } = [];
    private PairSet _pairs = new([]);

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
    // Runs once per segment per process: optimized from the first call rather than tiered up after it is done.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        var pairs = CollectionsMarshal.AsSpan(delta.Pairs);
        var touchedUsers = new int[pairs.Length];
        var touched = new HistoryEntry[pairs.Length];
        for (var k = 0; k < pairs.Length; k++)
        {
            ref readonly var p = ref pairs[k];
            var u = userMap[p.User];
            var i = itemMap[p.Item];
            var isNew = !_pairs.Contains(u, i);
            if (isNew) added.Add(PairSet.Key(u, i));

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
                cell.Weight.Add(p.Weight);
                cell.Count += p.Count;
            }
            if (_itemMaturity[i] >= 0) maturity[u * m + _itemMaturity[i]] += p.Count;

            touchedUsers[k] = u;
            touched[k] = new HistoryEntry { Item = i, LastTicks = p.LastTicks };
        }
        // A segment holds one pair per (user, title): grouped by user, each group is that user's touched titles.
        Array.Sort(touchedUsers, touched);
        Span<HistoryEntry> merged = new HistoryEntry[HistoryPerUser];
        for (var start = 0; start < touched.Length;)
        {
            var end = start + 1;
            var u = touchedUsers[start];
            while (end < touched.Length && touchedUsers[end] == u) end++;
            var slots = CollectionsMarshal.AsSpan(_history).Slice(u * HistoryPerUser, HistoryPerUser);
            var length = MergeHistory(slots[.._historyLengths[u]], touched.AsSpan(start, end - start), merged);
            merged[..length].CopyTo(slots);
            _historyLengths[u] = length;
            start = end;
        }
        AddDays(UserDays, delta.UserDays, userMap);
        AddDays(ItemDays, delta.ItemDays, itemMap);
        _pairs.AddNew(added);
        EventsUsed += delta.EventsUsed;
        if (segmentPath is not null) Segments.Add(segmentPath);
    }

    /// <summary>
    /// The <see cref="HistoryPerUser"/> latest of the current entries and the touched titles (a title's time is the later
    /// of both). A title dropped earlier and touched now enters with the new time only: if its older time were later, it
    /// would still rank below every kept title, so the top is the same as a full rebuild's.
    /// </summary>
    // Both inputs are few and the current entries sorted, so: drop what the other side supersedes, then merge the tails.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MergeHistory(ReadOnlySpan<HistoryEntry> current, Span<HistoryEntry> touched, Span<HistoryEntry> result)
    {
        if (touched.Length > 1) touched.Sort(CompareHistory);
        Span<bool> keepCurrent = current.Length <= 256 ? stackalloc bool[current.Length] : new bool[current.Length];
        keepCurrent.Fill(true);
        Span<bool> keepTouched = touched.Length <= 256 ? stackalloc bool[touched.Length] : new bool[touched.Length];
        keepTouched.Clear();
        var kept = current.Length;
        for (var t = 0; t < touched.Length; t++)
        {
            var at = current.Length - 1; // touched titles are mostly recent ones: search from the latest end
            while (at >= 0 && current[at].Item != touched[t].Item) at--;
            if (at < 0) { keepTouched[t] = true; kept++; }
            else if (touched[t].LastTicks > current[at].LastTicks) { keepTouched[t] = true; keepCurrent[at] = false; }
        }

        // Walk both from the latest end, taking the later entry each time, until the history is full.
        var length = Math.Min(kept, HistoryPerUser);
        int c = current.Length - 1, n = touched.Length - 1;
        for (var r = length - 1; r >= 0; r--)
        {
            while (c >= 0 && !keepCurrent[c]) c--;
            while (n >= 0 && !keepTouched[n]) n--;
            result[r] = n < 0 || (c >= 0 && CompareHistory(current[c], touched[n]) > 0) ? current[c--] : touched[n--];
        }
        return length;
    }

    /// <summary>History order: by last interaction, then title id (ordinal), so equal states list equal histories.</summary>
    private int CompareHistory(HistoryEntry a, HistoryEntry b) =>
        a.LastTicks != b.LastTicks ? a.LastTicks.CompareTo(b.LastTicks) : string.CompareOrdinal(Items.Ids[a.Item], Items.Ids[b.Item]);

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

    private int InternUser(string id)
    {
        var u = Users.Intern(id);
        if (u < UserTotals.Count) return u;
        UserTotals.Add(new UserAggregate { LastTicks = long.MinValue });
        CollectionsMarshal.SetCount(UserGenres, UserGenres.Count + Genres.Length);
        CollectionsMarshal.SetCount(UserMaturity, UserMaturity.Count + Maturities.Length);
        CollectionsMarshal.SetCount(_history, _history.Count + HistoryPerUser);
        _historyLengths.Add(0);
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
            _history = [.. _history], _historyLengths = [.. _historyLengths], _pairs = _pairs.Clone(),
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
        var buffer = new MemoryStream(1024 + _pairs.Count * 8 + UserGenres.Count * Unsafe.SizeOf<GenreAggregate>() + UserTotals.Count * (Unsafe.SizeOf<UserAggregate>() + 16 * HistoryPerUser));
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
            WriteRaw(w, _historyLengths);
            w.Write(_historyLengths.Sum());
            for (var u = 0; u < _historyLengths.Count; u++) w.Write(MemoryMarshal.AsBytes(HistoryOf(u)));
            w.Write(_pairs.Count);
            w.Write(MemoryMarshal.AsBytes(_pairs.Keys));
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
        if (r.ReadInt32() != FormatVersion) throw new InvalidDataException("View state written in another format version: run 'mlops features refresh --full'.");
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
        if (lengths.Any(n => n < 0 || n > state.HistoryPerUser)) throw new InvalidDataException("View state: a history is longer than the state's history length.");
        state._historyLengths = lengths;
        CollectionsMarshal.SetCount(state._history, lengths.Count * state.HistoryPerUser);
        var history = CollectionsMarshal.AsSpan(state._history);
        for (var u = 0; u < lengths.Count; u++)
            r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(history.Slice(u * state.HistoryPerUser, lengths[u])));
        state._pairs = new PairSet(ReadArray<long>(r));
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
