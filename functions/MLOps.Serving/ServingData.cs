using System.Collections.Concurrent;
using System.Numerics;
using MLOps.Core.Data;
using MLOps.Recommenders;
using MLOps.Storage;

namespace MLOps.Serving;

/// <summary>
/// Everything serving needs besides the model, precomputed once: the item space (catalogue ∪ items seen in
/// events), per-item genres as bit masks, popularity, trending (time-decayed plays), new releases, and per-user
/// state (history, seen set, genre affinity). Events posted to the API update a user's state copy-on-write.
/// </summary>
public sealed class ServingData
{
    public const int MaxHistory = TopK.MaxScoredHistory;
    private readonly Dictionary<string, UserState> _users;
    private readonly ConcurrentDictionary<string, UserState> _fresh = new(StringComparer.Ordinal);

    private ServingData(ItemIndex items, CatalogItem?[] catalog, string[] genres, ulong[] genreMask, float[] popularity,
        float[] trending, DateTimeOffset now, Dictionary<string, UserState> users)
    {
        Items = items;
        Catalog = catalog;
        Genres = genres;
        GenreMask = genreMask;
        Popularity = popularity;
        Trending = trending;
        Now = now;
        _users = users;
        Twins = TitleTwins.Build(catalog);
        GenreIndex = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var g = 0; g < genres.Length; g++) GenreIndex.TryAdd(genres[g], g);

