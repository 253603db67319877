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

    /// <summary>
    /// Checks a candidate's parameters as training would, before any data is read: an unknown name or a value out of range
    /// throws the model's own <see cref="ArgumentException"/>, so a pipeline refuses its input instead of training, retrying
    /// and failing. The models' checks run on a three-user toy matrix (well under a millisecond), so their rules have no
    /// second copy to drift from; the ranker's own settings are parsed, and each generator it switches on is checked.
    /// </summary>
    public static void CheckParameters(string kind, IReadOnlyDictionary<string, double>? parameters)
    {
        if (kind == "ranker")
        {
            var (p, generators) = RankerRecommender.ParseParameters(parameters);
            foreach (var generator in generators) CheckParameters(generator, PartParameters(p, generator));
            return;
        }
        Train(kind, parameters, ToyData.Value, seed: 1);
    }

    private static readonly Lazy<TrainingData> ToyData = new(() =>
    {
        var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        (string User, string Item)[] pairs = [("u1", "a"), ("u1", "b"), ("u2", "b"), ("u2", "c"), ("u3", "a"), ("u3", "c")];
        return TrainingData.FromEvents(pairs.Select((x, i) => new Core.Data.ViewingEvent
        {
            EventId = $"toy{i}", UserId = x.User, ContentId = x.Item, Timestamp = at.AddHours(i), EventType = Core.Data.EventType.Rate, Rating = 4, RatingScaleMax = 5,
        }));
    });

    private static BlendRecommender TrainBlend(IReadOnlyDictionary<string, double> parameters, TrainingData data, int seed, CancellationToken cancellationToken)
    {
        // Only part parameters ("ials.factors") and no weights: the default parts and weights, with those parameters.
        if (!parameters.Keys.Any(IsPartWeight))
            parameters = new Dictionary<string, double>(BlendDefaults.Concat(parameters), StringComparer.Ordinal);
        var parts = parameters.Keys.Where(IsPartWeight).Order(StringComparer.Ordinal).ToArray();
        foreach (var part in parts) Models.ParameterRules.Number("Blend", parameters, part, 0);
        // Weight 0 switches a part off, as in the ranker: its parameters would be ignored, so they are an error.
        RequireWeightedParts("Blend", parameters, part => parts.Contains(part, StringComparer.Ordinal) && parameters[part] > 0, exampleWeight: 0.5);
        if (parts.All(part => parameters[part] == 0)) throw new ArgumentException("A blend needs at least one part with a weight > 0 (e.g. ials=1).", nameof(parameters));
        var models = new List<RecommenderModel>();
        var weights = new List<float>();
        for (var k = 0; k < parts.Length; k++)
        {
            if (parts[k] is "blend" or "ranker") throw new ArgumentException("A blend combines generators, not blends or rankers.", nameof(parameters));
            Defaults(parts[k]); // an unknown kind is an error even when weighted 0
            // A part weighted 0 would only be multiplied by 0: it is not trained.
            if (parameters[parts[k]] == 0) continue;
            // Every part takes the blend's own seed, so a part's model does not depend on which other parts are weighted: the
            // blend tuner's cached parts are then exactly the parts this blend trains.
            models.Add(Train(parts[k], PartParameters(parameters, parts[k]), data, seed, cancellationToken));
            weights.Add((float)parameters[parts[k]]);
        }
        return new BlendRecommender(data.Items, parameters, models.ToArray(), weights.ToArray());
    }

    private static bool IsPartWeight(string key) => PartOf(key) is null;

    /// <summary>"ials" of a part parameter "ials.factors"; null for a key of the combining model itself (a weight, or its own setting).</summary>
    internal static string? PartOf(string key)
    {
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? null : key[..dot];
    }

    /// <summary>One part's parameters with the part's prefix removed ("ials.factors" → "factors").</summary>
    internal static Dictionary<string, double> PartParameters(IReadOnlyDictionary<string, double> parameters, string part) =>
        parameters.Where(p => PartOf(p.Key) == part).ToDictionary(p => p.Key[(part.Length + 1)..], p => p.Value, StringComparer.Ordinal);

    /// <summary>A part parameter whose part is not switched on would be silently unused (blend, ranker): an error naming it.</summary>
    internal static void RequireWeightedParts(string owner, IReadOnlyDictionary<string, double> parameters, Func<string, bool> isOn, double exampleWeight)
    {
        foreach (var key in parameters.Keys)
            if (PartOf(key) is { } part && !isOn(part))
                throw new ArgumentException($"{owner} parameter '{key}' belongs to no part with a weight: add {part}={exampleWeight.ToString(System.Globalization.CultureInfo.InvariantCulture)} or drop it.", nameof(parameters));
    }
}
