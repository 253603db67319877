using System.Text.Json;
using MLOps.Registry;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>The record lacks what training again needs (a version registered before seeds and digests were recorded).</summary>
public sealed class NotReproducibleException(string message) : Exception(message);

/// <summary>One recorded figure against the one the model trained again scores, on the same window.</summary>
public sealed record ReproducedMetric(string Metric, double Recorded, double? Reproduced, bool Equal);

/// <summary>What <see cref="ModelReproduction.RunAsync"/> found: the artifact's digests and the figures, recorded and again.</summary>
public sealed record ReproductionReport
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Type { get; init; }
    public required string SnapshotId { get; init; }
    public required int Seed { get; init; }
    public required string RecordedCodeVersion { get; init; }
    public required string CurrentCodeVersion { get; init; }
    public required string RecordedSha256 { get; init; }
    public required string ReproducedSha256 { get; init; }
    public bool ArtifactIdentical => RecordedSha256 == ReproducedSha256;
    /// <summary>Every recorded metric but timings (<see cref="GuardrailMetrics.LatencyP95"/>), which are not a function of the data.</summary>
    public required IReadOnlyList<ReproducedMetric> Metrics { get; init; }
    public bool Reproduced => ArtifactIdentical && Metrics.All(m => m.Equal);
}

/// <summary>
/// Trains a registered version again from its record alone — its feature snapshot (the batches and catalogue it covers),
/// type, parameters and seed — the way the pipeline trained it, and compares the artifact's SHA-256 and the figures on
/// the same held-out window with what the registry recorded. Scratch files are removed afterwards.
/// </summary>
public sealed class ModelReproduction(ModelRegistry registry, IBlobStore store)
{
    public async Task<ReproductionReport> RunAsync(string model, int version, CancellationToken cancellationToken)
    {
        var manifest = await registry.GetVersionAsync(model, version, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"model '{model}' has no version {version}");
        var snapshotId = manifest.TrainingSnapshotId ?? throw new NotReproducibleException($"v{version} records no training snapshot: it cannot be trained again from its record.");
        var cutoff = manifest.DataCutoff ?? throw new NotReproducibleException($"v{version} records no data cutoff: it cannot be trained again from its record.");
        var seed = manifest.Seed ?? throw new NotReproducibleException($"v{version} records no seed (registered before seeds were recorded): it cannot be trained again from its record.");
        var recordedSha = manifest.Sha256.GetValueOrDefault(RegistryGateway.ArtifactFile)
            ?? throw new NotReproducibleException($"v{version} records no SHA-256 of {RegistryGateway.ArtifactFile} (registered before digests were recorded): there is nothing to compare with.");
        var parameters = manifest.Parameters.ToDictionary(p => p.Key, p => Number(p.Key, p.Value), StringComparer.Ordinal);

        var snapshot = new FeatureSnapshotRef(snapshotId, cutoff, 0, 0, 0, Reused: true, 0);
        // Trained with the recorded seed (the pipeline's 42, or what `mlops train --seed` was given).
        return await OneOffTraining.RunAsync(store, snapshot, new CandidateConfig(manifest.Type, parameters), seed, champion: null,
            $"reproduce-{model}-v{version}-{Guid.NewGuid():N}", async (trained, evaluation) =>
            {
                var bytes = (await store.ReadAsync(trained.ArtifactPath, cancellationToken).ConfigureAwait(false))?.Data
                    ?? throw new InvalidDataException($"the artifact trained again ({trained.ArtifactPath}) is missing.");
                var metrics = manifest.Metrics.Where(m => m.Key != GuardrailMetrics.LatencyP95).OrderBy(m => m.Key, StringComparer.Ordinal)
                    .Select(m =>
                    {
                        double? again = evaluation.Metrics.TryGetValue(m.Key, out var v) ? v : null;
                        return new ReproducedMetric(m.Key, m.Value.Value, again, again == m.Value.Value);
                    }).ToList();
                return new ReproductionReport
                {
                    Model = model, Version = version, Type = manifest.Type, SnapshotId = snapshotId, Seed = seed,
                    RecordedCodeVersion = manifest.CodeVersion, CurrentCodeVersion = ModelRegistry.CodeVersion,
                    RecordedSha256 = recordedSha, ReproducedSha256 = ModelRegistry.Sha256Of(bytes),
                    Metrics = metrics,
                };
            }, progress: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A recorded parameter as the trainer takes it (the manifest stores them as JSON numbers).</summary>
    private static double Number(string name, object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        double d => d,
        IConvertible c => c.ToDouble(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidDataException($"recorded parameter '{name}' is not a number ({value})."),
    };
}
