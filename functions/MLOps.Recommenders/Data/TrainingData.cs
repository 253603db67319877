using MLOps.Core.Data;

namespace MLOps.Recommenders;

/// <summary>One user–item interaction in dense index space. Rating is 1 for implicit events; Timestamp is Unix seconds.</summary>
public readonly record struct Interaction(int User, int Item, float Rating, long Timestamp);

/// <summary>
/// What every model trains on: users and items in dense index spaces, their de-duplicated interactions (one per user and item:
/// the latest timestamp, the highest rating), per-user histories sorted by time (most recent last), and the catalogue entry of each
/// item when known (content features, cold start). Immutable; splits share the user and item index spaces.
/// </summary>
public sealed class TrainingData
{
    private readonly Interaction[] _interactions;
    private readonly long[] _firstTimestamps;
    private readonly int[] _sourcePositions;
    private readonly int[] _userOffsets;
    private readonly int[] _userItems;
    private readonly int[] _itemCounts;

    public TrainingData(ItemIndex items, IReadOnlyList<string> userIds, IEnumerable<Interaction> interactions, IReadOnlyList<CatalogItem?>? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(userIds);
        if (catalog is not null && catalog.Count != items.Count)
            throw new ArgumentException($"The catalogue has {catalog.Count} entries for {items.Count} items; it must be aligned with the item index.", nameof(catalog));
        Items = items;
        UserIds = userIds;
        Catalog = catalog;
        (_interactions, _firstTimestamps, _sourcePositions, SourceRowCount) = Deduplicate(interactions, userIds.Count, items.Count);
        _userOffsets = new int[userIds.Count + 1];
        foreach (var x in _interactions) _userOffsets[x.User + 1]++;
        for (var u = 0; u < userIds.Count; u++) _userOffsets[u + 1] += _userOffsets[u];
        _userItems = new int[_interactions.Length];
        for (var n = 0; n < _interactions.Length; n++) _userItems[n] = _interactions[n].Item;
        _itemCounts = new int[items.Count];
        foreach (var x in _interactions) _itemCounts[x.Item]++;
        if (_interactions.Length > 0)
        {
            MinTimestamp = _interactions.Min(x => x.Timestamp);
            MaxTimestamp = _interactions.Max(x => x.Timestamp);
        }
    }

    public ItemIndex Items { get; }
    public IReadOnlyList<string> UserIds { get; }
    public int UserCount => UserIds.Count;
    public int ItemCount => Items.Count;

    /// <summary>Catalogue entry per item index (null where unknown), or null when no catalogue was given.</summary>
    public IReadOnlyList<CatalogItem?>? Catalog { get; }

    /// <summary>All interactions, grouped by user, each user's sorted by time then item.</summary>
    public ReadOnlySpan<Interaction> Interactions => _interactions;
    public int InteractionCount => _interactions.Length;

    /// <summary>
    /// For each interaction (aligned with <see cref="Interactions"/>), its position in the sequence the data was built from
    /// (the first row of its user–item pair): a file's row order, which splitters that draw one random number per row need.
    /// </summary>
    public ReadOnlySpan<int> SourcePositions => _sourcePositions;

    /// <summary>
    /// For each interaction (aligned with <see cref="Interactions"/>), the time the user first interacted with the title; the
    /// interaction's own timestamp is the latest. They differ only for repeat views. Time-based splits hold out titles by their
    /// first view, so a re-watch of an old title is not a "new" title to predict.
    /// </summary>
    public ReadOnlySpan<long> FirstTimestamps => _firstTimestamps;

    /// <summary>Rows in the sequence the data was built from, duplicates included.</summary>
    public int SourceRowCount { get; }
    public long MinTimestamp { get; }
    public long MaxTimestamp { get; }

