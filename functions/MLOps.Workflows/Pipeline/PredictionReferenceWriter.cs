using MLOps.Drift.Prediction;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// At evaluation time, summarizes what the candidate recommends on the evaluation users (its top-k scores, genre mix and
/// popularity deciles by training interactions) into a blob beside the candidate; the registry keeps it with the version
/// when the candidate is registered, so drift checks read it and never recompute it (docs/drift.md, "Prediction drift").
/// </summary>
internal static class PredictionReferenceWriter
{
    public static string PathOf(string stepKey) => $"pipeline/candidates/{stepKey.Replace(':', '_')}.prediction.json";

    public static async Task<string> WriteAsync(IBlobStore store, EvaluationResult result, TrainingData train, string candidate, string window,
        string stepKey, CancellationToken cancellationToken)
    {
        var reference = Build(result, train, $"{candidate} on {window}, top {result.K} of {result.Users.Length} users");
        var path = PathOf(stepKey);
        await PredictionReferences.SaveAsync(store, path, reference, cancellationToken).ConfigureAwait(false);
        return path;
    }

    public static PredictionReference Build(EvaluationResult result, TrainingData train, string source)
    {
        var items = train.Items;
        var lists = new List<IReadOnlyList<ScoredTitle>>(result.Recommendations.Length);
        for (var u = 0; u < result.Recommendations.Length; u++)
        {
            var row = result.Recommendations[u];
            var scores = result.RecommendationScores[u];
            var list = new List<ScoredTitle>(row.Length);
            for (var j = 0; j < row.Length; j++)
                if (row[j] >= 0) list.Add(new ScoredTitle(items[row[j]], scores[j]));
            lists.Add(list);
        }
        var counts = train.ItemCounts;
        var interactions = new Dictionary<string, long>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++) interactions[items[i]] = counts[i];
        IEnumerable<string> GenresOf(string id) =>
            items.TryGetIndex(id, out var i) && train.Catalog?[i] is { } item ? item.Genres.Distinct(StringComparer.Ordinal) : [];
        return PredictionReferences.Build(lists, interactions, items.Count, GenresOf, result.K, source, DateTimeOffset.UtcNow);
    }
}
