using System.Collections.Concurrent;
using System.Diagnostics;
using EventLog = MLOps.Core.Data.EventLog;
using System.Globalization;
using MLOps.Core.Data;
using MLOps.Recommenders;
using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Evaluation;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// Trains and evaluates candidates with the recommenders library. Every model of a run is trained on the snapshot's
/// events except each user's <see cref="HoldOut"/> most recent ones, and scored on those (the held-out window), the
/// champion included, so the paired bootstrap compares the same users on the same window. Same snapshot, same split,
/// same model (seeded).
/// </summary>
public sealed class RecommenderTrainer(IBlobStore store) : ICandidateTrainer
{
    public const string PrimaryMetric = "ndcg@10";
    /// <summary>Every user's latest interactions held out: the window all models of a run are scored on.</summary>
    public const int HoldOut = 10;
    public const int K = 10;
    public const int Seed = 42;
    private static readonly string[] Reported = [PrimaryMetric, "precision@10", "recall@10", "map@10", "hit_rate@10", "coverage", "novelty", "diversity"];
    private static readonly ConcurrentDictionary<string, Lazy<Task<Prepared>>> Cache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Lazy<Task<(IRecommender Model, EvaluationResult Result)>>> ChampionScores = new(StringComparer.Ordinal);

    /// <summary>A snapshot's split, and the validation carve tuning scores on (cut from the split's train part the same way, lazily).</summary>
    internal sealed record Prepared(Split Split, string Window)
    {
        public Lazy<Split> Validation { get; } = new(() => Splits.LeaveLastOut(Split.Train, HoldOut) with { Protocol = $"validation-leave-last-{HoldOut}" });
    }

    public static string CandidatePath(string stepKey) => PipelineScratch.PathOf(PipelineScratch.Candidates, stepKey, ".mlrc");

    public Task<TrainedCandidate> TrainAsync(FeatureSnapshotRef snapshot, CandidateConfig candidate, string stepKey, CancellationToken cancellationToken) =>
        TrainAsync(snapshot, candidate, stepKey, Seed, cancellationToken);

    /// <summary>As the pipeline trains (<see cref="Seed"/>), with another seed: <c>mlops train --seed</c>, and training a version again from its record.</summary>
    public async Task<TrainedCandidate> TrainAsync(FeatureSnapshotRef snapshot, CandidateConfig candidate, string stepKey, int seed, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(store, snapshot, cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var model = await Task.Run(() => ModelTrainer.Train(candidate.Kind, candidate.Parameters, prepared.Split.Train, seed, cancellationToken), cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var path = CandidatePath(stepKey);
        await ModelArtifact.SaveAsync(store, path, model, WriteCondition.None, cancellationToken).ConfigureAwait(false);
        return new TrainedCandidate(candidate.Key, model.Kind, new Dictionary<string, double>(model.Parameters, StringComparer.Ordinal), path, snapshot.SnapshotId, Math.Round(seconds, 3))
        {
            Seed = seed,
        };
    }

    public async Task<CandidateEvaluation> EvaluateAsync(FeatureSnapshotRef snapshot, TrainedCandidate candidate, ChampionRef? champion, string stepKey, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(store, snapshot, cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var model = await ModelArtifact.LoadAsync(store, candidate.ArtifactPath, cancellationToken).ConfigureAwait(false);
        var result = await Task.Run(() => Evaluator.Evaluate(model, prepared.Split, K, cancellationToken), cancellationToken).ConfigureAwait(false);
        Dictionary<string, double>? championMetrics = null;
        var versus = new List<MetricInterval>();
        // The baseline: the champion on this window, or (first model) a popularity model trained on the same split.
        // Keyed by store too: two stores can hold snapshots with the same id (cutoff second + batch ETags) and the
        // same champion path, and must not share scores.
        var baselineKey = $"{store.Description}|{snapshot.SnapshotId}|{champion?.ArtifactPath ?? "popularity"}";
        if (ChampionScores.Count > 16) ChampionScores.Clear();
        var (baselineModel, baseline) = await ChampionScores.GetOrAdd(baselineKey, _ => new Lazy<Task<(IRecommender, EvaluationResult)>>(async () =>
        {
            IRecommender model = champion?.ArtifactPath is { } path
                ? Reindexed.To(await ModelArtifact.LoadAsync(store, path, cancellationToken).ConfigureAwait(false), prepared.Split.Train.Items)
                : ModelTrainer.Train("popularity", null, prepared.Split.Train, Seed, cancellationToken);
            return (model, await Task.Run(() => Evaluator.Evaluate(model, prepared.Split, K, cancellationToken), cancellationToken).ConfigureAwait(false));
        })).Value.ConfigureAwait(false);
        var predictionReference = await PredictionReferenceWriter.WriteAsync(store, model, prepared.Split, result, candidate.Key, prepared.Window, stepKey, cancellationToken).ConfigureAwait(false);
        var metrics = Pick(result, prepared.Split);
        championMetrics = Pick(baseline, prepared.Split);
        // Latency is timed now for both models, side by side, rather than cached with the baseline's scores.
        var (candidateLatency, baselineLatency) = GuardrailMetrics.LatencyP95Ms(model, baselineModel, prepared.Split, K, Seed);
        metrics[GuardrailMetrics.LatencyP95] = candidateLatency;
        championMetrics[GuardrailMetrics.LatencyP95] = baselineLatency;
        foreach (var metric in new[] { PrimaryMetric, "precision@10" })
        {
            var interval = Bootstrap.PairedDifference(result, baseline, metric, 1000, 0.95, Seed);
            versus.Add(new MetricInterval(metric, Math.Round(interval.Difference, 6), Math.Round(interval.Lower, 6), Math.Round(interval.Upper, 6), interval.Confidence));
        }
        return new CandidateEvaluation
        {
            Key = candidate.Key, Window = prepared.Window, Users = result.Users.Length, Metrics = metrics, ChampionMetrics = championMetrics,
            Baseline = champion is null ? "popularity" : $"champion v{champion.Version}", BaselineVersion = champion?.Version,
            VersusChampion = versus, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3), PredictionReferencePath = predictionReference,
        };
    }

    private static Dictionary<string, double> Pick(EvaluationResult result, Split split)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in Reported)
            if (result.Metrics.TryGetValue(name, out var value)) metrics[name] = Math.Round(value, 6);
        if (GuardrailMetrics.ColdStartQuality(result, split) is { } coldStart) metrics[GuardrailMetrics.ColdStartNdcg] = coldStart;
        return metrics;
    }

