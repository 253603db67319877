using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// One candidate trained on a snapshot outside a pipeline run, as the pipeline trains it, and scored on the window the
/// pipeline would score it on (against <paramref name="champion"/> when given, else popularity); its scratch files
/// (artifact, prediction reference) are removed afterwards. What <c>models reproduce</c> and <c>mlops train</c> share.
/// </summary>
public static class OneOffTraining
{
    public static async Task<T> RunAsync<T>(IBlobStore store, FeatureSnapshotRef snapshot, CandidateConfig candidate, int seed, ChampionRef? champion, string key,
        Func<TrainedCandidate, CandidateEvaluation, Task<T>> use, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var trainer = new RecommenderTrainer(store);
        var scratch = new List<string>();
        try
        {
            progress?.Report($"training {candidate.Key} on {snapshot.SnapshotId} with seed {seed}");
            var trained = await trainer.TrainAsync(snapshot, candidate, $"{key}:train", seed, cancellationToken).ConfigureAwait(false);
            scratch.Add(trained.ArtifactPath);
            progress?.Report(FormattableString.Invariant($"trained in {trained.Seconds:0.0} s; evaluating on the held-out window against {(champion is null ? "popularity" : $"champion v{champion.Version}")}"));
            var evaluation = await trainer.EvaluateAsync(snapshot, trained, champion, $"{key}:evaluate", cancellationToken).ConfigureAwait(false);
            if (evaluation.PredictionReferencePath is { } reference) scratch.Add(reference);
            return await use(trained, evaluation).ConfigureAwait(false);
        }
        finally
        {
            foreach (var path in scratch) await store.DeleteAsync(path, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }
}
