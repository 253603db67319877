using System.Diagnostics;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Tuning;

namespace MLOps.Recommenders.Benchmark;

/// <summary>
/// One model's result. <see cref="Note"/> says what a reader must know to read the figures (a ranker that serves its primary
/// generator's order); a model that failed has <see cref="Error"/> and no metrics.
/// </summary>
public sealed record BenchmarkRow(string Model, IReadOnlyDictionary<string, double> Parameters, IReadOnlyDictionary<string, double> Metrics,
    double TrainSeconds, double EvaluateSeconds, double TuneSeconds, int Trials, double RecommendAllUsersSeconds, long ArtifactBytes,
    string? Note = null, string? Error = null);

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
        Action<string>? log = null, CancellationToken cancellationToken = default) =>
        Run(dataset, data, protocol, models, k, seed, tune, ModelTrainer.Train, log, cancellationToken);

    /// <summary>Trains one benchmarked model (<see cref="ModelTrainer.Train"/>; tests substitute one that fails).</summary>
    internal delegate Models.RecommenderModel Trainer(string kind, IReadOnlyDictionary<string, double>? parameters, TrainingData data, int seed, CancellationToken cancellationToken);

    internal static BenchmarkReport Run(string dataset, TrainingData data, string protocol, IReadOnlyList<string> models, int k, int seed, bool tune,
        Trainer train, Action<string>? log = null, CancellationToken cancellationToken = default) =>
        RunOnSplit(dataset, data, protocol, models, k, seed, splitSeed: seed, tune, train, log, cancellationToken);

    /// <summary>
    /// The run on the split drawn with <paramref name="splitSeed"/>; tuning carves and models keep <paramref name="seed"/>
    /// (<see cref="BenchmarkDraws"/> varies the split alone). The report's seed is <paramref name="seed"/>.
    /// </summary>
    internal static BenchmarkReport RunOnSplit(string dataset, TrainingData data, string protocol, IReadOnlyList<string> models, int k, int seed, int splitSeed,
        bool tune, Trainer train, Action<string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(models);
        foreach (var m in models) ModelTrainer.Defaults(m);
        var total = Stopwatch.StartNew();
        if (data.InteractionCount == 0) throw new InvalidDataException($"{dataset} holds no interaction: there is nothing to split or evaluate on.");
        var split = MakeSplit(data, protocol, splitSeed);
        log?.Invoke($"{dataset}: {data.UserCount} users, {data.ItemCount} items; {split.Protocol}: {split.Train.InteractionCount} train, {split.TestInteractionCount} test interactions");
        // Refused before any training: a mean over no user, or a top-k longer than what can be recommended, is no figure.
        EvaluableUsers.Require(split);
        var candidates = EvaluableUsers.CandidateItems(split.Train);
        if (k > candidates)
            throw new ArgumentException($"--k {k} is more than the {candidates} items that can be recommended ({split.Protocol}: items with a train interaction); use at most {candidates}.", nameof(k));
        var tuning = tune ? new BenchmarkTuning(protocol, split.Train, k, seed, log, cancellationToken) : null;
        var benchmarked = models.ToHashSet(StringComparer.Ordinal);
        var rows = new List<BenchmarkRow>();
        for (var n = 0; n < models.Count; n++)
        {
            var kind = models[n];
            var row = RunOne(kind, benchmarked, split, tuning, k, seed, train, log, cancellationToken);
            rows.Add(row);
            log?.Invoke(row.Error is { } error
                ? $"[{n + 1}/{models.Count}] {kind}: FAILED ({error}); the other models go on"
                : $"[{n + 1}/{models.Count}] {kind}: ndcg@{k} {row.Metrics[$"ndcg@{k}"]:0.0000}  precision@{k} {row.Metrics[$"precision@{k}"]:0.0000}  " +
                  $"train {row.TrainSeconds:0.00} s, evaluate {row.EvaluateSeconds:0.00} s, top-{k} for all {split.Train.UserCount} users {row.RecommendAllUsersSeconds:0.000} s" +
                  (row.Trials > 0 ? $", tuning {row.Trials} trials {row.TuneSeconds:0.0} s" : ""));
        }
        var failed = rows.Where(r => r.Error is not null).Select(r => r.Model).ToArray();
        log?.Invoke(failed.Length == 0
            ? $"done: {rows.Count} models in {total.Elapsed.TotalSeconds:0.0} s"
            : $"done: {rows.Count - failed.Length} of {rows.Count} models in {total.Elapsed.TotalSeconds:0.0} s; failed: {string.Join(", ", failed)}");
        return new BenchmarkReport(dataset, protocol, k, seed, data.UserCount, data.ItemCount, split.Train.InteractionCount, split.TestInteractionCount,
            rows, total.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Tunes (when asked), trains and evaluates one model. A failure becomes the row's <see cref="BenchmarkRow.Error"/> so it never
    /// discards the other models' rows; cancellation still ends the run.
    /// </summary>
    private static BenchmarkRow RunOne(string kind, IReadOnlySet<string> benchmarked, Split split, BenchmarkTuning? tuning, int k, int seed,
        Trainer train, Action<string>? log, CancellationToken cancellationToken)
    {
        var tuneSeconds = 0.0;
        var trials = 0;
        try
        {
            IReadOnlyDictionary<string, double>? parameters = kind is "blend" or "ranker" ? ModelTrainer.Defaults(kind) : null;
            if (tuning is not null) (parameters, trials, tuneSeconds) = tuning.For(kind, benchmarked);
            // The ranker decides whether to keep itself by nDCG on held-back users: at the k it is benchmarked at.
            if (kind == "ranker") parameters = new Dictionary<string, double>(parameters!, StringComparer.Ordinal) { ["k"] = k };
            var trainWatch = Stopwatch.StartNew();
            var model = train(kind, parameters, split.Train, seed, cancellationToken);
            var trainSeconds = trainWatch.Elapsed.TotalSeconds;
            var evaluation = Evaluator.Evaluate(model, split, k, cancellationToken);
            var serving = RecommendAllUsers(model, split.Train, k);
            var note = model is Models.RankerRecommender ranker ? RankerNote(ranker) : null;
            if (note is not null) log?.Invoke($"  ranker {note}");
            return new BenchmarkRow(kind, model.Parameters, evaluation.Metrics, trainSeconds, evaluation.Seconds, tuneSeconds, trials, serving,
                Artifacts.ModelArtifact.ToBytes(model).LongLength, note);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new BenchmarkRow(kind, new Dictionary<string, double>(), new Dictionary<string, double>(), 0, 0, tuneSeconds, trials, 0, 0,
                Error: $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static string RankerNote(Models.RankerRecommender ranker) =>
        !ranker.Trained ? $"not trained: {ranker.NotTrainedReason}; it serves the order of its primary generator"
        : ranker.Kept ? $"kept: held-back validation users ndcg@{ranker.ValidationK} {ranker.ValidationNdcgPrimary:0.0000} (primary order) → {ranker.ValidationNdcgRanker:0.0000} (re-ranked), gain significant at 95 %"
        : $"not kept: held-back validation users ndcg@{ranker.ValidationK} {ranker.ValidationNdcgPrimary:0.0000} (primary order) → {ranker.ValidationNdcgRanker:0.0000} (re-ranked), no significant gain; it serves the order of its primary generator";

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

    public static string Format(IReadOnlyDictionary<string, double> parameters) =>
        string.Join(",", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value:0.###}"));
}
