using System.Buffers;
using System.Numerics;
using MLOps.Serving.Model;

namespace MLOps.Serving;

/// <summary>
/// One listed title. <c>Year</c> (release year, when the catalogue has it) tells apart titles of the same name.
/// <c>ReasonSource</c> says which rule wrote a personal pick's reason (<see cref="RecommendationService.ReasonSources"/>), null
/// for reasons that are not chosen per item (trending fill, cold start, a row's own title, similar titles, search).
/// </summary>
public sealed record RecommendedItem(string ContentId, string Title, double Score, string Reason, IReadOnlyList<string> Genres, int? Year = null,
    string? ReasonSource = null);

public sealed record ModelInfo(string Name, string Version, string Kind);

public sealed record ExperimentAssignment(string Id, string Variant);

public sealed record RecommendationsResponse(string UserId, bool ColdStart, string? ColdStartReason, ModelInfo? Model,
    ExperimentAssignment? Experiment, IReadOnlyList<RecommendedItem> Items)
{
    /// <summary>
    /// How many leading items the model chose (the rest, if any, are trending fill); 0 for a cold start. Not part of the
    /// response body: the exposure log uses it to record model scores only for the model's own picks.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int ModelChosen { get; init; }
}

public sealed record Row(string Id, string Title, IReadOnlyList<RecommendedItem> Items);

public sealed record RowsResponse(string UserId, bool ColdStart, string? ColdStartReason, ModelInfo? Model, IReadOnlyList<Row> Rows);

public sealed record SimilarResponse(string ContentId, string Title, bool ColdStart, ModelInfo? Model, IReadOnlyList<RecommendedItem> Items);

/// <summary>What a caller asks of /recommendations (already validated by the endpoint).</summary>
public sealed record RecommendationRequest(string UserId, int K, IReadOnlyList<string> Genres, IReadOnlyList<string> Exclude,
    double Diversity = 0, bool ExcludeSeen = true);

/// <summary>
/// Recommendations, home-page rows and similar titles over one <see cref="ServingSnapshot"/>: model scores
/// (or trending when there is no model / no history), filters, exclusions, diversity and a reason per item.
/// </summary>
public static class RecommendationService
{
    private const int ReasonLookback = 30;

