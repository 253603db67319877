using MLOps.Features;
using MLOps.Recommenders;
using MLOps.Registry;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>What <c>mlops train</c> asks for: a kind with parameters, trained on a snapshot (null: the latest) with a seed.</summary>
public sealed record TrainingRequest(string Model, string Kind, Dictionary<string, double>? Parameters, string? SnapshotId, int Seed, string CreatedBy);

/// <summary>What a one-off training run registered: the version, its figures on the pipeline's window, and the gates' decision.</summary>
public sealed record TrainingReport
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Kind { get; init; }
    public required Dictionary<string, double> Parameters { get; init; }
    public required int Seed { get; init; }
    public required string SnapshotId { get; init; }
    public required string Window { get; init; }
    /// <summary>"champion vN", or "popularity" when there is no champion.</summary>
    public required string Baseline { get; init; }
    public required Dictionary<string, double> Metrics { get; init; }
    public required List<MetricInterval> VersusBaseline { get; init; }
    public required double TrainSeconds { get; init; }
    /// <summary>The stored decision: "promote", "await-approval" or "refuse"; its reasons.</summary>
    public required string Decision { get; init; }
    public required IReadOnlyList<string> Reasons { get; init; }
}

/// <summary>
/// Trains one model on a feature snapshot with a chosen seed, outside a pipeline run: scored on the window the pipeline
/// would score it on against the current champion, and registered with that decision stored, moving no alias.
/// Promotion stays <c>models promote</c>, whose gates read the stored decision.
/// </summary>
public sealed class ModelTraining(ModelRegistry registry, IBlobStore store, TimeProvider time)
{
    public async Task<TrainingReport> RunAsync(TrainingRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ModelRegistry.ValidateName(request.Model);
        if (!ModelTrainer.Kinds.Contains(request.Kind))
            throw new ArgumentException($"unknown model kind '{request.Kind}' (known: {string.Join(", ", ModelTrainer.Kinds)}).");
        ModelTrainer.CheckParameters(request.Kind, request.Parameters);
        if (request.Seed < 0) throw new ArgumentException($"--seed must be 0 or more, not {request.Seed}.");
        var snapshot = await SnapshotAsync(request.SnapshotId, cancellationToken).ConfigureAwait(false);
        var gateway = new RegistryGateway(registry, store, time);
        var champion = await gateway.GetChampionAsync(request.Model, cancellationToken).ConfigureAwait(false);
        var key = $"train-{time.GetUtcNow():yyyyMMddTHHmmss}-{Guid.NewGuid():N}";
        return await OneOffTraining.RunAsync(store, snapshot, new CandidateConfig(request.Kind, request.Parameters), request.Seed, champion, key, async (trained, evaluation) =>
        {
            progress?.Report($"registering {trained.Key} (no alias moves)");
            var version = await gateway.RegisterAsync(request.Model, trained, evaluation, snapshot, $"{key}:register", cancellationToken,
                new RegistrationDetails { CreatedBy = request.CreatedBy }).ConfigureAwait(false);
            var decision = (await registry.GetDecisionsAsync(request.Model, version, cancellationToken).ConfigureAwait(false))[^1];
            return new TrainingReport
            {
                Model = request.Model, Version = version, Kind = trained.Kind, Parameters = trained.Parameters, Seed = request.Seed,
                SnapshotId = snapshot.SnapshotId, Window = evaluation.Window, Baseline = evaluation.Baseline, Metrics = evaluation.Metrics,
                VersusBaseline = evaluation.VersusChampion, TrainSeconds = trained.Seconds, Decision = decision.Outcome, Reasons = decision.Reasons,
            };
        }, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The feature snapshot named (or the latest), as the pipeline hands it to training.</summary>
    private async Task<FeatureSnapshotRef> SnapshotAsync(string? snapshotId, CancellationToken cancellationToken)
    {
        var features = new FeatureStore(store);
        var manifest = snapshotId is null
            ? await features.GetLatestAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException("the store has no feature snapshot yet: `mlops features refresh` (or `mlops pipeline run`) makes one.")
            : await features.GetManifestAsync(snapshotId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"unknown feature snapshot '{snapshotId}' (`mlops features status` lists the store's snapshots).");
        if (manifest.EventsUsed == 0) throw new InvalidDataException($"feature snapshot {manifest.SnapshotId} holds no events: nothing to train on.");
        return new FeatureSnapshotRef(manifest.SnapshotId, manifest.Cutoff, manifest.EventsUsed, 0, 0, Reused: true, 0);
    }
}
