using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// Multi-fold stacking: the re-ranker learns from every train interaction once (4 folds of each user's train items, generators
/// trained on the other three), instead of one validation draw. Final generators train on the whole train split.
static class Stack
{
    const int Folds = 4;

    sealed class Row { public float Label { get; set; } public uint Group { get; set; } public float[] Features { get; set; } = []; }

    public static void Run(Split sp, string name, int candidates, int leaves, int trees, double lr, int minLeaf, int seed = 42)
    {
        // Fold assignment: each user's train interactions shuffled with a seeded generator, dealt round-robin.
        var rng = new Random(seed);
        var foldOf = new Dictionary<(int, int), int>();
        for (var u = 0; u < sp.Train.UserCount; u++)
        {
            var h = sp.Train.History(u).ToArray();
            rng.Shuffle(h);
            for (var n = 0; n < h.Length; n++) foldOf[(u, h[n])] = n % Folds;
        }
        var rows = new List<Row>();
        double candRecall = 0; int candUsers = 0;
        for (var f = 0; f < Folds; f++)
        {
            var inner = sp.Train.With(sp.Train.Interactions.ToArray().Where(x => foldOf[(x.User, x.Item)] != f));
            var held = new List<int>[sp.Train.UserCount];
            foreach (var x in sp.Train.Interactions) if (foldOf[(x.User, x.Item)] == f) (held[x.User] ??= []).Add(x.Item);
            var gen = Generators.Train(inner, seed);
            for (var u = 0; u < inner.UserCount; u++)
            {
                if (held[u] is not { Count: > 0 } positives) continue;
                var set = positives.ToHashSet();
                var (cands, feats) = gen.Candidates(inner, u, candidates);
                candRecall += cands.Count(set.Contains) / (double)Math.Min(set.Count, candidates); candUsers++;
                for (var c = 0; c < cands.Length; c++)
                    rows.Add(new Row { Label = set.Contains(cands[c]) ? 1 : 0, Group = (uint)(f * 100000 + u), Features = feats[c] });
            }
        }
        Console.WriteLine($"{name}: {rows.Count} training rows, {rows.Count(r => r.Label > 0)} positives, candidate recall {candRecall / candUsers:0.000}");
        var model = TrainTrees(rows, leaves, trees, lr, minLeaf, seed);
        var final = Generators.Train(sp.Train, seed);
        double nb = 0, pb = 0, nr = 0, pr = 0; var users = 0;
        var perUser = sp.TestUsers.Select(u => (u, final.Candidates(sp.Train, u, candidates))).ToList();
        var allScores = model(perUser.SelectMany(x => x.Item2.Features).ToList());
        var offset = 0;
        foreach (var (u, (cands, feats)) in perUser)
        {
            var rel = sp.Test[u].ToHashSet();
            var primary = cands.Take(10).ToArray();
            var scores = allScores.AsSpan(offset, cands.Length).ToArray(); offset += cands.Length;
            var reranked = Enumerable.Range(0, cands.Length).OrderByDescending(c => scores[c]).ThenBy(c => c).Take(10).Select(c => cands[c]).ToArray();
            (var n1, var p1) = Metrics(primary, rel); (var n2, var p2) = Metrics(reranked, rel);
            nb += n1; pb += p1; nr += n2; pr += p2; users++;
        }
        Console.WriteLine($"{name}: primary ndcg@10 {nb / users:0.0000} p@10 {pb / users:0.0000}  →  stacked ranker ndcg@10 {nr / users:0.0000} p@10 {pr / users:0.0000}  (cands {candidates}, leaves {leaves}, trees {trees}, lr {lr}, min_leaf {minLeaf})");
    }

    static (double, double) Metrics(int[] top, HashSet<int> rel)
    {
        double dcg = 0, idcg = 0; var hits = 0;
        for (var r = 0; r < top.Length; r++) if (rel.Contains(top[r])) { dcg += 1 / Math.Log2(r + 2); hits++; }
        for (var r = 0; r < Math.Min(10, rel.Count); r++) idcg += 1 / Math.Log2(r + 2);
        return (dcg / idcg, hits / 10.0);
    }

    static Func<List<float[]>, float[]> TrainTrees(List<Row> rows, int leaves, int trees, double lr, int minLeaf, int seed)
    {
        var ml = new MLContext(seed);
        var n = rows[0].Features.Length;
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, n);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("GroupKey", nameof(Row.Group))
            .Append(ml.Ranking.Trainers.LightGbm(new LightGbmRankingTrainer.Options
            {
                LabelColumnName = nameof(Row.Label), FeatureColumnName = nameof(Row.Features), RowGroupColumnName = "GroupKey",
                NumberOfLeaves = leaves, NumberOfIterations = trees, LearningRate = lr, MinimumExampleCountPerLeaf = minLeaf, Seed = seed, NumberOfThreads = 2, Silent = true,
            }));
        var fitted = pipeline.Fit(data);
        return xs =>
        {
            var view = ml.Data.LoadFromEnumerable(xs.Select(x => new Row { Features = x }), schema);
            return fitted.Transform(view).GetColumn<float>("Score").ToArray();
        };
    }
}

