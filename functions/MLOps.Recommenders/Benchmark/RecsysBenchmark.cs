using System.Diagnostics;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Tuning;

namespace MLOps.Recommenders.Benchmark;

public sealed record BenchmarkRow(string Model, IReadOnlyDictionary<string, double> Parameters, IReadOnlyDictionary<string, double> Metrics,
    double TrainSeconds, double EvaluateSeconds, double TuneSeconds, int Trials, double RecommendAllUsersSeconds, long ArtifactBytes);

public sealed record BenchmarkReport(string Dataset, string Protocol, int K, int Seed, int Users, int Items, int TrainInteractions, int TestInteractions,
    IReadOnlyList<BenchmarkRow> Results, double TotalSeconds);

/// <summary>Published Microsoft Recommenders figures on ML-100k (their benchmark notebook, same protocol), shown beside ours.</summary>
public static class PublishedResults
{
    public static IReadOnlyList<(string Model, double Ndcg, double Precision)> MovieLens100k { get; } =
    [
        ("BiVAE", 0.475, 0.412), ("BPR", 0.442, 0.388), ("LightGCN", 0.420, 0.380), ("SAR", 0.382, 0.331),
    ];
}

/// <summary>
/// Train → (tune) → evaluate each requested model on one split of a dataset. The "recommenders" protocol is the split of the
/// Recommenders benchmark notebook row for row (per-item stratified 75/25, NumPy seed 42); "recommenders-user" stratifies per user
/// instead; "chronological" is a global time cutoff at the 80th percentile of timestamps.
/// </summary>
public static class RecsysBenchmark
{
    public static IReadOnlyList<string> DefaultModels { get; } = ["popularity", "content", "sar", "ials", "ease", "infae", "blend", "ranker"];

    /// <summary>Small search spaces tuned on the mean of five validation carves from train (kept small: the benchmark has a time budget).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double[]>> TuningSpaces { get; } = new Dictionary<string, IReadOnlyDictionary<string, double[]>>
    {
        ["ease"] = new Dictionary<string, double[]> { ["lambda"] = [12, 16, 24], ["dropout"] = [0, 0.2] },
        ["ials"] = new Dictionary<string, double[]> { ["regularization"] = [20, 25, 30] },
        ["infae"] = new Dictionary<string, double[]> { ["regularization"] = [1, 2, 4] },
        ["sar"] = new Dictionary<string, double[]> { ["similarity"] = [1, 2] },
    };

    /// <summary>The blend's weights are tuned over these generators, each weighted 0, 0.5 or 1 (the default weighting tried first).</summary>
    public static IReadOnlyList<string> BlendTuningParts { get; } = ["ease", "ials", "infae"];

    public static double[] BlendTuningWeights { get; } = [0, 0.5, 1];

    public static Split MakeSplit(TrainingData data, string protocol, int seed) => protocol switch
    {
        "recommenders" or "recommenders-item" => Splits.Stratified(data, 0.75, seed, StratifyBy.Item),
        "recommenders-user" => Splits.Stratified(data, 0.75, seed, StratifyBy.User),
        "chronological" => Splits.Chronological(data, 0.8),
        "leave-last-out" => Splits.LeaveLastOut(data, 1),
        _ => throw new ArgumentException($"--protocol must be recommenders, recommenders-user, chronological or leave-last-out, not '{protocol}'.", nameof(protocol)),
    };

