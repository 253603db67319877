using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>What the pipeline writes in a registered version's notes.</summary>
public sealed class RegistryGatewayNotesTests
{
    [Fact]
    public async Task RegisteredNotes_NameTheCandidate_AndHowTuningChoseItsParameters()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("gateway-notes");
        await store.WriteTextAsync("pipeline/candidates/run_train-0.mlrc", "artifact", cancellationToken: ct);
        var snapshot = new FeatureSnapshotRef("fs-notes", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 100, 10, 20, false, 0);
        var candidate = new TrainedCandidate("ease(lambda=24)", "ease", new() { ["lambda"] = 24 }, "pipeline/candidates/run_train-0.mlrc", snapshot.SnapshotId, 0.1)
        {
            Tuning = "tuned lambda {12, 24} in 2 trials on each user's 10 latest training interactions: validation ndcg@10 0.1400",
        };
        var evaluation = new CandidateEvaluation { Key = candidate.Key, Window = "last 10", Users = 10, Metrics = new() { [RecommenderTrainer.PrimaryMetric] = 0.14 } };
        var registry = new ModelRegistry(store);

        var version = await new RegistryGateway(registry, store, TimeProvider.System).RegisterAsync(ModelRegistry.DefaultModel, candidate, evaluation, snapshot, "run:register", ct);

        var manifest = await registry.GetVersionAsync(ModelRegistry.DefaultModel, version, ct);
        Assert.Equal("candidate ease(lambda=24), baseline none; tuned lambda {12, 24} in 2 trials on each user's 10 latest training interactions: validation ndcg@10 0.1400",
            manifest!.Notes);
    }
}
