using System.Diagnostics;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Tuning;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// Runs one tuning trial with the recommenders library on the snapshot's validation carve: each user's
/// <see cref="RecommenderTrainer.HoldOut"/> latest training interactions, scored after training on the rest. The held-out
/// window the candidates are judged on stays unseen, so a tuned candidate competes with the champion on equal terms.
/// </summary>
public sealed class RecommenderTuner(IBlobStore store) : ICandidateTuner
{
    public async Task<TrialOutcome> RunTrialAsync(TrialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prepared = await RecommenderTrainer.PrepareAsync(store, request.Snapshot, cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var validation = prepared.Validation.Value;
        if (EvaluableUsers.WhyNone(validation) is { } why)
            return new TrialOutcome(request.Kind, request.Parameters, null, 0, $"not scored: {why}");
        var trial = await Task.Run(() => Tuner.RunTrial(request.Kind, request.Parameters, validation, RecommenderTrainer.K, RecommenderTrainer.Seed, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return new TrialOutcome(request.Kind, request.Parameters, Math.Round(trial.Score, 6), Math.Round(clock.Elapsed.TotalSeconds, 3));
    }
}
