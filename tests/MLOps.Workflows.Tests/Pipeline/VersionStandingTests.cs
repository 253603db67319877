using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// What `models list` reads for each version: registered by the pipeline whatever the gates said, with its decision, and
/// its standing from the aliases and that decision (docs/registry.md, "Standing").
/// </summary>
public sealed class VersionStandingTests
{
    private const string Model = ModelRegistry.DefaultModel;
    private static readonly FeatureSnapshotRef Snapshot = new("fs-standing", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 100, 10, 20, false, 0);

    private static async Task<int> RegisterAsync(IBlobStore store, RegistryGateway gateway, string run, double ndcg, MetricInterval? versus, RegistrationDetails? details, CancellationToken ct, string? artifact = null)
    {
        var path = $"pipeline/candidates/{run}_train-0.mlrc";
        await store.WriteTextAsync(path, artifact ?? run, cancellationToken: ct);
        var candidate = new TrainedCandidate("ease", "ease", [], path, Snapshot.SnapshotId, 0.1) { Seed = 42 };
        var evaluation = new CandidateEvaluation
        {
            Key = "ease", Window = "last 10", Users = 10, Metrics = new() { [RecommenderTrainer.PrimaryMetric] = ndcg },
            Baseline = versus is null ? "popularity" : "champion v1", BaselineVersion = versus is null ? null : 1, VersusChampion = versus is null ? [] : [versus],
        };
        return await gateway.RegisterAsync(Model, candidate, evaluation, Snapshot, $"{run}:register", ct, details);
    }

    /// <summary>A run on unchanged data trains the champion's artifact again: its version says so (it is still registered).</summary>
    [Fact]
    public async Task ARunWhoseBestIsTheChampionsArtifactByteForByte_SaysSoInItsNotes()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("same-artifact");
        var registry = new ModelRegistry(store);
        var gateway = new RegistryGateway(registry, store, TimeProvider.System);
        var worse = new MetricInterval(RecommenderTrainer.PrimaryMetric, 0.0, 0.0, 0.0, 0.95);
        var first = await RegisterAsync(store, gateway, "run1", 0.14, null, null, ct);
        await registry.PromoteAsync(Model, first, new PromoteRequest { By = "pipeline", Force = true }, ct);

        var same = await RegisterAsync(store, gateway, "run2", 0.14, worse, null, ct, artifact: "run1");
        var other = await RegisterAsync(store, gateway, "run3", 0.14, worse, null, ct);

        var sha = ModelRegistry.Sha256Of(BinaryData.FromString("run1"));
        Assert.EndsWith($"; {RegistryGateway.ArtifactFile} identical to champion v1's (SHA-256 {sha[..12]}…)", (await registry.GetVersionAsync(Model, same, ct))!.Notes);
        Assert.DoesNotContain("identical", (await registry.GetVersionAsync(Model, other, ct))!.Notes);
        Assert.DoesNotContain("identical", (await registry.GetVersionAsync(Model, first, ct))!.Notes);
    }

    [Fact]
    public async Task RefusedAndAwaitingVersions_AreRegistered_AndStandAsTheirDecisionSays()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("standing");
        var registry = new ModelRegistry(store);
        var gateway = new RegistryGateway(registry, store, TimeProvider.System);
        var first = await RegisterAsync(store, gateway, "run1", 0.14, new MetricInterval(RecommenderTrainer.PrimaryMetric, 0.02, 0.01, 0.03, 0.95), null, ct);
        await registry.PromoteAsync(Model, first, new PromoteRequest { By = "pipeline", Force = true }, ct);
        var others = new List<CandidateResult>
        {
            new("popularity", 0.0, new() { [RecommenderTrainer.PrimaryMetric] = 0.10 }, []),
            new("ease", 0.1, new() { [RecommenderTrainer.PrimaryMetric] = 0.13 }, []),
        };
        var refused = await RegisterAsync(store, gateway, "run2", 0.13, new MetricInterval(RecommenderTrainer.PrimaryMetric, -0.01, -0.02, 0.0, 0.95),
            new RegistrationDetails { RunCandidates = others }, ct);
        var awaiting = await RegisterAsync(store, gateway, "run3", 0.16, new MetricInterval(RecommenderTrainer.PrimaryMetric, 0.02, 0.01, 0.03, 0.95),
            new RegistrationDetails { RequireApproval = true }, ct);

        async Task<Dictionary<int, VersionStanding>> StandingsAsync() =>
            (await VersionStandings.ReadAsync(registry, await registry.GetModelAsync(Model, ct), ct)).ToDictionary(s => s.Version);
        var before = await StandingsAsync();

        Assert.Equal(new VersionStanding(first, "champion"), before[first]);
        Assert.Equal(new VersionStanding(refused, "refused", "ndcg@10 0.1300 does not beat the champion's 0.1400"), before[refused]);
        Assert.Equal(new VersionStanding(awaiting, "awaiting-approval"), before[awaiting]);
        // The run's candidates that were not registered are findable from the one that was.
        var manifest = (await registry.GetVersionAsync(Model, refused, ct))!;
        Assert.Equal([("popularity", 0.10), ("ease", 0.13)], manifest.RunCandidates!.Select(c => (c.Key, c.Metrics[RecommenderTrainer.PrimaryMetric])));

        // The reviewer did not answer in time: recorded once however often the activity runs, and `promote` now refuses it.
        await gateway.RecordRejectionAsync(Model, awaiting, "no approval within 24 h", ct);
        await gateway.RecordRejectionAsync(Model, awaiting, "no approval within 24 h", ct);

        Assert.Equal(new VersionStanding(awaiting, "refused", "no approval within 24 h"), (await StandingsAsync())[awaiting]);
        Assert.Equal(["await-approval", "refuse"], (await registry.GetDecisionsAsync(Model, awaiting, ct)).Select(d => d.Outcome));
        var promote = await Assert.ThrowsAsync<PromotionRefusedException>(() =>
            registry.PromoteAsync(Model, awaiting, new PromoteRequest { By = "ana", UseStoredDecision = true, ApprovedBy = "ana" }, ct));
        Assert.Contains("no approval within 24 h", promote.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Standing_OfAVersionThatWasChampion_WithoutAnAliasNow_IsRetired()
    {
        var aliases = new Dictionary<string, AliasView> { [ModelAliases.Champion] = new(3, "e", DateTimeOffset.UnixEpoch, "pipeline", 3) };

        Assert.Equal(new VersionStanding(1, "retired"), VersionStandings.Of(1, aliases, latest: null, wasChampion: true));
        Assert.Equal(new VersionStanding(2, "unevaluated"), VersionStandings.Of(2, aliases, latest: null, wasChampion: false));
        Assert.Equal(new VersionStanding(3, "champion"), VersionStandings.Of(3, aliases, latest: null, wasChampion: true));
    }
}