    /// <summary>The snapshot's training data and held-out split, read once per process and shared by training, evaluation and tuning.</summary>
    internal static Task<Prepared> PrepareAsync(IBlobStore store, FeatureSnapshotRef snapshot, CancellationToken cancellationToken)
    {
        if (Cache.Count > 4) Cache.Clear();
        return Cache.GetOrAdd($"{store.Description}|{snapshot.SnapshotId}", _ => new Lazy<Task<Prepared>>(async () =>
        {
            // Streamed into the builder: holding every event object first cost ≈ 600 MB at 2M events (docs/orchestration.md).
            // The snapshot's own batches and frozen catalogue (SnapshotTrainingInputs): what the registry records it trained on.
            var inputs = await SnapshotTrainingInputs.ResolveAsync(store, snapshot.SnapshotId, cancellationToken).ConfigureAwait(false);
            var builder = new TrainingDataBuilder(before: snapshot.Cutoff);
            await foreach (var e in EventLog.ReadAsync(store, inputs.Batches, cancellationToken).ConfigureAwait(false)) builder.Add(e);
            var data = builder.Build(inputs.Catalog.Count > 0 ? inputs.Catalog : null);
            if (data.InteractionCount == 0) throw new InvalidDataException("The snapshot has no interactions to train on: import or generate events first.");
            var split = Splits.LeaveLastOut(data, HoldOut);
            // An empty window would "evaluate" every candidate at 0 against 0 and decide on that: refuse, saying why.
            if (split.TestInteractionCount == 0)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"Nothing to evaluate on: no user has more than {HoldOut} interactions before the cutoff (the snapshot holds {data.InteractionCount} interactions of {data.UserCount} users), and the held-out window is each user's {HoldOut} most recent. Import more history."));
            var window = string.Create(CultureInfo.InvariantCulture,
                $"each user's {HoldOut} most recent interactions up to {DateTimeOffset.FromUnixTimeSeconds(data.MaxTimestamp):u} ({split.TestInteractionCount} interactions of {split.TestUsers.Count()} users; the rest train)");
            return new Prepared(split, window);
        })).Value;
    }
}