        TrendingOrder = Enumerable.Range(0, items.Count).OrderByDescending(i => trending[i]).ThenByDescending(i => popularity[i]).ThenBy(i => i).ToArray();
        GenreTrendingOrder = new int[genres.Length][];
        for (var g = 0; g < genres.Length; g++)
        {
            var bit = 1UL << g;
            GenreTrendingOrder[g] = TrendingOrder.Where(i => (genreMask[i] & bit) != 0).ToArray();
        }
        // A release date, else the release year's first day (ml-latest titles carry a year only).
        var dated = Enumerable.Range(0, items.Count).Where(i => catalog[i]?.ReleasedOn is not null).ToArray();
        NewestRelease = dated.Length == 0 ? null : dated.Max(i => catalog[i]!.ReleasedOn);
        // "New" = released within NewDays of the newest title in the catalogue (the catalogue's own clock).
        IsNew = new bool[items.Count];
        Recency = new float[items.Count];
        if (NewestRelease is { } newest)
            foreach (var i in dated)
            {
                var age = newest.DayNumber - catalog[i]!.ReleasedOn!.Value.DayNumber;
                IsNew[i] = age <= NewDays;
                Recency[i] = MathF.Pow(0.5f, age / (float)NewDays);
            }
        NewReleaseOrder = dated.OrderByDescending(i => catalog[i]!.ReleasedOn).ThenByDescending(i => trending[i]).ToArray();
        var maxTrend = trending.Length == 0 ? 0 : trending.Max();
        TrendingNormalized = trending.Select(t => maxTrend > 0 ? t / maxTrend : 0f).ToArray();
    }

    public ItemIndex Items { get; }
    public int Count => Items.Count;
    public CatalogItem?[] Catalog { get; }
    public string[] Genres { get; }
    /// <summary>Titles the catalogue lists under more than one id: served lists show each once, and never one watched under another id.</summary>
    public TitleTwins Twins { get; }
    public Dictionary<string, int> GenreIndex { get; }
    public ulong[] GenreMask { get; }
    public float[] Popularity { get; }
    public float[] Trending { get; }
    public float[] TrendingNormalized { get; }
    public int[] TrendingOrder { get; }
    public int[][] GenreTrendingOrder { get; }
    public int[] NewReleaseOrder { get; }

    /// <summary>A title counts as new within this many days of the catalogue's newest release.</summary>
    public const int NewDays = 180;

    /// <summary>
    /// How recent a release is, the "New releases" row's score: 0.5^(age / <see cref="NewDays"/>), age in days before the
    /// catalogue's newest release, so 1 for the newest title and 0.5 where "new" ends; 0 without a release date or year.
    /// It falls as the row does (by release date), ties (same day) in trending order.
    /// </summary>
    public float[] Recency { get; }
    public bool[] IsNew { get; }
    public DateOnly? NewestRelease { get; }
    /// <summary>The data's clock: the newest event seen (trending decays relative to it).</summary>
    public DateTimeOffset Now { get; }
    public int UserCount => _users.Count;

    /// <summary>The loaded users' seen sets, and for each title the users (indices into them) who watched it.</summary>
    private sealed record Viewers(SeenTitles[] SeenByUser, int[][] ByItem);

    private Viewers? _viewers;

    /// <summary>
    /// Built on first use, for "viewers also watched" of titles the model did not learn. Fresh events are not in it; they
    /// reach it with the next load.
    /// </summary>
    private Viewers LoadedViewers => _viewers ??= BuildViewers();

    private Viewers BuildViewers()
    {
        var seenByUser = _users.Values.Select(user => user.Seen).ToArray();
        var lists = new List<int>[Count];
        for (var u = 0; u < seenByUser.Length; u++)
            foreach (var i in seenByUser[u]) (lists[i] ??= []).Add(u);
        return new Viewers(seenByUser, lists.Select(l => l?.ToArray() ?? []).ToArray());
    }

    /// <summary>
    /// Cosine co-occurrence of every title with <paramref name="item"/> over the loaded users (c_ij / √(n_i·n_j)), into
    /// <paramref name="scores"/>; false when fewer than two users watched the item (no signal).
    /// </summary>
    public bool CoWatched(int item, Span<float> scores)
    {
        var viewers = LoadedViewers;
        var watchers = viewers.ByItem[item];
        if (watchers.Length < 2) return false;
        scores.Clear();
        foreach (var u in watchers)
            foreach (var i in viewers.SeenByUser[u]) scores[i]++;
        for (var j = 0; j < scores.Length; j++)
            scores[j] = scores[j] == 0 ? 0 : scores[j] / MathF.Sqrt((float)watchers.Length * viewers.ByItem[j].Length);
        return true;
    }

    public string Title(int item) => Catalog[item]?.Title ?? Items[item];

    public IEnumerable<string> GenresOf(int item)
    {
        var mask = GenreMask[item];
        while (mask != 0)
        {
            var g = BitOperations.TrailingZeroCount(mask);
            yield return Genres[g];
            mask &= mask - 1;
        }
    }

    /// <summary>Genre Jaccard similarity of two items (0 when either has no genre).</summary>
    public float GenreSimilarity(int a, int b)
    {
        var union = BitOperations.PopCount(GenreMask[a] | GenreMask[b]);
        return union == 0 ? 0 : BitOperations.PopCount(GenreMask[a] & GenreMask[b]) / (float)union;
    }

    /// <summary>The loaded users' ids, those who watched most first (the warm-up's order: their lists cost most to compute).</summary>
    public IEnumerable<string> UserIdsByActivity() => _users.OrderByDescending(u => u.Value.Seen.Count).Select(u => u.Key);

    public UserState? User(string userId) =>
        _fresh.TryGetValue(userId, out var fresh) ? fresh : _users.GetValueOrDefault(userId);

    /// <summary>Adds accepted plays to the users' state (fresh events count without retraining).</summary>
    public void Append(IEnumerable<ViewingEvent> events)
    {
        foreach (var group in events.Where(IsConsumption).GroupBy(e => e.UserId, StringComparer.Ordinal))
        {
            var items = group.OrderBy(e => e.Timestamp).Select(e => Items.TryGetIndex(e.ContentId, out var i) ? i : -1).Where(i => i >= 0).ToList();
            if (items.Count == 0) continue;
            // A user's first fresh events extend the history loaded with the data; starting from them alone would forget
            // everything seen before (exclude-seen then recommends watched titles).
            _fresh.AddOrUpdate(group.Key,
                user => _users.GetValueOrDefault(user) is { } loaded ? UserState.Create(this, loaded.History.Concat(items), loaded.Seen) : UserState.Create(this, items),
                (_, old) => UserState.Create(this, old.History.Concat(items), old.Seen));
        }
    }

    /// <summary>Plays and ratings say a person watched a title; impressions, clicks, searches and exposures do not.</summary>
    public static bool IsConsumption(ViewingEvent e) => e.EventType is EventType.Play or EventType.Rate;

    public static async Task<ServingData> LoadAsync(IBlobStore store, TimeSpan trendingHalfLife, CancellationToken cancellationToken = default)
    {
        var catalog = await CatalogStore.ReadAsync(store, cancellationToken).ConfigureAwait(false);
        // Streamed: each event becomes a 16-byte row as it is read (holding the event objects cost ≈ 700 MB at 2M events).
        var events = new ServingEvents();
        await foreach (var e in EventLog.ReadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false))
            if (IsConsumption(e)) events.Add(e);
        return Build(catalog, events, trendingHalfLife);
    }

    public static ServingData Build(IReadOnlyList<CatalogItem> catalog, IReadOnlyList<ViewingEvent> events, TimeSpan trendingHalfLife)
    {
        var rows = new ServingEvents();
        foreach (var e in events) rows.Add(e);
        return Build(catalog, rows, trendingHalfLife);
    }

    private static ServingData Build(IReadOnlyList<CatalogItem> catalog, ServingEvents events, TimeSpan trendingHalfLife)
    {
        var ids = new List<string>(catalog.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in catalog) if (seen.Add(item.ContentId)) ids.Add(item.ContentId);
        foreach (var id in events.TitleIds) if (seen.Add(id)) ids.Add(id);
        var index = new ItemIndex(ids);
        var indexOf = events.TitleIds.Select(id => index.TryGetIndex(id, out var i) ? i : 0).ToArray();
        var records = new CatalogItem?[index.Count];
        foreach (var item in catalog) records[index.TryGetIndex(item.ContentId, out var i) ? i : 0] = item;

        var genreList = catalog.SelectMany(c => c.Genres).Where(g => !string.IsNullOrWhiteSpace(g))
            .GroupBy(g => g.Trim(), StringComparer.OrdinalIgnoreCase).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).Take(64).ToArray();
        var genreIndex = genreList.Select((g, i) => (g, i)).ToDictionary(x => x.g, x => x.i, StringComparer.OrdinalIgnoreCase);
        var masks = new ulong[index.Count];
        for (var i = 0; i < records.Length; i++)
            foreach (var g in records[i]?.Genres ?? [])
                if (genreIndex.TryGetValue(g.Trim(), out var gi)) masks[i] |= 1UL << gi;

        var now = events.Latest ?? DateTimeOffset.UnixEpoch;
        var popularity = new float[index.Count];
        var trending = new float[index.Count];
        var halfLifeDays = Math.Max(trendingHalfLife.TotalDays, 1e-3);
        foreach (var row in events.Rows)
        {
            var i = indexOf[row.Title];
            popularity[i] += 1;
            trending[i] += (float)Math.Pow(0.5, TimeSpan.FromTicks(now.UtcTicks - row.UtcTicks).TotalDays / halfLifeDays);
        }

        var users = new Dictionary<string, UserState>(events.UserCount, StringComparer.Ordinal);
        var data = new ServingData(index, records, genreList, masks, popularity, trending, now, users);
        var histories = events.Histories();
        for (var u = 0; u < histories.Length; u++)
            users[events.UserIds[u]] = UserState.Create(data, histories[u].Select(title => indexOf[title]));
        return data;
    }
}

