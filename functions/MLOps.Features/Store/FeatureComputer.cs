using System.Runtime.InteropServices;
using MLOps.Core.Data;
using MLOps.Features.Statistics;

namespace MLOps.Features.Store;

/// <summary>The four views of one snapshot, in id order, with their statistics.</summary>
internal sealed record FeatureTables(
    List<UserFeatures> Users, List<ItemFeatures> Items, List<UserGenreFeatures> UserGenres, List<UserHistoryRow> History)
{
    public IReadOnlyList<FeatureStatistics> Statistics { get; init; } = [];
    public string Timing { get; init; } = "";
}

/// <summary>Turns the aggregate state into feature rows as of a cutoff (docs/features.md has every definition).</summary>
internal static class FeatureComputer
{
    public static FeatureTables Compute(FeatureState state, IReadOnlyList<CatalogItem> catalog, DateTimeOffset cutoff, FeatureStoreOptions options)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var historyTask = Task.Run(() => History(state, options.HistoryPerUser));
        var cutoffTicks = cutoff.UtcTicks;
        var lastDay = (cutoffTicks - 1) / TimeSpan.TicksPerDay;
        var cutoffDay = DateOnly.FromDateTime(new DateTime(cutoffTicks - 1, DateTimeKind.Utc));
        var rate = Math.Log(2) / (state.HalfLifeDays * TimeSpan.TicksPerDay);
        var scale = Math.Exp(-rate * (cutoffTicks - state.AnchorTicks));
        var pairs = CollectionsMarshal.AsSpan(state.Pairs);
        var nUsers = state.Users.Count;
        var nItems = state.Items.Count;

        // Catalogue attributes per item index; titles released after the cutoff do not exist yet.
        var catalogById = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
        foreach (var c in catalog)
            if (c.ReleaseDate is null || c.ReleaseDate <= cutoffDay) catalogById[c.ContentId] = c;
        var genreNames = catalogById.Values.SelectMany(c => c.Genres).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var genreIndex = genreNames.Select((g, k) => (g, k)).ToDictionary(x => x.g, x => x.k, StringComparer.Ordinal);
        var maturityNames = catalogById.Values.Select(c => c.MaturityRating).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var maturityIndex = maturityNames.Select((m, k) => (m, k)).ToDictionary(x => x.m, x => x.k, StringComparer.Ordinal);
        var itemGenres = new int[nItems][];
        var itemMaturity = new int[nItems];
        for (var i = 0; i < nItems; i++)
        {
            if (catalogById.TryGetValue(state.Items.Ids[i], out var c))
            {
                itemGenres[i] = c.Genres.Select(g => genreIndex[g]).Distinct().ToArray();
                itemMaturity[i] = c.MaturityRating is { } m ? maturityIndex[m] : -1;
            }
            else
            {
                itemGenres[i] = [];
                itemMaturity[i] = -1;
            }
        }

        // One pass over the pairs.
        var g = genreNames.Length;
        var userGenreWeight = new double[nUsers * g];
        var userGenreCount = new long[nUsers * g];
        var userMaturity = new long[nUsers * Math.Max(1, maturityNames.Length)];
        var userEvents = new long[nUsers]; var userItems = new long[nUsers]; var userLast = new long[nUsers];
        var userRatingSum = new double[nUsers]; var userRatingCount = new long[nUsers]; var userSeconds = new double[nUsers];
        var itemEvents = new long[nItems]; var itemUsers = new long[nItems];
        var itemRatingSum = new double[nItems]; var itemRatingCount = new long[nItems];
        Array.Fill(userLast, long.MinValue);
        foreach (ref readonly var p in pairs)
        {
            var u = p.User; var i = p.Item;
            userEvents[u] += p.Count; userItems[u]++;
            if (p.LastTicks > userLast[u]) userLast[u] = p.LastTicks;
            userRatingSum[u] += p.RatingSum; userRatingCount[u] += p.RatingCount; userSeconds[u] += p.ViewSeconds;
            itemEvents[i] += p.Count; itemUsers[i]++;
            itemRatingSum[i] += p.RatingSum; itemRatingCount[i] += p.RatingCount;
            var w = p.Weight * scale;
            foreach (var genre in itemGenres[i])
            {
                userGenreWeight[u * g + genre] += w;
                userGenreCount[u * g + genre] += p.Count;
            }
            if (itemMaturity[i] >= 0) userMaturity[u * maturityNames.Length + itemMaturity[i]] += p.Count;
        }