    public static RecommendationsResponse Recommend(ServingSnapshot snapshot, RecommendationRequest request, ServingModel? model = null,
        ExperimentAssignment? experiment = null)
    {
        var data = snapshot.Data;
        model ??= snapshot.Champion;
        var user = data.User(request.UserId);
        var coldReason = ColdStartReason(user, model);
        var genreMask = GenreMask(data, request.Genres);
        var genreFilter = request.Genres.Count > 0;

        var buffer = ArrayPool<float>.Shared.Rent(data.Count);
        try
        {
            var scores = buffer.AsSpan(0, data.Count);
            var personal = coldReason is null;
            var poolSize = request.Diversity > 0 ? Math.Min(data.Count, request.K * 4) : request.K;
            var pool = personal && request.ExcludeSeen ? FromCandidates(model!.CandidatesFor(request.UserId, user!), user!, scores, data, genreFilter, genreMask, request.Exclude, poolSize) : null;
            if (pool is null)
            {
                if (personal) model!.Score(user!.History, scores);
                else scores.Fill(float.NegativeInfinity);
                Mask(scores, data, user, request.ExcludeSeen, genreFilter, genreMask, request.Exclude, null);
                pool = Ranking.TopK(scores, poolSize);
            }
            var chosen = Ranking.Diversify(pool, scores, request.K, request.Diversity, data).ToList();
            var items = new List<RecommendedItem>(request.K);
            foreach (var i in chosen) items.Add(personal ? Personal(data, user!, i, scores[i], model) : Item(data, i, scores[i], ColdReason(data, i, genreMask)));
            if (items.Count < request.K) FillFromTrending(data, items, request.K, user, request.ExcludeSeen, genreFilter, genreMask, request.Exclude, genreMask);
            return new RecommendationsResponse(request.UserId, !personal, coldReason, Info(model), experiment, items) { ModelChosen = personal ? chosen.Count : 0 };
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>
    /// The home page. With <paramref name="genres"/> (a new user's stated tastes, or a genre page) every row lists titles of
    /// any of them and the genre rows are theirs: the user's strongest first, then the rest as stated.
    /// </summary>
    public static RowsResponse Rows(ServingSnapshot snapshot, string userId, int rows, int perRow, IReadOnlyList<string>? genres = null)
    {
        var data = snapshot.Data;
        var model = snapshot.Champion;
        var user = data.User(userId);
        var coldReason = ColdStartReason(user, model);
        var stated = (genres ?? []).Select(g => data.GenreIndex[g]).Distinct().ToArray();
        var genreFilter = stated.Length > 0;
        var genreMask = GenreMask(data, genres ?? []);
        var used = new HashSet<int>();
        var result = new List<Row>(rows);
        {
            var personal = new float[data.Count];
            var candidates = new List<(string Id, string Title, Func<List<RecommendedItem>> Build)>();

            if (coldReason is null)
            {
                model!.Score(user!.History, personal);
                Mask(personal, data, user, true, genreFilter, genreMask, [], null);
                // Genre rows and top picks read the personal scores; "because you watched" rows score one title each.
                var personalCopy = personal;
                candidates.Add(("top-picks", "Top picks for you", () => Take(data, personalCopy, used, perRow, i => Explain(data, user, i, model))));
                // With stated genres, only watched titles of those genres anchor a row: a Horror page "because you watched The Aristocats" is not a reason.
                var recent = user.History.Reverse().Where(model.Knows).Where(a => !genreFilter || (data.GenreMask[a] & genreMask) != 0).Take(3).ToArray();
                var because = new List<(string, string, Func<List<RecommendedItem>>)>();
                foreach (var anchor in recent)
                {
                    var scores = new float[data.Count];
                    model.Score([anchor], scores);
                    Mask(scores, data, user, true, genreFilter, genreMask, [], null);
                    scores[anchor] = float.NegativeInfinity;
                    because.Add(($"because-{data.Items[anchor]}", $"Because you watched {data.Title(anchor)}",
                        () => Take(data, scores, used, perRow, _ => $"Because you watched {data.Title(anchor)}")));
                }
                var genreRows = RowGenres(user.GenreOrder, stated).Take(4).Select(g => ($"genre-{data.Genres[g]}", $"{data.Genres[g]} for you",
                    (Func<List<RecommendedItem>>)(() => Take(data, GenreScores(personalCopy, data, g), used, perRow, _ => $"Because you like {data.Genres[g]}")))).ToList();
                // Personalized order: top picks, then alternate "because you watched" (most recent first) with genre rows
                // (strongest affinity first); trending and new releases slot in after the first pair.
                var queue = new List<(string, string, Func<List<RecommendedItem>>)>();
                for (var r = 0; r < Math.Max(because.Count, genreRows.Count); r++)
                {
                    if (r < because.Count) queue.Add(because[r]);
                    if (r < genreRows.Count) queue.Add(genreRows[r]);
                    if (r == 0) queue.Add(("trending", "Trending now", () => TakeOrdered(data, data.TrendingOrder, data.TrendingNormalized, user, used, perRow, genreMask, _ => "Trending now")));
                    if (r == 1) queue.Add(("new-releases", "New releases", () => TakeOrdered(data, data.NewReleaseOrder, data.Recency, user, used, perRow, genreMask, _ => "New release")));
                }
                if (!queue.Any(q => q.Item1 == "trending")) queue.Add(("trending", "Trending now", () => TakeOrdered(data, data.TrendingOrder, data.TrendingNormalized, user, used, perRow, genreMask, _ => "Trending now")));
                if (!queue.Any(q => q.Item1 == "new-releases")) queue.Add(("new-releases", "New releases", () => TakeOrdered(data, data.NewReleaseOrder, data.Recency, user, used, perRow, genreMask, _ => "New release")));
                candidates.AddRange(queue);
            }
            else
            {
                candidates.Add(("trending", "Trending now", () => TakeOrdered(data, data.TrendingOrder, data.TrendingNormalized, user, used, perRow, genreMask, _ => "Trending now")));
                candidates.Add(("new-releases", "New releases", () => TakeOrdered(data, data.NewReleaseOrder, data.Recency, user, used, perRow, genreMask, _ => "New release")));
                // Stated genres as given when the user has no affinity yet; without any, every genre by catalogue size.
                var preferred = user?.GenreOrder is { Length: > 0 } o ? o : genreFilter ? [] : Enumerable.Range(0, data.Genres.Length).ToArray();
                foreach (var g in RowGenres(preferred, stated))
                    candidates.Add(($"genre-{data.Genres[g]}", $"Popular in {data.Genres[g]}",
                        () => TakeOrdered(data, data.GenreTrendingOrder[g], data.TrendingNormalized, user, used, perRow, 0, _ => $"Popular in {data.Genres[g]} this week")));
            }

            foreach (var (id, title, build) in candidates)
            {
                if (result.Count == rows) break;
                var items = build();
                if (items.Count > 0) result.Add(new Row(id, title, items));
            }
            return new RowsResponse(userId, coldReason is not null, coldReason, Info(model), result);
        }
    }

    /// <summary>Titles like <paramref name="item"/>: the model's item-to-item scores, or genre similarity for a title the model never saw.</summary>
    public static SimilarResponse Similar(ServingSnapshot snapshot, int item, int k)
    {
        var data = snapshot.Data;
        var model = snapshot.Champion;
        var scores = new float[data.Count];
        var cold = model is null || !model.Knows(item);
        // A title the model did not learn but viewers watched (EASE models only its max_items most-watched titles):
        // what those viewers also watched, from the serving data; genre neighbours only without such viewers.
        var coWatched = cold && data.CoWatched(item, scores);
        var watchedToo = coWatched ? scores.Select(v => v > 0).ToArray() : null;
        if (!cold) model!.Score([item], scores);
        else if (coWatched)
        {
            // Titles no viewer shared rank below every shared one, by genre; genre also breaks ties among shared ones.
            var least = scores.Where(v => v > 0).DefaultIfEmpty(1).Min();
            for (var i = 0; i < data.Count; i++)
                scores[i] += data.GenreSimilarity(item, i) * least * (watchedToo![i] ? 1e-3f : 0.5f);
        }
        else
            for (var i = 0; i < data.Count; i++)
                scores[i] = data.GenreMask[item] == 0 ? data.TrendingNormalized[i] : data.GenreSimilarity(item, i) + 0.1f * data.TrendingNormalized[i];
        scores[item] = float.NegativeInfinity;
        foreach (var twin in data.Twins.Of(item)) scores[twin] = float.NegativeInfinity; // the same title under another id
        data.Twins.Mask(scores, null, false);
        var title = data.Title(item);
        var items = Ranking.TopK(scores, k).Select(i => Item(data, i, scores[i],
            !cold || watchedToo?[i] == true ? $"Viewers of {title} also watched this" : SharedGenreReason(data, item, i) ?? "Popular right now")).ToList();
        return new SimilarResponse(data.Items[item], title, cold, Info(model), items);
    }

    /// <summary>Every value <see cref="ColdStartReason"/> returns (the OpenAPI document's enum).</summary>
    public static readonly string[] ColdStartReasons = ["unknown-user", "no-history", "no-model", "history-unknown-to-model"];

    /// <summary>
    /// Why the list cannot be personal, or null when it can. A history of titles the model never saw (all newer than its
    /// training data) gives it nothing to score from: without this it would rank in index order and invent reasons.
    /// </summary>
    public static string? ColdStartReason(UserState? user, ServingModel? model)
    {
        if (user is null) return "unknown-user";
        if (user.History.Length == 0) return "no-history";
        if (model is null) return "no-model";
        foreach (var item in user.History)
            if (model.Knows(item)) return null;
        return "history-unknown-to-model";
    }

    public static ModelInfo? Info(ServingModel? model) => model is null ? null : new ModelInfo(model.Ref.Name, model.Ref.Version, model.Kind);

    public static RecommendedItem Item(ServingData data, int i, float score, string reason, string? reasonSource = null) =>
        new(data.Items[i], data.Title(i), float.IsFinite(score) ? Math.Round(score, 6) : 0, reason, data.GenresOf(i).ToArray(), data.Catalog[i]?.Year, reasonSource);

    private static RecommendedItem Personal(ServingData data, UserState user, int i, float score, ServingModel? model)
    {
        var (reason, source) = Explain(data, user, i, model);
        return Item(data, i, score, reason, source);
    }

    /// <summary>Every value of <see cref="RecommendedItem.ReasonSource"/> besides null (the OpenAPI document's enum).</summary>
    public static readonly string[] ReasonSources = [ModelSource, GenreSource];
    private const string ModelSource = "model";
    private const string GenreSource = "genre";

    /// <summary>
    /// Why a personal pick fits: the watched title that adds most to its score when the model attributes its scores exactly
    /// (item-item models: EASE, DLAE, SAR, content); otherwise the recent title it is most like by genre, else the genre the
    /// user favours, else freshness.
    /// </summary>
    public static (string Reason, string Source) Explain(ServingData data, UserState user, int item, ServingModel? model = null)
    {
        if (model is not null && model.TopContributor(user.History, item) is var driver and >= 0 && driver != item)
            return ($"Because you watched {data.Title(driver)}", ModelSource);
        return (GenreReason(data, user, item), GenreSource);
    }

    private static string GenreReason(ServingData data, UserState user, int item)
    {
        var bestSimilarity = 0f;
        var anchor = -1;
        var history = user.History;
        for (var p = history.Length - 1; p >= 0 && p >= history.Length - ReasonLookback; p--)
        {
            // A watched title listed again (excludeSeen=false) is not its own reason: "Because you watched Jaws" on Jaws.
            if (history[p] == item) continue;
            var s = data.GenreSimilarity(item, history[p]);
            if (s > bestSimilarity) { bestSimilarity = s; anchor = history[p]; }
        }
        if (anchor >= 0 && bestSimilarity >= 0.5f) return $"Because you watched {data.Title(anchor)}";
        foreach (var g in user.GenreOrder.Take(3))
            if ((data.GenreMask[item] & (1UL << g)) != 0) return $"Because you like {data.Genres[g]}";
        if (data.IsNew[item]) return "New release";
        return anchor >= 0 ? $"Because you watched {data.Title(anchor)}" : "Picked for you from what you watch";
    }

    private static string ColdReason(ServingData data, int item, ulong genreFilter)
    {
        var mask = genreFilter != 0 ? data.GenreMask[item] & genreFilter : data.GenreMask[item];
        if (data.IsNew[item]) return "New release";
        return mask != 0 ? $"Popular in {data.Genres[BitOperations.TrailingZeroCount(mask)]} this week" : "Popular right now";
    }

    private static string? SharedGenreReason(ServingData data, int a, int b)
    {
        var shared = data.GenreMask[a] & data.GenreMask[b];
        return shared == 0 ? null : $"Also {string.Join(" / ", GenreNames(data, shared).Take(2))}";
    }

    private static IEnumerable<string> GenreNames(ServingData data, ulong mask)
    {
        while (mask != 0)
        {
            yield return data.Genres[BitOperations.TrailingZeroCount(mask)];
            mask &= mask - 1;
        }
    }

    /// <summary>
    /// The pool from the user's precomputed candidates (scores written into <paramref name="scores"/>, -inf elsewhere),
    /// or null when filters leave too few of them and the list is not the whole catalogue (then the caller scores all).
    /// </summary>
    private static int[]? FromCandidates(UserCandidates candidates, UserState user, Span<float> scores, ServingData data, bool genreFilter, ulong genreMask,
        IReadOnlyList<string> exclude, int poolSize)
    {
        scores.Fill(float.NegativeInfinity);
        var pool = new List<int>(poolSize);
        for (var c = 0; c < candidates.Items.Length && pool.Count < poolSize; c++)
        {
            var i = candidates.Items[c];
            if (genreFilter && (data.GenreMask[i] & genreMask) == 0) continue;
            if (exclude.Count > 0 && exclude.Contains(data.Items[i], StringComparer.Ordinal)) continue;
            // Candidates are best first, so a title's first id here is its best-scored one.
            if (data.Twins.SeenAsTwin(user, i) || data.Twins.TwinIn(i, pool)) continue;
            scores[i] = candidates.Scores[c];
            pool.Add(i);
        }
        return pool.Count == poolSize || candidates.Complete ? pool.ToArray() : null;
    }

    /// <summary>
    /// Sets excluded items to -inf: seen, outside the genre filter, excluded by the caller, already on the page; then every id of
    /// a title but its best-scored one, and all of them when the user watched the title under any id.
    /// </summary>
    private static void Mask(Span<float> scores, ServingData data, UserState? user, bool excludeSeen, bool genreFilter, ulong genreMask,
        IReadOnlyList<string> exclude, HashSet<int>? used)
    {
        if (excludeSeen && user is not null) user.MaskSeen(scores);
        if (genreFilter)
            for (var i = 0; i < scores.Length; i++)
                if ((data.GenreMask[i] & genreMask) == 0) scores[i] = float.NegativeInfinity;
        foreach (var id in exclude)
            if (data.Items.TryGetIndex(id, out var x)) scores[x] = float.NegativeInfinity;
        if (used is not null)
            foreach (var u in used) scores[u] = float.NegativeInfinity;
        data.Twins.Mask(scores, user, excludeSeen);
    }

    private static void FillFromTrending(ServingData data, List<RecommendedItem> items, int k, UserState? user, bool excludeSeen,
        bool genreFilter, ulong genreMask, IReadOnlyList<string> exclude, ulong reasonGenres)
    {
        var listed = new HashSet<int>();
        foreach (var item in items) if (data.Items.TryGetIndex(item.ContentId, out var x)) listed.Add(x);
        var excluded = exclude.ToHashSet(StringComparer.Ordinal);
        foreach (var i in data.TrendingOrder)
        {
            if (items.Count >= k) break;
            if (excludeSeen && user is not null && (user.HasSeen(i) || data.Twins.SeenAsTwin(user, i))) continue;
            if (genreFilter && (data.GenreMask[i] & genreMask) == 0) continue;
            if (excluded.Contains(data.Items[i]) || data.Twins.TwinIn(i, listed) || !listed.Add(i)) continue;
            items.Add(Item(data, i, data.TrendingNormalized[i], ColdReason(data, i, reasonGenres)));
        }
    }

    private static ulong GenreMask(ServingData data, IReadOnlyList<string> genres)
    {
        ulong mask = 0;
        foreach (var g in genres)
            if (data.GenreIndex.TryGetValue(g, out var gi)) mask |= 1UL << gi;
        return mask;
    }

    /// <summary>The genre rows: <paramref name="preferred"/> (by affinity), or with stated genres those of them first, then the rest as stated.</summary>
    private static IEnumerable<int> RowGenres(int[] preferred, int[] stated) =>
        stated.Length == 0 ? preferred : preferred.Where(stated.Contains).Concat(stated).Distinct();

    private static float[] GenreScores(float[] personal, ServingData data, int genre)
    {
        var scores = (float[])personal.Clone();
        var bit = 1UL << genre;
        for (var i = 0; i < scores.Length; i++)
            if ((data.GenreMask[i] & bit) == 0) scores[i] = float.NegativeInfinity;
        return scores;
    }

    private static List<RecommendedItem> Take(ServingData data, float[] scores, HashSet<int> used, int perRow, Func<int, string> reason) =>
        Take(data, scores, used, perRow, i => (reason(i), (string?)null));

    private static List<RecommendedItem> Take(ServingData data, float[] scores, HashSet<int> used, int perRow, Func<int, (string Reason, string? Source)> reason)
    {
        foreach (var u in used) scores[u] = float.NegativeInfinity;
        var picked = Ranking.TopK(scores, perRow);
        var items = new List<RecommendedItem>(picked.Length);
        foreach (var i in picked)
            if (used.Add(i) && reason(i) is var (text, source))
            {
                data.Twins.AddTo(used, i);
                items.Add(Item(data, i, scores[i], text, source));
            }
        return items;
    }

    /// <summary>
    /// Titles in <paramref name="order"/> not seen or on the page yet, of the genres in <paramref name="genreMask"/> (0: any), each
    /// scored by <paramref name="scores"/>, the value the order ranks by (trending, or a release's recency).
    /// </summary>
    private static List<RecommendedItem> TakeOrdered(ServingData data, int[] order, float[] scores, UserState? user, HashSet<int> used, int perRow,
        ulong genreMask, Func<int, string> reason)
    {
        var items = new List<RecommendedItem>(perRow);
        foreach (var i in order)
        {
            if (items.Count == perRow) break;
            if (user is not null && (user.HasSeen(i) || data.Twins.SeenAsTwin(user, i))) continue;
            if (genreMask != 0 && (data.GenreMask[i] & genreMask) == 0) continue;
            if (!used.Add(i)) continue;
            data.Twins.AddTo(used, i);
            items.Add(Item(data, i, scores[i], reason(i)));
        }
        return items;
    }
}