/// iALS (primary), EASE and SAR on one training set, plus the item and user statistics the features use.
sealed class Generators
{
    public required IRecommender Ials, Ease, Sar;
    public required float[] LogPop, MeanRating, Year, ItemMeanTime, ItemFirstTime;
    public required float[][] ItemGenres;

    public static Generators Train(TrainingData data, int seed)
    {
        var n = data.ItemCount;
        var pop = new float[n]; var rating = new float[n]; var time = new double[n]; var first = Enumerable.Repeat(double.MaxValue, n).ToArray();
        foreach (var x in data.Interactions) { pop[x.Item]++; rating[x.Item] += x.Rating; time[x.Item] += x.Timestamp; first[x.Item] = Math.Min(first[x.Item], x.Timestamp); }
        var users = Math.Max(1, Enumerable.Range(0, data.UserCount).Count(u => data.History(u).Length > 0));
        var genreNames = data.Catalog?.Where(c => c is not null).SelectMany(c => c!.Genres).Distinct().Order().ToList() ?? [];
        return new Generators
        {
            Ials = ModelTrainer.Train("ials", null, data, seed), Ease = ModelTrainer.Train("ease", null, data, seed + 1), Sar = ModelTrainer.Train("sar", null, data, seed + 2),
            LogPop = pop.Select(c => MathF.Log(1e-4f + c / users)).ToArray(),
            MeanRating = Enumerable.Range(0, n).Select(i => pop[i] > 0 ? rating[i] / pop[i] : 0).ToArray(),
            Year = Enumerable.Range(0, n).Select(i => (float)(data.Catalog?[i]?.ReleaseDate?.Year ?? 0)).ToArray(),
            ItemMeanTime = Enumerable.Range(0, n).Select(i => pop[i] > 0 ? (float)(time[i] / pop[i] / 86400) : 0).ToArray(),
            ItemFirstTime = first.Select(t => t == double.MaxValue ? 0f : (float)(t / 86400)).ToArray(),
            ItemGenres = Enumerable.Range(0, n).Select(i => genreNames.Select(g => data.Catalog?[i]?.Genres.Contains(g) == true ? 1f : 0f).ToArray()).ToArray(),
        };
    }

    static float[] Z(IRecommender m, ReadOnlySpan<int> history, int n)
    {
        var s = new float[n]; m.Score(history, s);
        double mean = 0; foreach (var v in s) mean += v; mean /= n;
        double var = 0; foreach (var v in s) var += (v - mean) * (v - mean); var sd = Math.Sqrt(var / n); if (sd == 0) sd = 1;
        for (var i = 0; i < n; i++) s[i] = (float)((s[i] - mean) / sd);
        return s;
    }

    public (int[] Items, float[][] Features) Candidates(TrainingData data, int u, int count)
    {
        var n = data.ItemCount;
        var history = data.History(u);
        var xs = data.UserInteractions(u);
        var zi = Z(Ials, history, n); var ze = Z(Ease, history, n); var zs = Z(Sar, history, n);
        var seen = history.ToArray().ToHashSet();
        var order = Enumerable.Range(0, n).Where(i => !seen.Contains(i)).OrderByDescending(i => zi[i]).ThenBy(i => i).Take(count).ToArray();
        var easeRank = order.OrderByDescending(i => ze[i]).ThenBy(i => i).Select((item, r) => (item, r)).ToDictionary(t => t.item, t => t.r);
        // User statistics.
        var g = new float[ItemGenres.Length > 0 ? ItemGenres[0].Length : 0];
        foreach (var h in history) for (var k = 0; k < g.Length; k++) g[k] += ItemGenres[h][k];
        var gn = MathF.Sqrt(g.Sum(v => v * v)); if (gn > 0) for (var k = 0; k < g.Length; k++) g[k] /= gn;
        var userPop = history.Length == 0 ? 0 : history.ToArray().Average(h => LogPop[h]);
        var userMeanRating = xs.Length == 0 ? 0 : xs.ToArray().Average(x => x.Rating);
        var userMeanTime = xs.Length == 0 ? 0 : (float)xs.ToArray().Average(x => x.Timestamp / 86400.0);
        var userLastTime = xs.Length == 0 ? 0 : (float)(xs.ToArray().Max(x => x.Timestamp) / 86400.0);
        var feats = new float[order.Length][];
        for (var r = 0; r < order.Length; r++)
        {
            var i = order[r];
            var gs = ItemGenres[i].Sum();
            float aff = 0; for (var k = 0; k < g.Length; k++) aff += g[k] * ItemGenres[i][k]; if (gs > 0) aff /= MathF.Sqrt(gs);
            feats[r] =
            [
                zi[i], ze[i], zs[i], r, easeRank[i], LogPop[i], MeanRating[i], Year[i], aff,
                MathF.Log(1 + history.Length), (float)userPop, (float)userMeanRating, MeanRating[i] - (float)userMeanRating,
                ItemMeanTime[i] - userMeanTime, ItemFirstTime[i] - userLastTime,
            ];
        }
        return (order, feats);
    }
}
