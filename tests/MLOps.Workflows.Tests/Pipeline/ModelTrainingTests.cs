using MLOps.Registry;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// `mlops train`'s service: one model on a snapshot with a chosen seed, scored on the pipeline's window, registered with
/// its decision and the seed, no alias moved; and a version so trained can be trained again from its record.
/// </summary>
public sealed class ModelTrainingTests
{
    private const string Model = ModelRegistry.DefaultModel;

    [Fact]
    public async Task Train_WithASeed_RegistersTheSeedParametersAndDecision_MovesNoAlias_AndReproduces()
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, snapshot) = await ModelReproductionTests.SnapshotStoreAsync(ct);
        var registry = new ModelRegistry(store);
        var training = new ModelTraining(registry, store, TimeProvider.System);
        var steps = new List<string>();

        var report = await training.RunAsync(new TrainingRequest(Model, "ials", new() { ["factors"] = 16 }, SnapshotId: null, Seed: 7, "ana"), new InlineProgress(steps), ct);

        var manifest = (await registry.GetVersionAsync(Model, report.Version, ct))!;
        Assert.Equal((7, "ials", snapshot.SnapshotId, "ana"), (manifest.Seed, manifest.Type, manifest.TrainingSnapshotId, manifest.CreatedBy));
        Assert.Equal("16", manifest.Parameters["factors"]!.ToString());
        Assert.Equal(report.Metrics[RecommenderTrainer.PrimaryMetric], manifest.Metrics[RecommenderTrainer.PrimaryMetric].Value);
        Assert.Equal("popularity", report.Baseline); // no champion yet: the pipeline's first-model baseline
        Assert.Equal(report.Decision, Assert.Single(await registry.GetDecisionsAsync(Model, report.Version, ct)).Outcome);
        Assert.Empty((await registry.GetModelAsync(Model, ct)).Aliases);
        Assert.Equal(3, steps.Count); // training, evaluating, registering: each on stderr as it starts
        Assert.Empty(await ModelReproductionTests.ListAsync(store, PipelineScratch.Candidates, ct)); // scratch removed

        // Another seed trains another model (iALS starts from random factors); either trains again from its record.
        var other = await training.RunAsync(new TrainingRequest(Model, "ials", new() { ["factors"] = 16 }, snapshot.SnapshotId, Seed: 8, "ana"), null, ct);
        var sha = (await registry.GetVersionAsync(Model, other.Version, ct))!.Sha256[RegistryGateway.ArtifactFile];
        Assert.NotEqual(manifest.Sha256[RegistryGateway.ArtifactFile], sha);
        var again = await new ModelReproduction(registry, store).RunAsync(Model, report.Version, ct);
        Assert.True(again.Reproduced, $"seed {again.Seed}: recorded {again.RecordedSha256}, again {again.ReproducedSha256}");
    }

    [Theory]
    [InlineData("bogus", null, null, 1, "unknown model kind 'bogus'")]
    [InlineData("ease", "lamda", null, 1, "lamda")]
    [InlineData("ease", null, "fs-nope", 1, "unknown feature snapshot 'fs-nope'")]
    [InlineData("ease", null, null, -1, "--seed must be 0 or more")]
    public async Task Train_BadInput_IsRefusedNamingIt_BeforeTraining(string kind, string? parameter, string? snapshot, int seed, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, _) = await ModelReproductionTests.SnapshotStoreAsync(ct);
        var registry = new ModelRegistry(store);
        var request = new TrainingRequest(Model, kind, parameter is null ? null : new() { [parameter] = 10 }, snapshot, seed, "ana");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => new ModelTraining(registry, store, TimeProvider.System).RunAsync(request, null, ct));

        Assert.True(error is ArgumentException or InvalidDataException, error.ToString());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(await registry.ListVersionsAsync(Model, ct));
    }

    private sealed class InlineProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
