using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MLOps.Core.Data;
using MLOps.Features.Statistics;

namespace MLOps.Features.Store;

/// <summary>
/// The four views of one snapshot, in id order, with their statistics. The two large views are built on first use:
/// materializing needs only their statistics, which come from the columns (docs/features.md, "Incremental views").
/// </summary>
internal sealed record FeatureTables(
    List<UserFeatures> Users, List<ItemFeatures> Items, Lazy<List<UserGenreFeatures>> LazyUserGenres, Lazy<List<UserHistoryRow>> LazyHistory)
{
    public List<UserGenreFeatures> UserGenres => LazyUserGenres.Value;
    public List<UserHistoryRow> History => LazyHistory.Value;
    public required int UserGenreRows { get; init; }
    public IReadOnlyList<FeatureStatistics> Statistics { get; init; } = [];
    public string Timing { get; init; } = "";
}

/// <summary>Turns a view state into feature rows as of a cutoff (docs/features.md has every definition).</summary>
internal static class FeatureComputer
{
    // Runs once per snapshot per process: optimized from the first call rather than tiered up after it is done.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FeatureTables Compute(ViewState state, IReadOnlyList<CatalogItem> catalog, DateTimeOffset cutoff, bool withStatistics = true)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var cutoffTicks = cutoff.UtcTicks;
        var lastDay = (cutoffTicks - 1) / TimeSpan.TicksPerDay;
        var cutoffDay = DateOnly.FromDateTime(new DateTime(cutoffTicks - 1, DateTimeKind.Utc));
        var rate = Math.Log(2) / (state.HalfLifeDays * TimeSpan.TicksPerDay);
        // The only cutoff-dependent factor of the decayed sums, applied once per value: equal states give equal values.
        var scale = Math.Exp(-rate * (cutoffTicks - state.AnchorTicks));
        var nUsers = state.Users.Count;
        var nItems = state.Items.Count;
        var genreNames = state.Genres;
        var maturityNames = state.Maturities;
        var g = genreNames.Length;
        var m = maturityNames.Length;
        var userTotals = CollectionsMarshal.AsSpan(state.UserTotals);
        var itemTotals = CollectionsMarshal.AsSpan(state.ItemTotals);
        var userGenre = CollectionsMarshal.AsSpan(state.UserGenres);
        var userMaturity = CollectionsMarshal.AsSpan(state.UserMaturity);

        // Every title's catalogue data; the ones released after the cutoff do not exist yet and are listed only with events.
        var catalogById = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
        foreach (var c in catalog) catalogById[c.ContentId] = c;

        // Slot k of a row's daily counts is day state.LastDay − KeepDays + k; age 0 is the cutoff's day.
        var user7 = new long[nUsers]; var user28 = new long[nUsers];
        var userDays = CollectionsMarshal.AsSpan(state.UserDays);
        var itemDays = CollectionsMarshal.AsSpan(state.ItemDays);
        for (var k = 0; k < ViewState.DaySlots; k++)
        {
            var age = lastDay - (state.LastDay - FeatureState.KeepDays + k);
            if (age is < 0 or >= 30) continue;
            for (var u = 0; u < nUsers; u++)
            {
                var count = userDays[u * ViewState.DaySlots + k];
                if (age < 7) user7[u] += count;
                if (age < 28) user28[u] += count;
            }
        }
        var item1 = new long[nItems]; var item7 = new long[nItems]; var item30 = new long[nItems];
        for (var k = 0; k < ViewState.DaySlots; k++)
        {
            var age = lastDay - (state.LastDay - FeatureState.KeepDays + k);
            if (age is < 0 or >= 30) continue;
            for (var i = 0; i < nItems; i++)
            {
                var count = itemDays[i * ViewState.DaySlots + k];
                if (age < 1) item1[i] += count;
                if (age < 7) item7[i] += count;
                item30[i] += count;
            }
        }

