using System.Diagnostics;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Models;

namespace MLOps.Recommenders.Tuning;

/// <summary>
/// Picks a blend's part weights on validation carves. Each part is trained once per carve and its per-user scores are centred
/// and cached with their standard deviation (as <see cref="Models.BlendRecommender"/> standardises them), so each weighting costs
/// one weighted sum per user instead of re-scoring every part: a grid of 26 weightings over three parts costs about one
/// evaluation of the blend itself.
/// </summary>
public static class BlendTuner
{
    /// <summary>Every weighting of <paramref name="parts"/> with weights from <paramref name="values"/>, except all zeros.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> WeightGrid(IReadOnlyList<string> parts, double[] values)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(values);
        var space = parts.ToDictionary(p => p, _ => values, StringComparer.Ordinal);
        return Tuner.Grid(space).Where(w => w.Values.Any(v => v > 0)).ToList();
    }

    /// <summary>
    /// Scores every weighting on every carve (mean nDCG@k) and returns the best; ties go to the earlier weighting, so list the
    /// current default first to keep it unless another is strictly better. The weightings' keys are the parts; a part's own
    /// parameters come from <paramref name="partParameters"/> (missing: its defaults).
    /// </summary>
    public static TuningResult Tune(IReadOnlyList<IReadOnlyDictionary<string, double>> weightings,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> partParameters, IReadOnlyList<Split> validations, int k = 10, int seed = 42,
        Action<TuningTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(weightings);
        ArgumentNullException.ThrowIfNull(partParameters);
        ArgumentNullException.ThrowIfNull(validations);
        if (weightings.Count == 0) throw new ArgumentException("Blend tuning needs at least one weighting.", nameof(weightings));
        if (validations.Count == 0) throw new ArgumentException("Blend tuning needs at least one validation split.", nameof(validations));
        var parts = weightings.SelectMany(w => w.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        foreach (var part in parts)
            if (part is "blend" or "ranker" || !ModelTrainer.Kinds.Contains(part)) throw new ArgumentException($"'{part}' is not a generator a blend can weight.", nameof(weightings));
        foreach (var weighting in weightings)
            if (weighting.Values.Any(v => !(double.IsFinite(v) && v >= 0)) || !weighting.Values.Any(v => v > 0))
                throw new ArgumentException($"Weighting {string.Join(",", weighting.Select(w => $"{w.Key}={w.Value}"))} needs finite weights ≥ 0, one of them > 0 (as a blend does).", nameof(weightings));
        var sums = new double[weightings.Count];
        var seconds = new double[weightings.Count];
        foreach (var carve in validations)
        {
            var validation = WithinCacheBudget(carve, parts.Length, seed);
            var cache = CachedScores.Build(parts, partParameters, validation, seed, cancellationToken);
            for (var w = 0; w < weightings.Count; w++)
            {
                var watch = Stopwatch.StartNew();
                var weights = parts.Select(p => (float)weightings[w].GetValueOrDefault(p)).ToArray();
                sums[w] += Evaluator.Evaluate((user, _, scores) => cache.Combine(user, weights, scores), validation, k, cancellationToken)[$"ndcg@{k}"];
                seconds[w] += watch.Elapsed.TotalSeconds + cache.Seconds / weightings.Count;
            }
        }
        var trials = new List<TuningTrial>(weightings.Count);
        for (var w = 0; w < weightings.Count; w++)
        {
            var trial = new TuningTrial(weightings[w], sums[w] / validations.Count, seconds[w]);
            trials.Add(trial);
            progress?.Invoke(trial);
        }
        var best = Tuner.Best(trials);
        return new TuningResult("blend", $"ndcg@{k}", best.Parameters, best.Score, trials);
    }

    /// <summary>Bytes the cached scores of one carve may take (parts × test users × items × 4).</summary>
    public const long CacheBudgetBytes = 1L << 30;

    /// <summary>
    /// The carve itself when its cache fits <see cref="CacheBudgetBytes"/>; past it (a catalogue far larger than MovieLens'), a
    /// seeded sample of its test users that fits, so the grid is scored on fewer users instead of running out of memory.
    /// </summary>
    internal static Split WithinCacheBudget(Split carve, int parts, int seed, long budgetBytes = CacheBudgetBytes)
    {
        var users = carve.TestUsers.ToArray();
        var perUser = (long)parts * carve.Train.ItemCount * sizeof(float);
        var fits = (int)Math.Min(users.Length, budgetBytes / Math.Max(1, perUser));
        if (fits >= users.Length) return carve;
        if (fits < 1) throw new InvalidOperationException($"One user's cached scores ({perUser:N0} bytes) exceed the blend tuner's budget of {budgetBytes:N0} bytes.");
        new Random(seed).Shuffle(users);
        var kept = users.Take(fits).ToHashSet();
        var test = Enumerable.Range(0, carve.Test.Count).Select(u => kept.Contains(u) ? carve.Test[u] : []).ToArray();
        return carve with { Test = test, Protocol = $"{carve.Protocol} ({fits} of {users.Length} users)" };
    }

    /// <summary>Each part's centred scores and standard deviation for every test user of one carve.</summary>
    private sealed class CachedScores
    {
        private readonly int[] _row;            // user → row in the cache, −1 for users without test items
        private readonly float[][][] _centred;  // [part][row] → centred scores
        private readonly float[][] _std;        // [part][row]

        private CachedScores(int[] row, float[][][] centred, float[][] std, double seconds)
        {
            _row = row;
            _centred = centred;
            _std = std;
            Seconds = seconds;
        }

        public double Seconds { get; }

        public static CachedScores Build(string[] parts, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> partParameters, Split validation, int seed,
            CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var train = validation.Train;
            var users = validation.TestUsers.ToArray();
            var row = new int[train.UserCount];
            Array.Fill(row, -1);
            for (var r = 0; r < users.Length; r++) row[users[r]] = r;
            var n = train.ItemCount;
            var centred = new float[parts.Length][][];
            var std = new float[parts.Length][];
            for (var p = 0; p < parts.Length; p++)
            {
                // The blend's own seed, which ModelTrainer gives every part: the cached part is the part the blend would train.
                var model = ModelTrainer.Train(parts[p], partParameters.GetValueOrDefault(parts[p]), train, seed, cancellationToken);
                var rows = centred[p] = new float[users.Length][];
                var deviations = std[p] = new float[users.Length];
                Parallel.For(0, users.Length, new ParallelOptions { CancellationToken = cancellationToken }, r =>
                {
                    var scores = rows[r] = new float[n];
                    model.Score(train.History(users[r]), scores);
                    deviations[r] = BlendRecommender.Centre(scores);
                });
            }
            return new CachedScores(row, centred, std, watch.Elapsed.TotalSeconds);
        }

        /// <summary>Σ weight · centred / std over the parts, the blend's own arithmetic in its order.</summary>
        public void Combine(int user, float[] weights, Span<float> scores)
        {
            scores.Clear();
            var r = _row[user];
            for (var p = 0; p < weights.Length; p++)
                if (weights[p] != 0) BlendRecommender.AddWeighted(_centred[p][r], weights[p], _std[p][r], scores);
        }
    }
}
