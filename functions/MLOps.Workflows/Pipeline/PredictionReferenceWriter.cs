using MLOps.Drift.Prediction;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// At evaluation time, summarizes what the candidate would serve the evaluation users (its top-k scores, genre mix and
/// popularity deciles by training interactions) into a blob beside the candidate; the registry keeps it with the version
/// when the candidate is registered, so drift checks read it and never recompute it (docs/drift.md, "Prediction drift").
/// </summary>
public static class PredictionReferenceWriter
{
    public static string PathOf(string stepKey) => PipelineScratch.PathOf(PipelineScratch.Candidates, stepKey, ".prediction.json");

    public static async Task<string> WriteAsync(IBlobStore store, IRecommender model, Split split, EvaluationResult result, string candidate, string window,
        string stepKey, CancellationToken cancellationToken)
    {
        var reference = Build(model, split, result.Users, result.K, $"{candidate} on {window}, top {result.K} of {result.Users.Length} users (full histories)", cancellationToken);
        var path = PathOf(stepKey);
        await PredictionReferences.SaveAsync(store, path, reference, cancellationToken).ConfigureAwait(false);
        return path;
    }

    /// <summary>
    /// Each evaluation user's top k on their whole snapshot history (training part and held-out part), as serving scores
    /// them after the promotion. The evaluation's own lists are scored on the training part alone, and an item-based
    /// model's scores grow with the history (EASE sums rows over it): compared with served scores, those read as a
    /// servedScore shift of the unchanged champion (Wasserstein 0.24 on ML-100k with leave-last-10-out).
    /// </summary>
    public static PredictionReference Build(IRecommender model, Split split, IReadOnlyList<int> users, int k, string source,
        CancellationToken cancellationToken = default)
    {
        var train = split.Train;
        var items = train.Items;
        var lists = new IReadOnlyList<ScoredTitle>[users.Count];
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, Math.Min(Environment.ProcessorCount, 4)) };
        Parallel.For(0, users.Count, options, () => (Scores: new float[model.Items.Count], Top: new int[k]), (index, _, buffers) =>
        {
            var u = users[index];
            var full = train.History(u).ToArray().Concat(split.Test[u]).Distinct().ToArray();
            // Serving scores the latest MaxScoredHistory titles (the held-out ones are the latest) and excludes all of them.
            var scored = full.Length > TopK.MaxScoredHistory ? full[^TopK.MaxScoredHistory..] : full;
            model.Score(scored, buffers.Scores);
            foreach (var h in full) buffers.Scores[h] = float.NegativeInfinity;
            var count = TopK.Select(buffers.Scores, buffers.Top);
            var list = new List<ScoredTitle>(count);
            for (var j = 0; j < count; j++) list.Add(new ScoredTitle(items[buffers.Top[j]], buffers.Scores[buffers.Top[j]]));
            lists[index] = list;
            return buffers;
        }, _ => { });
        var counts = train.ItemCounts;
        var interactions = new Dictionary<string, long>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++) interactions[items[i]] = counts[i];
        IEnumerable<string> GenresOf(string id) =>
            items.TryGetIndex(id, out var i) && train.Catalog?[i] is { } item ? item.Genres.Distinct(StringComparer.Ordinal) : [];
        return PredictionReferences.Build(lists, interactions, items.Count, GenresOf, k, source, DateTimeOffset.UtcNow);
    }
}
