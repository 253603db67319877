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

    /// <summary>
    /// A version records what training it again needs beyond its snapshot and parameters: the seed, and each file's SHA-256
    /// so the artifact trained again can be compared byte for byte. Until 2026-12-07 neither was recorded (the seed was a
    /// constant in the trainer's code, the files had only their sizes).
    /// </summary>
    [Fact]
    public async Task RegisteredVersion_RecordsTheSeed_AndEachFilesSha256()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("gateway-seed");
        await store.WriteTextAsync("pipeline/candidates/run_train-0.mlrc", "artifact", cancellationToken: ct);
        var snapshot = new FeatureSnapshotRef("fs-seed", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 100, 10, 20, false, 0);
        var candidate = new TrainedCandidate("ease", "ease", [], "pipeline/candidates/run_train-0.mlrc", snapshot.SnapshotId, 0.1) { Seed = 7 };
        var evaluation = new CandidateEvaluation { Key = candidate.Key, Window = "last 10", Users = 10, Metrics = new() { [RecommenderTrainer.PrimaryMetric] = 0.14 } };
        var registry = new ModelRegistry(store);

        var version = await new RegistryGateway(registry, store, TimeProvider.System).RegisterAsync(ModelRegistry.DefaultModel, candidate, evaluation, snapshot, "run:register", ct);

        var manifest = (await registry.GetVersionAsync(ModelRegistry.DefaultModel, version, ct))!;
        Assert.Equal(7, manifest.Seed);
        // sha256("artifact"), as `printf artifact | sha256sum` prints it.
        Assert.Equal("c7c5c1d70c5dec4416ab6158afd0b223ef40c29b1dc1f97ed9428b94d4cadb1c", manifest.Sha256[RegistryGateway.ArtifactFile]);
    }

    /// <summary>Figures derived from 6-decimal ones are stored as 6-decimal figures: 0.1361, not 0.13610000000000003.</summary>
    [Fact]
    public async Task RegisteredFigures_DerivedFromRoundedOnes_CarryNoBinaryNoise()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("gateway-figures");
        await store.WriteTextAsync("pipeline/candidates/run_train-0.mlrc", "artifact", cancellationToken: ct);
        var snapshot = new FeatureSnapshotRef("fs-figures", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 100, 10, 20, false, 0);
        var candidate = new TrainedCandidate("ease", "ease", [], "pipeline/candidates/run_train-0.mlrc", snapshot.SnapshotId, 0.1);
        var evaluation = new CandidateEvaluation
        {
            Key = candidate.Key, Window = "last 10", Users = 10, Baseline = "champion v1", BaselineVersion = 1,
            Metrics = new() { [RecommenderTrainer.PrimaryMetric] = 0.14, ["coverage"] = 0.059021 },
            ChampionMetrics = new() { [RecommenderTrainer.PrimaryMetric] = 0.1279, ["coverage"] = 0.079265 },
            VersusChampion = [new MetricInterval(RecommenderTrainer.PrimaryMetric, 0.0121, 0.0082, 0.0161, 0.95)],
        };
        var registry = new ModelRegistry(store);

        var version = await new RegistryGateway(registry, store, TimeProvider.System).RegisterAsync(ModelRegistry.DefaultModel, candidate, evaluation, snapshot, "run:register", ct);

        var metric = (await registry.GetVersionAsync(ModelRegistry.DefaultModel, version, ct))!.Metrics[RecommenderTrainer.PrimaryMetric];
        Assert.Equal((0.1361, 0.1440), (metric.Lower!.Value, metric.Upper!.Value));
        var decision = Assert.Single(await registry.GetDecisionsAsync(ModelRegistry.DefaultModel, version, ct));
        Assert.Equal(0.1279, decision.Comparison.Champion);
        Assert.Equal(-0.020244, Assert.Single(decision.Evidence, r => r.Metric == "coverage").Difference);
    }

    /// <summary>The verdict carries a line per gate, so a reviewer asked to approve sees the guardrails before anything is registered.</summary>
    [Fact]
    public async Task Verdict_CarriesALinePerGate_GuardrailsIncluded()
    {
        var store = TestEnvironment.NewFolderStore("gateway-gates");
        var evaluation = new CandidateEvaluation
        {
            Key = "ease", Window = "last 10", Users = 10, Baseline = "champion v1", BaselineVersion = 1,
            Metrics = new() { [RecommenderTrainer.PrimaryMetric] = 0.14, ["coverage"] = 0.059021 },
            ChampionMetrics = new() { [RecommenderTrainer.PrimaryMetric] = 0.1279, ["coverage"] = 0.079265 },
            VersusChampion = [new MetricInterval(RecommenderTrainer.PrimaryMetric, 0.0121, 0.0082, 0.0161, 0.95)],
        };

        var verdict = await new RegistryGateway(new ModelRegistry(store), store, TimeProvider.System)
            .DecideAsync(ModelRegistry.DefaultModel, evaluation, new ChampionRef(1, "ease", null, null), TestContext.Current.CancellationToken);

        Assert.False(verdict.Promote);
        Assert.Contains("gate better ndcg@10: 0.14 vs 0.1279 (challenger > champion): pass", verdict.Gates!);
        Assert.Contains(verdict.Gates!, g => g.StartsWith("gate confidence ndcg@10: difference +0.0121 [+0.0082, +0.0161]", StringComparison.Ordinal) && g.EndsWith(": pass", StringComparison.Ordinal));
        Assert.Contains(verdict.Gates!, g => g.StartsWith("gate guardrail coverage: 0.059 vs 0.0793 (>= ", StringComparison.Ordinal) && g.EndsWith(": FAIL", StringComparison.Ordinal));
    }
}