/// <summary>One user's precomputed state: distinct history (most recent last), seen titles, genre affinity.</summary>
public sealed class UserState
{
    private UserState(int[] history, SeenTitles seen, float[] affinity, int[] genreOrder)
    {
        History = history;
        Seen = seen;
        GenreAffinity = affinity;
        GenreOrder = genreOrder;
    }

    public int[] History { get; }
    public SeenTitles Seen { get; }
    /// <summary>Share of the user's history in each genre (recency-weighted).</summary>
    public float[] GenreAffinity { get; }
    /// <summary>Genres with positive affinity, strongest first.</summary>
    public int[] GenreOrder { get; }

    public bool HasSeen(int item) => Seen.Contains(item);

    /// <summary>Sets the score of every title the user has seen (the whole seen set, not only the scored history) to −∞.</summary>
    public void MaskSeen(Span<float> scores) => Seen.Mask(scores);

    /// <summary>
    /// A user's state from their titles in time order, plus <paramref name="alreadySeen"/> (the state being extended by
    /// fresh events). The history the model scores keeps each title once, at its latest position, and at most
    /// MaxHistory of the most recent (bounded scoring cost); the seen set keeps every title, so a user with a long
    /// past is never recommended what they watched before their latest MaxHistory titles.
    /// </summary>
    internal static UserState Create(ServingData data, IEnumerable<int> chronological, SeenTitles? alreadySeen = null)
    {
        var list = chronological.ToList();
        var last = new Dictionary<int, int>();
        for (var p = 0; p < list.Count; p++) last[list[p]] = p;
        var seen = SeenTitles.From(last.Keys, data.Count, alreadySeen);
        var history = last.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
        if (history.Length > ServingData.MaxHistory) history = history[^ServingData.MaxHistory..];
        var affinity = new float[data.Genres.Length];
        for (var p = 0; p < history.Length; p++)
        {
            var weight = 1f + p / (float)history.Length; // later titles count up to twice
            var mask = data.GenreMask[history[p]];
            while (mask != 0)
            {
                affinity[BitOperations.TrailingZeroCount(mask)] += weight;
                mask &= mask - 1;
            }
        }
        var total = affinity.Sum();
        if (total > 0) for (var g = 0; g < affinity.Length; g++) affinity[g] /= total;
        var order = Enumerable.Range(0, affinity.Length).Where(g => affinity[g] > 0).OrderByDescending(g => affinity[g]).ToArray();
        return new UserState(history, seen, affinity, order);
    }
}
