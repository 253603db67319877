using System.Diagnostics;
using MLOps.Recommenders.Evaluation;

namespace MLOps.Recommenders.Tuning;

/// <summary>One configuration's validation score: the mean over the validation carves it ran on.</summary>
public sealed record TuningTrial(IReadOnlyDictionary<string, double> Parameters, double Score, double Seconds);

public sealed record TuningResult(string Kind, string Metric, IReadOnlyDictionary<string, double> Best, double BestScore, IReadOnlyList<TuningTrial> Trials);

/// <summary>
/// Hyper-parameter search on a validation split carved out of train (never the test split). Trials are independent: the pipeline can
/// fan <see cref="RunTrial"/> out and pick the best with <see cref="Best"/>; <see cref="Tune"/> runs them in sequence.
/// </summary>
public static class Tuner
{
    /// <summary>The validation split: train split again per user 75/25 with seed + 1 (the test split stays untouched).</summary>
    public static Split ValidationSplit(TrainingData train, int seed = 42, double ratio = 0.75) =>
        Splits.Stratified(train, ratio, seed + 1, StratifyBy.User) with { Protocol = "validation" };

    /// <summary>
    /// Several validation carves (seeds seed + 1, seed + 2, …), each the train split again per user with <paramref name="ratio"/>
    /// kept. Hyper-parameters are picked on the mean over them: a 90 % carve trains on almost as much as the final model does, so
    /// the pick is not biased towards more regularisation (one 75 % carve picked EASE λ 24 on ML-100k, where the final train
    /// split wants 12), and the mean over five carves steadies what a smaller held-out part makes noisier (docs/evaluation.md, Tuning).
    /// </summary>
    public static IReadOnlyList<Split> ValidationSplits(TrainingData train, int seed = 42, int carves = 5, double ratio = 0.9)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(carves, 1);
        if (!(ratio > 0 && ratio < 1)) throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "A validation carve keeps a share of each user's train items strictly between 0 and 1.");
        return Enumerable.Range(1, carves)
            .Select(c => Splits.Stratified(train, ratio, seed + c, StratifyBy.User) with { Protocol = $"validation-{c}" })
            .ToList();
    }

    /// <summary>Every combination of the given values (keys in ordinal order, values in the given order).</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> Grid(IReadOnlyDictionary<string, double[]> space)
    {
        ArgumentNullException.ThrowIfNull(space);
        IEnumerable<Dictionary<string, double>> configs = [new Dictionary<string, double>(StringComparer.Ordinal)];
        foreach (var key in space.Keys.Order(StringComparer.Ordinal))
            configs = configs.SelectMany(c => space[key].Select(v => new Dictionary<string, double>(c, StringComparer.Ordinal) { [key] = v }));
        return configs.ToList();
    }

    /// <summary>A seeded random sample of <paramref name="trials"/> distinct grid points (the whole grid when it is smaller).</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> RandomSearch(IReadOnlyDictionary<string, double[]> space, int trials, int seed = 42)
    {
        var grid = Grid(space).ToArray();
        if (grid.Length <= trials) return grid;
        new Random(seed).Shuffle(grid);
        return grid.Take(trials).ToList();
    }

    public static TuningTrial RunTrial(string kind, IReadOnlyDictionary<string, double> parameters, Split validation, int k = 10, int seed = 42, CancellationToken cancellationToken = default) =>
        RunTrial(kind, parameters, [validation], k, seed, cancellationToken);

    /// <summary>Trains and evaluates one configuration on every carve; the score is the mean nDCG@k over them.</summary>
    public static TuningTrial RunTrial(string kind, IReadOnlyDictionary<string, double> parameters, IReadOnlyList<Split> validations, int k = 10, int seed = 42,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(validations);
        if (validations.Count == 0) throw new ArgumentException("A trial needs at least one validation split.", nameof(validations));
        var stopwatch = Stopwatch.StartNew();
        var sum = 0.0;
        foreach (var validation in validations)
        {
            var model = ModelTrainer.Train(kind, parameters, validation.Train, seed, cancellationToken);
            sum += Evaluator.Evaluate(model, validation, k, cancellationToken)[$"ndcg@{k}"];
        }
        return new TuningTrial(parameters, sum / validations.Count, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>The trial with the highest score; ties go to the earlier trial, and a NaN score never wins over a number.</summary>
    public static TuningTrial Best(IEnumerable<TuningTrial> trials) =>
        trials.Aggregate((best, t) => t.Score > best.Score || (double.IsNaN(best.Score) && !double.IsNaN(t.Score)) ? t : best);

    public static TuningResult Tune(string kind, IEnumerable<IReadOnlyDictionary<string, double>> configs, Split validation, int k = 10, int seed = 42,
        Action<TuningTrial>? progress = null, CancellationToken cancellationToken = default) =>
        Tune(kind, configs, [validation], k, seed, progress, cancellationToken);

    /// <summary>Runs every configuration on every carve (<see cref="ValidationSplits"/>) and picks the best mean.</summary>
    public static TuningResult Tune(string kind, IEnumerable<IReadOnlyDictionary<string, double>> configs, IReadOnlyList<Split> validations, int k = 10, int seed = 42,
        Action<TuningTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configs);
        var trials = new List<TuningTrial>();
        foreach (var config in configs)
        {
            var trial = RunTrial(kind, config, validations, k, seed, cancellationToken);
            trials.Add(trial);
            progress?.Invoke(trial);
        }
        if (trials.Count == 0) throw new ArgumentException("Tuning needs at least one configuration.", nameof(configs));
        var best = Best(trials);
        return new TuningResult(kind, $"ndcg@{k}", best.Parameters, best.Score, trials);
    }
}