        var user7 = new long[nUsers]; var user28 = new long[nUsers];
        foreach (var (key, count) in state.UserDays)
        {
            var age = lastDay - (key & 0xFFFFFFFF);
            if (age < 0) continue;
            var u = (int)(key >> 32);
            if (age < 7) user7[u] += count;
            if (age < 28) user28[u] += count;
        }
        var item1 = new long[nItems]; var item7 = new long[nItems]; var item30 = new long[nItems];
        foreach (var (key, count) in state.ItemDays)
        {
            var age = lastDay - (key & 0xFFFFFFFF);
            if (age < 0) continue;
            var i = (int)(key >> 32);
            if (age < 1) item1[i] += count;
            if (age < 7) item7[i] += count;
            if (age < 30) item30[i] += count;
        }

        var users = new List<UserFeatures>(nUsers);
        var userGenres = new List<UserGenreFeatures>();
        foreach (var u in Order(state.Users.Ids))
        {
            var top = -1; var total = 0.0;
            for (var k = 0; k < g; k++)
            {
                var w = userGenreWeight[u * g + k];
                total += w;
                if (w > 0 && (top < 0 || w > userGenreWeight[u * g + top])) top = k;
            }
            var maturity = -1;
            for (var k = 0; k < maturityNames.Length; k++)
                if (userMaturity[u * maturityNames.Length + k] > 0 && (maturity < 0 || userMaturity[u * maturityNames.Length + k] > userMaturity[u * maturityNames.Length + maturity])) maturity = k;
            users.Add(new UserFeatures
            {
                UserId = state.Users.Ids[u],
                EventsTotal = userEvents[u],
                DistinctItems = userItems[u],
                DaysSinceLast = (double)(cutoffTicks - userLast[u]) / TimeSpan.TicksPerDay,
                Events7d = user7[u],
                Events28d = user28[u],
                ActivityLevel = ActivityLevel(user28[u]),
                MeanRating = userRatingCount[u] > 0 ? userRatingSum[u] / userRatingCount[u] : null,
                MeanViewMinutes = userEvents[u] > 0 ? userSeconds[u] / 60.0 / userEvents[u] : null,
                PreferredMaturity = maturity >= 0 ? maturityNames[maturity] : null,
                TopGenre = top >= 0 ? genreNames[top] : null,
            });
            for (var k = 0; k < g; k++)
            {
                if (userGenreCount[u * g + k] == 0) continue;
                var w = userGenreWeight[u * g + k];
                userGenres.Add(new UserGenreFeatures
                {
                    UserId = state.Users.Ids[u], Genre = genreNames[k], DecayedCount = w, Count = userGenreCount[u * g + k],
                    Affinity = total > 0 ? w / total : 0,
                });
            }
        }

        // Items: every title with events, and every catalogue title released by the cutoff (cold-start titles get zeros).
        var items = new List<ItemFeatures>(nItems + catalogById.Count);
        var allItemIds = state.Items.Ids.Concat(catalogById.Keys.Where(id => !state.Items.TryGet(id, out _))).ToList();
        foreach (var id in allItemIds.Order(StringComparer.Ordinal))
        {
            var known = state.Items.TryGet(id, out var i);
            catalogById.TryGetValue(id, out var c);
            items.Add(new ItemFeatures
            {
                ItemId = id,
                Popularity1d = known ? item1[i] : 0,
                Popularity7d = known ? item7[i] : 0,
                Popularity30d = known ? item30[i] : 0,
                EventsTotal = known ? itemEvents[i] : 0,
                DistinctUsers = known ? itemUsers[i] : 0,
                MeanRating = known && itemRatingCount[i] > 0 ? itemRatingSum[i] / itemRatingCount[i] : null,
                RatingCount = known ? itemRatingCount[i] : 0,
                AgeDays = c?.ReleaseDate is { } release ? (double)(cutoffTicks - release.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks) / TimeSpan.TicksPerDay : null,
                Genres = c is null ? "" : string.Join('|', c.Genres.Distinct(StringComparer.Ordinal)),
                MaturityRating = c?.MaturityRating,
                InCatalog = c is not null,
            });
        }

