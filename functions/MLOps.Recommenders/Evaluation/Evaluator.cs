using System.Diagnostics;

namespace MLOps.Recommenders.Evaluation;

/// <summary>Offline evaluation of one model on one split: mean metrics plus per-user values for paired bootstrap comparisons.</summary>
public sealed class EvaluationResult
{
    public required int K { get; init; }
    public required string Protocol { get; init; }

    /// <summary>Metric name → value (e.g. "ndcg@10", "precision@10", "map", "coverage"); names and definitions in docs/evaluation.md.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>The users averaged over (users with test items and a non-empty list), in ascending index order.</summary>
    public required int[] Users { get; init; }

    /// <summary>Per-user metric values aligned with <see cref="Users"/> (only the per-user metrics; coverage is global).</summary>
    public required IReadOnlyDictionary<string, double[]> PerUser { get; init; }

    /// <summary>Top-k list per user in <see cref="Users"/> order (item indices, best first; -1 pads short lists).</summary>
    public required int[][] Recommendations { get; init; }

    /// <summary>The model's score of each item of <see cref="Recommendations"/> (same shape; NaN pads short lists): the served-score reference.</summary>
    public float[][] RecommendationScores { get; init; } = [];

    public double Seconds { get; init; }

    public double this[string metric] => Metrics[metric];
}

/// <summary>Scores every item for one test user (their index in the split and their train history) into the buffer.</summary>
public delegate void UserScorer(int user, ReadOnlySpan<int> history, Span<float> scores);

public static class Evaluator
{
    /// <summary>
    /// Scores every test user from their train history, removes seen items, keeps only items with train interactions as candidates
    /// (the Recommenders protocol), takes the top k and computes every metric. Users are scored in parallel; results do not depend on
    /// thread timing.
    /// </summary>
    public static EvaluationResult Evaluate(IRecommender model, Split split, int k = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        if (model.Items.Count != split.Train.ItemCount) throw new ArgumentException($"The model scores {model.Items.Count} items but the split has {split.Train.ItemCount}.", nameof(model));
        return Evaluate((_, history, scores) => model.Score(history, scores), split, k, cancellationToken);
    }

    /// <summary>The same evaluation for scores that do not come from one model (e.g. cached per-user scores of a blend search).</summary>
    public static EvaluationResult Evaluate(UserScorer scorer, Split split, int k = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var train = split.Train;
        var stopwatch = Stopwatch.StartNew();
        // Recommenders averages over users present in both test and predictions: a user with no candidate left (every train item
        // already seen) can get no list from any model, so is neither scored nor counted as a miss. (A model that lists nothing for
        // a user who has candidates, e.g. NaN scores, still counts as a miss.) No such user at all: refused, saying why.
        var users = EvaluableUsers.Of(split);
        if (users.Length == 0) EvaluableUsers.Require(split);
        var n = train.ItemCount;
        var counts = train.ItemCounts.ToArray();
        var trainUsers = Enumerable.Range(0, train.UserCount).Count(u => train.History(u).Length > 0);
        var recs = new int[users.Length][];
        var recScores = new float[users.Length][];
        var names = new[] { $"precision@{k}", $"recall@{k}", $"ndcg@{k}", "map", $"map@{k}", $"hit_rate@{k}", $"mrr@{k}", "novelty", "diversity", "popularity_bias" };
        var per = names.Select(_ => new double[users.Length]).ToArray();
        var genres = GenreVectors(train);
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, Math.Min(Environment.ProcessorCount, 4)) };
        Parallel.For(0, users.Length, options, () => (Scores: new float[n], Top: new int[k]), (index, _, buffers) =>
        {
            var u = users[index];
            var history = train.History(u);
            var scores = buffers.Scores;
            scorer(u, history, scores);
            foreach (var h in history) scores[h] = float.NegativeInfinity;
            for (var i = 0; i < n; i++) if (counts[i] == 0) scores[i] = float.NegativeInfinity;
            var count = TopK.Select(scores, buffers.Top);
            var top = buffers.Top.AsSpan(0, count);
            var relevant = split.Test[u];
            per[0][index] = RankingMetrics.Precision(top, relevant, k);
            per[1][index] = RankingMetrics.Recall(top, relevant, k);
            per[2][index] = RankingMetrics.Ndcg(top, relevant, k);
            per[3][index] = RankingMetrics.AveragePrecision(top, relevant, k);
            per[4][index] = RankingMetrics.AveragePrecisionAtK(top, relevant, k);
            per[5][index] = RankingMetrics.HitRate(top, relevant, k);
            per[6][index] = RankingMetrics.ReciprocalRank(top, relevant, k);
            per[7][index] = BeyondAccuracy.Novelty(top, counts, trainUsers);
            per[8][index] = BeyondAccuracy.IntraListDiversity(top, genres);
            per[9][index] = BeyondAccuracy.PopularityBias(top, counts, trainUsers);
            var row = new int[k];
            Array.Fill(row, -1);
            top.CopyTo(row);
            recs[index] = row;
            var rowScores = new float[k];
            Array.Fill(rowScores, float.NaN);
            for (var j = 0; j < count; j++) rowScores[j] = scores[top[j]];
            recScores[index] = rowScores;
            return buffers;
        }, _ => { });
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var perUser = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var m = 0; m < names.Length; m++)
        {
            metrics[names[m]] = per[m].Average();
            perUser[names[m]] = per[m];
        }
        // A list with fewer than two genre-carrying items has no pair to measure (NaN per user): it is left out of the mean, as
        // Recommenders leaves out users without a pair. With no such pair anywhere (a catalogue without genres) the metric is 0.
        var measured = per[8].Where(double.IsFinite).ToArray();
        metrics["diversity"] = measured.Length == 0 ? 0 : measured.Average();
        // Recommenders' novelty is weighted by how often each item is recommended, which equals the mean of per-user means only when
        // every list is full; recompute it over all recommendations to match its definition exactly.
        metrics["novelty"] = BeyondAccuracy.Novelty(recs, counts, trainUsers);
        metrics["coverage"] = BeyondAccuracy.CatalogCoverage(recs, counts);
        metrics["users"] = users.Length;
        return new EvaluationResult
        {
            K = k, Protocol = split.Protocol, Metrics = metrics, Users = users, PerUser = perUser, Recommendations = recs, RecommendationScores = recScores,
            Seconds = stopwatch.Elapsed.TotalSeconds,
        };
    }

    private static float[]?[]? GenreVectors(TrainingData data)
    {
        if (data.Catalog is null) return null;
        var names = data.Catalog.Where(c => c is not null).SelectMany(c => c!.Genres).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return null;
        var position = names.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i, StringComparer.Ordinal);
        return data.Catalog.Select(c =>
        {
            if (c is null || c.Genres.Count == 0) return null;
            var v = new float[names.Count];
            foreach (var g in c.Genres) v[position[g]] = 1;
            return v;
        }).ToArray();
    }
}