        var users = new List<UserFeatures>(nUsers);
        var userIds = state.Users.Ids.ToArray();
        var userOrder = Order(state.Users.Ids);
        // user × genre columns, rows in (user id, genre) order
        var cells = nUsers * g;
        var genreUser = new List<int>(cells); var genreIndex = new List<int>(cells);
        var genreDecayed = new List<double>(cells); var genreAffinity = new List<double>(cells); var genreCount = new List<long>(cells);
        var relative = new double[g];
        foreach (var u in userOrder)
        {
            // Shares and the top genre from the user's sums in units of their newest era: no underflow however old.
            var era = int.MinValue;
            for (var k = 0; k < g; k++)
                if (!userGenre[u * g + k].Weight.IsEmpty) era = Math.Max(era, userGenre[u * g + k].Weight.Era);
            var top = -1; var total = 0.0;
            for (var k = 0; k < g; k++)
            {
                var w = relative[k] = userGenre[u * g + k].Weight.Relative(era);
                total += w;
                if (w > 0 && (top < 0 || w > relative[top])) top = k;
            }
            var maturity = -1;
            for (var k = 0; k < m; k++)
                if (userMaturity[u * m + k] > 0 && (maturity < 0 || userMaturity[u * m + k] > userMaturity[u * m + maturity])) maturity = k;
            ref readonly var t = ref userTotals[u];
            var id = state.Users.Ids[u];
            users.Add(new UserFeatures
            {
                UserId = id,
                EventsTotal = t.Events,
                DistinctItems = t.DistinctItems,
                DaysSinceLast = (double)(cutoffTicks - t.LastTicks) / TimeSpan.TicksPerDay,
                Events7d = user7[u],
                Events28d = user28[u],
                ActivityLevel = ActivityLevel(user28[u]),
                MeanRating = t.RatingCount > 0 ? FixedPoint.Rating(t.RatingSum) / t.RatingCount : null,
                MeanViewMinutes = t.Events > 0 ? FixedPoint.Seconds(t.ViewSeconds) / 60.0 / t.Events : null,
                PreferredMaturity = maturity >= 0 ? maturityNames[maturity] : null,
                TopGenre = top >= 0 ? genreNames[top] : null,
            });
            for (var k = 0; k < g; k++)
            {
                ref readonly var cell = ref userGenre[u * g + k];
                if (cell.Count == 0) continue;
                genreUser.Add(u);
                genreIndex.Add(k);
                genreDecayed.Add(Math.ScaleB(relative[k], DecayedSum.EraHalfLives * era - FixedPoint.WeightBits) * scale);
                genreAffinity.Add(total > 0 ? relative[k] / total : 0);
                genreCount.Add(cell.Count);
            }
        }
        var userGenres = new Lazy<List<UserGenreFeatures>>(() =>
        {
            var rows = new List<UserGenreFeatures>(genreUser.Count);
            for (var r = 0; r < genreUser.Count; r++)
                rows.Add(new UserGenreFeatures
                {
                    UserId = userIds[genreUser[r]], Genre = genreNames[genreIndex[r]], DecayedCount = genreDecayed[r], Count = genreCount[r], Affinity = genreAffinity[r],
                });
            return rows;
        });
        // The lazy rows read copies, not the state: a warm process folds the next day into this state in place.
        var historyCopy = state.CopyHistory();
        var itemIds = state.Items.Ids.ToArray();
        var history = new Lazy<List<UserHistoryRow>>(() => History(historyCopy, userIds, itemIds, userOrder));

        // Items: every title with events, and every catalogue title released by the cutoff (cold-start titles get zeros).
        var items = new List<ItemFeatures>(nItems + catalogById.Count);
        var allItemIds = state.Items.Ids.Concat(catalogById.Values
            .Where(c => !state.Items.TryGet(c.ContentId, out _) && (c.ExistsBy is not { } r || r <= cutoffDay)).Select(c => c.ContentId)).ToList();
        foreach (var id in allItemIds.Order(StringComparer.Ordinal))
        {
            var known = state.Items.TryGet(id, out var i);
            var t = known ? itemTotals[i] : default;
            catalogById.TryGetValue(id, out var c);
            // Age from the same day that decides the listing; unknown while that day is after the cutoff (a title with
            // events before its year ended) unless the release date itself is known.
            var released = c?.ExistsBy;
            items.Add(new ItemFeatures
            {
                ItemId = id,
                Popularity1d = known ? item1[i] : 0,
                Popularity7d = known ? item7[i] : 0,
                Popularity30d = known ? item30[i] : 0,
                EventsTotal = t.Events,
                DistinctUsers = t.DistinctUsers,
                MeanRating = t.RatingCount > 0 ? FixedPoint.Rating(t.RatingSum) / t.RatingCount : null,
                RatingCount = t.RatingCount,
                AgeDays = released is { } release && (c!.ReleaseDate is not null || release <= cutoffDay)
                    ? (double)(cutoffTicks - release.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks) / TimeSpan.TicksPerDay : null,
                Genres = c is null ? "" : string.Join('|', c.Genres.Distinct(StringComparer.Ordinal)),
                MaturityRating = c?.MaturityRating,
                InCatalog = c is not null,
            });
        }