    /// <summary>The items of one user, oldest first.</summary>
    public ReadOnlySpan<int> History(int user) => _userItems.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]);

    /// <summary>The interactions of one user, oldest first.</summary>
    public ReadOnlySpan<Interaction> UserInteractions(int user) => _interactions.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]);

    /// <summary>The first-view times of one user's interactions, aligned with <see cref="UserInteractions"/>.</summary>
    public ReadOnlySpan<long> UserFirstTimestamps(int user) => _firstTimestamps.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]);

    /// <summary>Number of users who interacted with each item.</summary>
    public ReadOnlySpan<int> ItemCounts => _itemCounts;

    /// <summary>Same users, items and catalogue with other interactions (splits, filters).</summary>
    public TrainingData With(IEnumerable<Interaction> interactions) => new(Items, UserIds, interactions, Catalog);

    /// <summary>
    /// Builds training data from accepted events and the catalogue. Items are the catalogue's titles plus any title seen in events
    /// (ordinal id order), users are those with events (ordinal order). Events with a rating below <paramref name="minRating"/> are skipped;
    /// impressions, searches and exposures are not interactions.
    /// </summary>
    public static TrainingData FromEvents(IEnumerable<ViewingEvent> events, IEnumerable<CatalogItem>? catalog = null, double? minRating = null, DateTimeOffset? before = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var builder = new TrainingDataBuilder(minRating, before);
        foreach (var e in events) builder.Add(e);
        return builder.Build(catalog);
    }

    private readonly record struct Row(Interaction X, int Position, long First);

    // Struct comparers: the generic Span sort specialises on them, so the 1M-row sorts of the pipeline run without delegate calls.
    private readonly struct ByUserItemTime : IComparer<Row>
    {
        public int Compare(Row a, Row b) => a.X.User != b.X.User ? a.X.User.CompareTo(b.X.User) : a.X.Item != b.X.Item ? a.X.Item.CompareTo(b.X.Item)
            : a.X.Timestamp != b.X.Timestamp ? a.X.Timestamp.CompareTo(b.X.Timestamp) : a.Position.CompareTo(b.Position);
    }

    private readonly struct ByUserTimeItem : IComparer<Row>
    {
        public int Compare(Row a, Row b) => a.X.User != b.X.User ? a.X.User.CompareTo(b.X.User)
            : a.X.Timestamp != b.X.Timestamp ? a.X.Timestamp.CompareTo(b.X.Timestamp) : a.X.Item.CompareTo(b.X.Item);
    }

    private static (Interaction[] Interactions, long[] FirstTimestamps, int[] Positions, int SourceRows) Deduplicate(IEnumerable<Interaction> source, int users, int items)
    {
        var rows = source.TryGetNonEnumeratedCount(out var count) ? new List<Row>(count) : [];
        foreach (var x in source)
        {
            if ((uint)x.User >= (uint)users || (uint)x.Item >= (uint)items)
                throw new ArgumentOutOfRangeException(nameof(source), $"Interaction ({x.User}, {x.Item}) lies outside {users} users × {items} items.");
            rows.Add(new Row(x, rows.Count, x.Timestamp));
        }
        var sourceRows = rows.Count;
        var list = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows);
        list.Sort(new ByUserItemTime());
        var kept = 0;
        for (var n = 0; n < list.Length; n++)
        {
            if (kept > 0 && list[kept - 1].X.User == list[n].X.User && list[kept - 1].X.Item == list[n].X.Item)
            {
                var merged = list[kept - 1].X with { Timestamp = list[n].X.Timestamp, Rating = Math.Max(list[kept - 1].X.Rating, list[n].X.Rating) };
                list[kept - 1] = new Row(merged, Math.Min(list[kept - 1].Position, list[n].Position), Math.Min(list[kept - 1].First, list[n].First));
            }
            else list[kept++] = list[n];
        }
        list = list[..kept];
        list.Sort(new ByUserTimeItem());
        var interactions = new Interaction[kept];
        var firsts = new long[kept];
        var positions = new int[kept];
        for (var n = 0; n < kept; n++) { interactions[n] = list[n].X; firsts[n] = list[n].First; positions[n] = list[n].Position; }
        return (interactions, firsts, positions, sourceRows);
    }
}
