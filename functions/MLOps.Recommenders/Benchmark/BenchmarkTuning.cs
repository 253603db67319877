using System.Diagnostics;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Models;
using MLOps.Recommenders.Tuning;

namespace MLOps.Recommenders.Benchmark;

/// <summary>
/// The benchmark's tuning, each search run at most once per run. A composite (blend, ranker) takes its parts' tuned values
/// whether or not the parts are benchmarked themselves: the parts are tuned on demand, so a model's row depends only on the data,
/// protocol, k and seed, never on what else --models lists.
/// </summary>
internal sealed class BenchmarkTuning(string protocol, TrainingData train, int k, int seed, Action<string>? log, CancellationToken cancellationToken)
{
    private readonly Dictionary<string, TuningResult> _done = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private IReadOnlyList<Split>? _carves;

    /// <summary>The parts a composite combines and takes tuned values for (the generators its default parameters weight).</summary>
    public static IReadOnlyList<string> PartsOf(string kind) => kind switch
    {
        "blend" => RecsysBenchmark.BlendTuningParts,
        "ranker" => [.. RankerRecommender.GeneratorKinds.Where(g => RankerRecommender.Defaults.GetValueOrDefault(g) > 0)],
        _ => [],
    };

    /// <summary>
    /// The parameters <paramref name="kind"/> is benchmarked with and what tuning them cost (trials, seconds, parts' searches run
    /// for it included); null parameters = the model's defaults (nothing to tune, or no carve to tune on).
    /// </summary>
    public (IReadOnlyDictionary<string, double>? Parameters, int Trials, double Seconds) For(string kind, IReadOnlySet<string> benchmarked)
    {
        var watch = Stopwatch.StartNew();
        var trials = 0;
        if (kind is not ("blend" or "ranker"))
        {
            var own = Generator(kind, forComposite: null, ref trials);
            return (own?.Best, trials, watch.Elapsed.TotalSeconds);
        }
        foreach (var part in PartsOf(kind)) Generator(part, benchmarked.Contains(part) ? null : kind, ref trials);
        var weights = kind == "blend" ? BlendWeights(ref trials) : null;
        // A tuned blend takes its tuned weights (parts weighted 0 left out), the ranker its default generators; each weighted part
        // its tuned values, in the order they were tuned.
        var combined = new Dictionary<string, double>(weights is not null ? weights.Where(w => w.Value > 0) : ModelTrainer.Defaults(kind), StringComparer.Ordinal);
        foreach (var part in _order)
            if (part != "blend" && combined.GetValueOrDefault(part) > 0) foreach (var (key, value) in _done[part].Best) combined[$"{part}.{key}"] = value;
        return (combined, trials, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Validation carves with at least one evaluable user (tiny data can leave a carve without one).</summary>
    private IReadOnlyList<Split> Carves
    {
        get
        {
            if (_carves is not null) return _carves;
            var all = RecsysBenchmark.ValidationCarves(protocol, train, seed);
            _carves = [.. all.Where(c => EvaluableUsers.WhyNone(c) is null)];
            if (_carves.Count == 0)
                log?.Invoke($"  tuning skipped: none of the {all.Count} validation carves holds an evaluable user (too little data); every model keeps its defaults");
            else if (_carves.Count < all.Count)
                log?.Invoke($"  tuning on {_carves.Count} of {all.Count} validation carves (the others hold no evaluable user)");
            return _carves;
        }
    }

    private TuningResult? Generator(string kind, string? forComposite, ref int trials)
    {
        if (_done.TryGetValue(kind, out var done)) return done;
        if (!TuningSpaces.Default.TryGetValue(kind, out var space) || Carves.Count == 0) return null;
        var carves = Carves;
        if (forComposite is not null) log?.Invoke($"  tuning {kind} for {forComposite}, which combines it ({kind} is not in --models, so it gets no row)");
        var result = Tuner.Tune(kind, Tuner.Grid(space), carves, k, seed,
            t => log?.Invoke($"  tune {kind} {RecsysBenchmark.Format(t.Parameters)}: validation ndcg@{k} {t.Score:0.0000}, mean of {carves.Count} carves ({t.Seconds:0.0} s)"), cancellationToken);
        Remember(kind, result);
        trials += result.Trials.Count;
        return result;
    }

    private IReadOnlyDictionary<string, double>? BlendWeights(ref int trials)
    {
        if (_done.TryGetValue("blend", out var done)) return done.Best;
        if (Carves.Count == 0) return null;
        var carves = Carves;
        var weightings = new List<IReadOnlyDictionary<string, double>> { ModelTrainer.BlendDefaults };
        weightings.AddRange(BlendTuner.WeightGrid(RecsysBenchmark.BlendTuningParts, RecsysBenchmark.BlendTuningWeights).Where(w => !SameWeights(w, ModelTrainer.BlendDefaults)));
        var parts = _done.Where(d => d.Key != "blend").ToDictionary(d => d.Key, d => d.Value.Best, StringComparer.Ordinal);
        var result = BlendTuner.Tune(weightings, parts, carves, k, seed,
            t => log?.Invoke($"  tune blend {RecsysBenchmark.Format(t.Parameters)}: validation ndcg@{k} {t.Score:0.0000}, mean of {carves.Count} carves"), cancellationToken);
        Remember("blend", result);
        trials += result.Trials.Count;
        return result.Best;
    }

    private void Remember(string kind, TuningResult result)
    {
        _done[kind] = result;
        _order.Add(kind);
    }

    private static bool SameWeights(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b) =>
        a.Keys.Union(b.Keys).All(key => a.GetValueOrDefault(key) == b.GetValueOrDefault(key));
}