/// <summary>Beyond-accuracy metrics (Recommenders' definitions where it has one; see docs/evaluation.md).</summary>
public static class BeyondAccuracy
{
    /// <summary>Distinct recommended items / distinct items in train (Recommenders' <c>catalog_coverage</c>).</summary>
    public static double CatalogCoverage(IEnumerable<int[]> recommendations, ReadOnlySpan<int> trainCounts)
    {
        var inTrain = 0;
        foreach (var c in trainCounts) if (c > 0) inTrain++;
        var seen = new HashSet<int>();
        foreach (var list in recommendations) foreach (var i in list) if (i >= 0) seen.Add(i);
        return inTrain == 0 ? 0 : seen.Count / (double)inTrain;
    }

    /// <summary>Recommenders' <c>novelty</c>: mean over all recommended (user, item) pairs of −log2(users of item in train / train users).</summary>
    public static double Novelty(IEnumerable<int[]> recommendations, ReadOnlySpan<int> trainCounts, int trainUsers)
    {
        double sum = 0;
        long count = 0;
        foreach (var list in recommendations)
            foreach (var i in list)
                if (i >= 0 && trainCounts[i] > 0) { sum += -Math.Log2(trainCounts[i] / (double)trainUsers); count++; }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>Mean self-information −log2(p) of one user's list.</summary>
    public static double Novelty(ReadOnlySpan<int> recommended, ReadOnlySpan<int> trainCounts, int trainUsers)
    {
        double sum = 0;
        var count = 0;
        foreach (var i in recommended) if (trainCounts[i] > 0) { sum += -Math.Log2(trainCounts[i] / (double)trainUsers); count++; }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>
    /// Intra-list diversity: mean over pairs of recommended items of 1 − cosine(genre vectors); items without genres are skipped.
    /// NaN when the list has fewer than two items with genres (no pair to measure; the mean over users leaves it out).
    /// </summary>
    public static double IntraListDiversity(ReadOnlySpan<int> recommended, float[]?[]? genres)
    {
        if (genres is null) return double.NaN;
        double sum = 0;
        var pairs = 0;
        for (var a = 0; a < recommended.Length; a++)
        {
            var x = genres[recommended[a]];
            if (x is null) continue;
            for (var b = a + 1; b < recommended.Length; b++)
            {
                var y = genres[recommended[b]];
                if (y is null) continue;
                var cos = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(x, y);
                sum += 1 - cos;
                pairs++;
            }
        }
        return pairs == 0 ? double.NaN : sum / pairs;
    }

    /// <summary>Average recommendation popularity: mean over the list of (users of item in train / train users).</summary>
    public static double PopularityBias(ReadOnlySpan<int> recommended, ReadOnlySpan<int> trainCounts, int trainUsers)
    {
        if (recommended.Length == 0 || trainUsers == 0) return 0;
        double sum = 0;
        foreach (var i in recommended) sum += trainCounts[i] / (double)trainUsers;
        return sum / recommended.Length;
    }
}