        var rowsSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        var stats = Describe(users, items, userGenres);
        var history = historyTask.GetAwaiter().GetResult();
        return new FeatureTables(users, items, userGenres, history)
        {
            Statistics = stats,
            Timing = $"rows {rowsSeconds:F2} s, rows+statistics+history {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F2} s",
        };
    }

    public static string ActivityLevel(long events28d) => events28d switch
    {
        0 => "dormant",
        < 5 => "light",
        < 20 => "regular",
        _ => "heavy",
    };

    private static IEnumerable<int> Order(List<string> ids)
    {
        var order = Enumerable.Range(0, ids.Count).ToArray();
        Array.Sort(order, (a, b) => string.CompareOrdinal(ids[a], ids[b]));
        return order;
    }

    /// <summary>The most recent <paramref name="perUser"/> titles of each user, oldest first (most recent last); ties by title id.</summary>
    private static List<UserHistoryRow> History(FeatureState state, int perUser)
    {
        var pairs = CollectionsMarshal.AsSpan(state.Pairs);
        var nUsers = state.Users.Count;
        var start = new int[nUsers + 1];
        foreach (ref readonly var p in pairs) start[p.User + 1]++;
        for (var u = 0; u < nUsers; u++) start[u + 1] += start[u];
        var byUser = new int[pairs.Length];
        var fill = (int[])start.Clone();
        for (var k = 0; k < pairs.Length; k++) byUser[fill[pairs[k].User]++] = k;

        var last = new long[pairs.Length];
        var itemOf = new int[pairs.Length];
        for (var k = 0; k < pairs.Length; k++) { last[k] = pairs[k].LastTicks; itemOf[k] = pairs[k].Item; }
        var itemIds = state.Items.Ids;
        var history = new List<UserHistoryRow>(nUsers);
        var text = new System.Text.StringBuilder();
        foreach (var u in Order(state.Users.Ids))
        {
            var n = start[u + 1] - start[u];
            var slice = byUser.AsSpan(start[u], n);
            // Sort by time, then by title id for equal times (deterministic, independent of insertion order).
            slice.Sort((a, b) => last[a] != last[b] ? last[a].CompareTo(last[b]) : string.CompareOrdinal(itemIds[itemOf[a]], itemIds[itemOf[b]]));
            text.Clear();
            for (var k = Math.Max(0, n - perUser); k < n; k++)
            {
                if (text.Length > 0) text.Append('|');
                text.Append(state.Items.Ids[pairs[slice[k]].Item]);
            }
            history.Add(new UserHistoryRow { UserId = state.Users.Ids[u], Items = text.ToString(), LastAt = new DateTime(pairs[slice[n - 1]].LastTicks, DateTimeKind.Utc) });
        }
        return history;
    }

    /// <summary>Per-feature statistics: the drift reference (names are "view.column").</summary>
    private static List<FeatureStatistics> Describe(List<UserFeatures> users, List<ItemFeatures> items, List<UserGenreFeatures> userGenres)
    {
        var stats = new List<FeatureStatistics>();
        void Numeric<T>(string name, List<T> rows, Func<T, double?> value)
        {
            var b = new FeatureStatisticsBuilder(name, FeatureKind.Numeric);
            foreach (var row in rows) b.AddNumeric(value(row));
            stats.Add(b.Build());
        }
        void Categorical<T>(string name, List<T> rows, Func<T, IEnumerable<string?>> value)
        {
            var b = new FeatureStatisticsBuilder(name, FeatureKind.Categorical);
            foreach (var row in rows) foreach (var v in value(row)) b.AddCategory(v);
            stats.Add(b.Build());
        }
        Numeric("user.events_total", users, u => u.EventsTotal);
        Numeric("user.distinct_items", users, u => u.DistinctItems);
        Numeric("user.days_since_last", users, u => u.DaysSinceLast);
        Numeric("user.events_7d", users, u => u.Events7d);
        Numeric("user.events_28d", users, u => u.Events28d);
        Numeric("user.mean_rating", users, u => u.MeanRating);
        Numeric("user.mean_view_minutes", users, u => u.MeanViewMinutes);
        Categorical("user.activity_level", users, u => [u.ActivityLevel]);
        Categorical("user.preferred_maturity", users, u => [u.PreferredMaturity]);
        Categorical("user.top_genre", users, u => [u.TopGenre]);
        Numeric("item.popularity_1d", items, i => i.Popularity1d);
        Numeric("item.popularity_7d", items, i => i.Popularity7d);
        Numeric("item.popularity_30d", items, i => i.Popularity30d);
        Numeric("item.events_total", items, i => i.EventsTotal);
        Numeric("item.distinct_users", items, i => i.DistinctUsers);
        Numeric("item.mean_rating", items, i => i.MeanRating);
        Numeric("item.rating_count", items, i => i.RatingCount);
        Numeric("item.age_days", items, i => i.AgeDays);
        Categorical("item.maturity_rating", items, i => [i.MaturityRating]);
        Categorical("item.genre", items, i => i.GenreList.Count == 0 ? new string?[] { null } : i.GenreList.ToArray<string?>());
        Numeric("user_genre.decayed_count", userGenres, r => r.DecayedCount);
        Numeric("user_genre.affinity", userGenres, r => r.Affinity);
        Categorical("user_genre.genre", userGenres, r => [r.Genre]);
        return stats;
    }
}