    public static BenchmarkReport Run(string dataset, TrainingData data, string protocol, IReadOnlyList<string> models, int k, int seed, bool tune,
        Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(models);
        foreach (var m in models) ModelTrainer.Defaults(m);
        var total = Stopwatch.StartNew();
        var split = MakeSplit(data, protocol, seed);
        log?.Invoke($"{dataset}: {data.UserCount} users, {data.ItemCount} items; {split.Protocol}: {split.Train.InteractionCount} train, {split.TestInteractionCount} test interactions");
        IReadOnlyList<Split>? validation = null;
        var rows = new List<BenchmarkRow>();
        var tuned = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        for (var n = 0; n < models.Count; n++)
        {
            var kind = models[n];
            IReadOnlyDictionary<string, double>? parameters = null;
            var tuneSeconds = 0.0;
            var trials = 0;
            if (tune && TuningSpaces.TryGetValue(kind, out var space))
            {
                var watch = Stopwatch.StartNew();
                validation ??= ValidationCarves(protocol, split.Train, seed);
                var result = Tuner.Tune(kind, Tuner.Grid(space), validation, k, seed,
                    t => log?.Invoke($"  tune {kind} {Format(t.Parameters)}: validation ndcg@{k} {t.Score:0.0000}, mean of {validation.Count} carves ({t.Seconds:0.0} s)"), cancellationToken);
                parameters = result.Best;
                tuned[kind] = result.Best;
                tuneSeconds = watch.Elapsed.TotalSeconds;
                trials = result.Trials.Count;
            }
            if (tune && kind == "blend")
            {
                var watch = Stopwatch.StartNew();
                validation ??= ValidationCarves(protocol, split.Train, seed);
                var weightings = new List<IReadOnlyDictionary<string, double>> { ModelTrainer.BlendDefaults };
                weightings.AddRange(BlendTuner.WeightGrid(BlendTuningParts, BlendTuningWeights).Where(w => !SameWeights(w, ModelTrainer.BlendDefaults)));
                var result = BlendTuner.Tune(weightings, tuned, validation, k, seed,
                    t => log?.Invoke($"  tune blend {Format(t.Parameters)}: validation ndcg@{k} {t.Score:0.0000}, mean of {validation.Count} carves"), cancellationToken);
                tuned[kind] = result.Best;
                tuneSeconds = watch.Elapsed.TotalSeconds;
                trials = result.Trials.Count;
            }
            if (kind is "blend" or "ranker")
            {
                // Parts take the parameters tuned for them above (when they were run first); a tuned blend its tuned weights
                // (parts weighted 0 left out).
                var combined = new Dictionary<string, double>(
                    kind == "blend" && tuned.TryGetValue("blend", out var weights) ? weights.Where(w => w.Value > 0) : ModelTrainer.Defaults(kind), StringComparer.Ordinal);
                foreach (var (part, best) in tuned)
                    if (part != "blend" && combined.GetValueOrDefault(part) > 0) foreach (var (key, value) in best) combined[$"{part}.{key}"] = value;
                parameters = combined;
            }
            var trainWatch = Stopwatch.StartNew();
            var model = ModelTrainer.Train(kind, parameters, split.Train, seed, cancellationToken);
            var trainSeconds = trainWatch.Elapsed.TotalSeconds;
            var evaluation = Evaluator.Evaluate(model, split, k, cancellationToken);
            var serving = RecommendAllUsers(model, split.Train, k);
            rows.Add(new BenchmarkRow(kind, model.Parameters, evaluation.Metrics, trainSeconds, evaluation.Seconds, tuneSeconds, trials, serving,
                Artifacts.ModelArtifact.ToBytes(model).LongLength));
            if (model is Models.RankerRecommender ranker)
                log?.Invoke($"  ranker on held-back validation users: ndcg@10 {ranker.ValidationNdcgPrimary:0.0000} (primary order) → {ranker.ValidationNdcgRanker:0.0000} (re-ranked); " +
                            (ranker.Kept ? "kept (gain significant at 95 %)" : "not kept: no significant gain, it serves its primary generator's order"));
            log?.Invoke($"[{n + 1}/{models.Count}] {kind}: ndcg@{k} {evaluation[$"ndcg@{k}"]:0.0000}  precision@{k} {evaluation[$"precision@{k}"]:0.0000}  " +
                        $"train {trainSeconds:0.00} s, evaluate {evaluation.Seconds:0.00} s, top-{k} for all {split.Train.UserCount} users {serving:0.000} s{(trials > 0 ? $", tuning {trials} trials {tuneSeconds:0.0} s" : "")}");
        }
        return new BenchmarkReport(dataset, protocol, k, seed, data.UserCount, data.ItemCount, split.Train.InteractionCount, split.TestInteractionCount,
            rows, total.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The validation carves tuning scores on, cut from train the way the protocol cuts test from the data: five seeded 90 %
    /// per-user carves for the random protocols; for "chronological", train's own timeline cut at its 80th, 85th and 90th
    /// percentiles (the future is what the test asks for); for "leave-last-out", each user's last train item.
    /// </summary>
    public static IReadOnlyList<Split> ValidationCarves(string protocol, TrainingData train, int seed) => protocol switch
    {
        "chronological" => [.. new[] { 0.8, 0.85, 0.9 }.Select(f => Splits.Chronological(train, f) with { Protocol = $"validation-chronological-{f:0.00}" })],
        "leave-last-out" => [Splits.LeaveLastOut(train, 1) with { Protocol = "validation-leave-last-out" }],
        _ => Tuner.ValidationSplits(train, seed),
    };

    /// <summary>Top-k for every user, one thread, one scratch buffer: the serving hot path (score, exclude seen, partial sort).</summary>
    public static double RecommendAllUsers(IRecommender model, TrainingData train, int k)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (train.UserCount == 0) return 0;
        var scores = new float[train.ItemCount];
        var top = new int[k];
        TopK.Recommend(model, train.History(0), scores, top);
        var watch = Stopwatch.StartNew();
        for (var u = 0; u < train.UserCount; u++) TopK.Recommend(model, train.History(u), scores, top);
        return watch.Elapsed.TotalSeconds;
    }

    private static bool SameWeights(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b) =>
        a.Keys.Union(b.Keys).All(key => a.GetValueOrDefault(key) == b.GetValueOrDefault(key));

    public static string Format(IReadOnlyDictionary<string, double> parameters) =>
        string.Join(",", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value:0.###}"));
}
