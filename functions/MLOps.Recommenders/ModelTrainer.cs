using MLOps.Recommenders.Models;

namespace MLOps.Recommenders;

/// <summary>
/// The one entry point the pipeline and the benchmark train through: a kind, its parameters (missing ones take the defaults;
/// unknown ones are rejected), the training data and a seed. Same inputs, same model.
/// </summary>
public static class ModelTrainer
{
    public static IReadOnlyList<string> Kinds { get; } = ["popularity", "sar", "ease", "ials", "infae", "content", "blend", "ranker"];

    /// <summary>
    /// A blend of the strongest generators; parts are named by kind with their weight, part parameters as "kind.name". iALS (a
    /// factor model) with half-weight ∞-AE (a user-kernel model): weights picked on a validation split (docs/evaluation.md, "Blend").
    /// </summary>
    public static IReadOnlyDictionary<string, double> BlendDefaults { get; } = new Dictionary<string, double>
    {
        ["ials"] = 1, ["infae"] = 0.5,
    };

    public static IReadOnlyDictionary<string, double> Defaults(string kind) => kind switch
    {
        "popularity" => PopularityRecommender.Defaults,
        "sar" => Sar.Defaults,
        "ease" => Ease.Defaults,
        "ials" => IalsRecommender.Defaults,
        "infae" => InfiniteAutoencoder.Defaults,
        "content" => Content.Defaults,
        "blend" => BlendDefaults,
        "ranker" => RankerRecommender.Defaults,
        _ => throw new ArgumentException($"Unknown model kind '{kind}' (known: {string.Join(", ", Kinds)}).", nameof(kind)),
    };

    public static RecommenderModel Train(string kind, IReadOnlyDictionary<string, double>? parameters, TrainingData data, int seed = 42, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        return kind switch
        {
            "popularity" => PopularityRecommender.Train(data, parameters),
            "sar" => Sar.Train(data, parameters),
            "ease" => Ease.Train(data, parameters),
            "ials" => IalsRecommender.Train(data, parameters, seed, cancellationToken),
            "infae" => InfiniteAutoencoder.Train(data, parameters, seed, cancellationToken),
            "content" => Content.Train(data, parameters),
            "blend" => TrainBlend(parameters ?? BlendDefaults, data, seed, cancellationToken),
            "ranker" => RankerRecommender.Train(data, parameters, seed, log: null, cancellationToken),
            _ => throw new ArgumentException($"Unknown model kind '{kind}' (known: {string.Join(", ", Kinds)}).", nameof(kind)),
        };
    }

    private static BlendRecommender TrainBlend(IReadOnlyDictionary<string, double> parameters, TrainingData data, int seed, CancellationToken cancellationToken)
    {
        // Only part parameters ("ials.factors") and no weights: the default parts and weights, with those parameters.
        if (!parameters.Keys.Any(IsPartWeight))
            parameters = new Dictionary<string, double>(BlendDefaults.Concat(parameters), StringComparer.Ordinal);
        var parts = parameters.Keys.Where(IsPartWeight).Order(StringComparer.Ordinal).ToArray();
        foreach (var key in parameters.Keys.Where(k => !IsPartWeight(k)))
            if (!parts.Contains(key[..key.IndexOf('.', StringComparison.Ordinal)], StringComparer.Ordinal))
                throw new ArgumentException($"Blend parameter '{key}' belongs to no part: give the part a weight (e.g. {key[..key.IndexOf('.', StringComparison.Ordinal)]}=0.5).", nameof(parameters));
        var models = new RecommenderModel[parts.Length];
        var weights = new float[parts.Length];
        for (var k = 0; k < parts.Length; k++)
        {
            if (parts[k] is "blend" or "ranker") throw new ArgumentException("A blend combines generators, not blends or rankers.", nameof(parameters));
            var prefix = parts[k] + ".";
            var sub = parameters.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal);
            models[k] = Train(parts[k], sub, data, seed + k, cancellationToken);
            weights[k] = (float)parameters[parts[k]];
        }
        return new BlendRecommender(data.Items, parameters, models, weights);
    }

    private static bool IsPartWeight(string key) => !key.Contains('.', StringComparison.Ordinal);
}
