namespace MLOps.Recommenders.Models;

/// <summary>
/// Popularity: an item's score is its number of interacting users, each weighted by 2^(−age / half-life) where age is measured from
/// the newest training event (half_life_days = 0: plain counts). The same list for everyone; the cold-start answer.
/// </summary>
public sealed class PopularityRecommender : RecommenderModel
{
    private readonly float[] _scores;

    internal PopularityRecommender(ItemIndex items, IReadOnlyDictionary<string, double> parameters, float[] scores) : base("popularity", items, parameters)
    {
        if (scores.Length != items.Count) throw new InvalidDataException($"Popularity holds {scores.Length} scores for {items.Count} items.");
        _scores = scores;
    }

    public static IReadOnlyDictionary<string, double> Defaults { get; } = new Dictionary<string, double> { ["half_life_days"] = 0 };

    public static PopularityRecommender Train(TrainingData data, IReadOnlyDictionary<string, double>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = Merge(Defaults, parameters);
        var halfLife = ParameterRules.Number("Popularity", p, "half_life_days", 0) * 86400;
        var scores = new double[data.ItemCount];
        foreach (var x in data.Interactions)
            scores[x.Item] += halfLife > 0 ? Math.Pow(2, -(data.MaxTimestamp - x.Timestamp) / halfLife) : 1;
        return new PopularityRecommender(data.Items, p, scores.Select(s => (float)s).ToArray());
    }

    public ReadOnlySpan<float> ItemScores => _scores;

    public override void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        if (scores.Length != Items.Count) throw new ArgumentException($"The score buffer must hold {Items.Count} items.", nameof(scores));
        _scores.CopyTo(scores);
    }

    /// <summary>
    /// Cold start: the k most popular items, restricted to items carrying at least one of <paramref name="genres"/> when any are given
    /// (genres come from the catalogue of the training data; matched case-insensitively). Returns how many were written.
    /// </summary>
    public int TopForGenres(IReadOnlyList<Core.Data.CatalogItem?>? catalog, IReadOnlyCollection<string>? genres, Span<int> result)
    {
        var scores = _scores.ToArray();
        if (genres is { Count: > 0 } && catalog is not null)
            for (var i = 0; i < scores.Length; i++)
                if (catalog[i] is not { } c || !c.Genres.Any(g => genres.Contains(g, StringComparer.OrdinalIgnoreCase))) scores[i] = float.NegativeInfinity;
        return TopK.Select(scores, result);
    }

    internal override void WritePayload(BinaryWriter writer) => BinaryArrays.Write(writer, _scores);

    internal static PopularityRecommender ReadPayload(ItemIndex items, IReadOnlyDictionary<string, double> parameters, BinaryReader reader) =>
        new(items, parameters, BinaryArrays.ReadFloats(reader));

    internal static Dictionary<string, double> Merge(IReadOnlyDictionary<string, double> defaults, IReadOnlyDictionary<string, double>? given)
    {
        var merged = new Dictionary<string, double>(defaults, StringComparer.Ordinal);
        if (given is not null)
            foreach (var (key, value) in given)
            {
                if (!defaults.ContainsKey(key)) throw new ArgumentException($"Unknown parameter '{key}' (known: {string.Join(", ", defaults.Keys)}).", nameof(given));
                merged[key] = value;
            }
        return merged;
    }
}