        var rowsSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new FeatureTables(users, items, userGenres, history)
        {
            UserGenreRows = genreUser.Count,
            Statistics = withStatistics ? Describe(users, items, genreDecayed, genreAffinity, genreIndex, genreNames) : [],
            Timing = $"rows {rowsSeconds:F3} s, rows+statistics {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F3} s",
        };
    }

    public static string ActivityLevel(long events28d) => events28d switch
    {
        0 => "dormant",
        < 5 => "light",
        < 20 => "regular",
        _ => "heavy",
    };

    private static int[] Order(List<string> ids)
    {
        var order = Enumerable.Range(0, ids.Count).ToArray();
        Array.Sort(order, (a, b) => string.CompareOrdinal(ids[a], ids[b]));
        return order;
    }

    /// <summary>Per-feature statistics: the drift reference (names are "view.column").</summary>
    /// <summary>Each user's recent titles, oldest first, as "a|b|c".</summary>
    private static List<UserHistoryRow> History(ViewState.HistoryCopy history, string[] userIds, string[] itemIds, int[] userOrder)
    {
        var rows = new List<UserHistoryRow>(userOrder.Length);
        var text = new System.Text.StringBuilder();
        foreach (var u in userOrder)
        {
            var recent = history.Of(u);
            text.Clear();
            foreach (var entry in recent)
            {
                if (text.Length > 0) text.Append('|');
                text.Append(itemIds[entry.Item]);
            }
            rows.Add(new UserHistoryRow { UserId = userIds[u], Items = text.ToString(), LastAt = new DateTime(recent[^1].LastTicks, DateTimeKind.Utc) });
        }
        return rows;
    }

    private static List<FeatureStatistics> Describe(List<UserFeatures> users, List<ItemFeatures> items, List<double> genreDecayed, List<double> genreAffinity, List<int> genreIndex, string[] genreNames)
    {
        // Each feature's statistics are independent: built in parallel, listed in this fixed order.
        var work = new List<Func<FeatureStatistics>>();
        void Numeric<T>(string name, List<T> rows, Func<T, double?> value) => work.Add(() =>
        {
            var b = new FeatureStatisticsBuilder(name, FeatureKind.Numeric);
            foreach (var row in rows) b.AddNumeric(value(row));
            return b.Build();
        });
        void Categorical<T>(string name, List<T> rows, Func<T, string?> value) => work.Add(() =>
        {
            var b = new FeatureStatisticsBuilder(name, FeatureKind.Categorical);
            foreach (var row in rows) b.AddCategory(value(row));
            return b.Build();
        });
        Numeric("user.events_total", users, u => u.EventsTotal);
        Numeric("user.distinct_items", users, u => u.DistinctItems);
        Numeric("user.days_since_last", users, u => u.DaysSinceLast);
        Numeric("user.events_7d", users, u => u.Events7d);
        Numeric("user.events_28d", users, u => u.Events28d);
        Numeric("user.mean_rating", users, u => u.MeanRating);
        Numeric("user.mean_view_minutes", users, u => u.MeanViewMinutes);
        Categorical("user.activity_level", users, u => u.ActivityLevel);
        Categorical("user.preferred_maturity", users, u => u.PreferredMaturity);
        Categorical("user.top_genre", users, u => u.TopGenre);
        Numeric("item.popularity_1d", items, i => i.Popularity1d);
        Numeric("item.popularity_7d", items, i => i.Popularity7d);
        Numeric("item.popularity_30d", items, i => i.Popularity30d);
        Numeric("item.events_total", items, i => i.EventsTotal);
        Numeric("item.distinct_users", items, i => i.DistinctUsers);
        Numeric("item.mean_rating", items, i => i.MeanRating);
        Numeric("item.rating_count", items, i => i.RatingCount);
        Numeric("item.age_days", items, i => i.AgeDays);
        Categorical("item.maturity_rating", items, i => i.MaturityRating);
        work.Add(() =>
        {
            // One count per genre of each title; a title without genres counts as a null.
            var b = new FeatureStatisticsBuilder("item.genre", FeatureKind.Categorical);
            foreach (var item in items)
                if (item.GenreList.Count == 0) b.AddCategory(null);
                else foreach (var genre in item.GenreList) b.AddCategory(genre);
            return b.Build();
        });
        // The user × genre columns are the large ones (356k values for 1M events): added in bulk, genres counted by index.
        void Column(string name, List<double> values) => work.Add(() =>
        {
            var b = new FeatureStatisticsBuilder(name, FeatureKind.Numeric);
            b.AddNumerics(CollectionsMarshal.AsSpan(values));
            return b.Build();
        });
        Column("user_genre.decayed_count", genreDecayed);
        Column("user_genre.affinity", genreAffinity);
        work.Add(() =>
        {
            var counts = new long[genreNames.Length];
            foreach (var g in CollectionsMarshal.AsSpan(genreIndex)) counts[g]++;
            var b = new FeatureStatisticsBuilder("user_genre.genre", FeatureKind.Categorical);
            for (var g = 0; g < counts.Length; g++) b.AddCategory(genreNames[g], counts[g]);
            return b.Build();
        });
        var stats = new FeatureStatistics[work.Count];
        Parallel.For(0, work.Count, k => stats[k] = work[k]());
        return [.. stats];
    }
}
