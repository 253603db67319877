using MLOps.Core;
using MLOps.Drift.Window;
using MLOps.Features.Statistics;
using MLOps.Storage;

namespace MLOps.Drift.Prediction;

/// <summary>One title of an evaluated top-k list and the model's score of it.</summary>
public readonly record struct ScoredTitle(string ContentId, double Score);

/// <summary>
/// What the model recommends on its evaluation users, summarized once at evaluation time and registered with the version
/// (<c>models/&lt;name&gt;/versions/&lt;v&gt;/artifact/prediction-reference.json</c>): the score distribution of its top-k lists
/// (deciles, decile counts, moments and a seeded sample, as every numeric feature), their genre mix and their popularity
/// deciles. Prediction drift compares what serving logs with this (docs/drift.md, "Prediction drift").
/// </summary>
public sealed record PredictionReference
{
    public const string FileName = "prediction-reference.json";

    /// <summary>Human description: which model, which evaluation window, how many users and lists.</summary>
    public required string Source { get; init; }
    public int Users { get; init; }
    public int K { get; init; }
    public DateTimeOffset ComputedAt { get; init; }
    /// <summary><see cref="DriftFeatures.ServedScore"/> (numeric), <see cref="DriftFeatures.ServedGenre"/> and <see cref="DriftFeatures.ServedPopularity"/> (deciles).</summary>
    public required IReadOnlyList<FeatureStatistics> Features { get; init; }
    /// <summary>The training popularity ranking that defines the deciles (served titles are binned with it at check time).</summary>
    public required PopularityRanking Popularity { get; init; }

    public FeatureStatistics? Feature(string name) => Features.FirstOrDefault(f => f.Name == name);
}

public static class PredictionReferences
{
    /// <summary>
    /// Summarizes evaluated top-k <paramref name="lists"/>: every listed title's score, each of its genres, and its popularity
    /// decile by <paramref name="interactions"/> (training interactions per title) over <paramref name="catalogTitles"/> titles.
    /// </summary>
    public static PredictionReference Build(IReadOnlyList<IReadOnlyList<ScoredTitle>> lists, IReadOnlyDictionary<string, long> interactions, int catalogTitles,
        Func<string, IEnumerable<string>> genresOf, int k, string source, DateTimeOffset computedAt, DriftOptions? options = null)
    {
        options ??= new DriftOptions();
        var scores = new List<double>();
        var served = new Dictionary<string, long>(StringComparer.Ordinal);
        var genres = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var list in lists)
            foreach (var title in list)
            {
                if (!double.IsFinite(title.Score)) continue;
                scores.Add(title.Score);
                served[title.ContentId] = served.GetValueOrDefault(title.ContentId) + 1;
                foreach (var g in genresOf(title.ContentId)) genres[g] = genres.GetValueOrDefault(g) + 1;
            }
        var sorted = scores.ToArray();
        Array.Sort(sorted);
        var ranking = PopularityDeciles.Rank(interactions, catalogTitles);
        var profile = PopularityDeciles.Profile(ranking, served.Select(p => (p.Key, p.Value)));
        return new PredictionReference
        {
            Source = source, Users = lists.Count(l => l.Count > 0), K = k, ComputedAt = computedAt, Popularity = ranking,
            Features =
            [
                DriftReferences.ToStatistics(new FeatureValues(DriftFeatures.ServedScore, FeatureKind.Numeric, 0, sorted, null), options),
                DriftReferences.ToStatistics(new FeatureValues(DriftFeatures.ServedGenre, FeatureKind.Categorical, 0, null, genres), options),
                DriftReferences.ToStatistics(new FeatureValues(DriftFeatures.ServedPopularity, FeatureKind.Categorical, 0, null, profile), options),
            ],
        };
    }

    /// <summary>Where a registered version's reference lives (the registry's artifact folder of that version).</summary>
    public static string PathOf(string model, string version) => $"{StoreLayout.Models}{model}/versions/{version}/artifact/{PredictionReference.FileName}";

    public static Task SaveAsync(IBlobStore store, string path, PredictionReference reference, CancellationToken cancellationToken = default) =>
        store.WriteJsonAsync(path, reference, WriteCondition.None, cancellationToken: cancellationToken);

    /// <summary>The reference at <paramref name="path"/>, or null when there is none (a version registered before references existed).</summary>
    public static async Task<PredictionReference?> LoadAsync(IBlobStore store, string path, CancellationToken cancellationToken = default) =>
        (await store.ReadJsonAsync<PredictionReference>(path, cancellationToken: cancellationToken).ConfigureAwait(false))?.Value;
}
