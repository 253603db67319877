using MLOps.Registry;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// The pipeline's promote step against the real registry: keyed by its step (a resumed step after an on-call rollback
/// must not promote again), and a refusal by the gates is an outcome the run reports, not an activity failure.
/// </summary>
public sealed class RegistryGatewayPromoteTests
{
    private const string Model = ModelRegistry.DefaultModel;

    /// <summary>A registry with <paramref name="versions"/> versions, v1 the champion and <paramref name="challenger"/> evaluated better than it.</summary>
    private static async Task<(ModelRegistry Registry, RegistryGateway Gateway)> ChampionOneAsync(string name, int versions, int challenger)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore(name);
        var registry = new ModelRegistry(store);
        for (var v = 1; v <= versions; v++)
            await registry.RegisterAsync(Model, new ModelVersionDraft { Type = "ease", TrainingSnapshotId = "fs-test", SourceInstance = $"run-{v}" },
                new Dictionary<string, BinaryData> { [RegistryGateway.ArtifactFile] = BinaryData.FromBytes(new byte[8]) }, ct);
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "test", Force = true }, ct);
        await registry.EvaluateAsync(Model, challenger, new ModelComparison
        {
            ChampionVersion = 1, Champion = 0.30, Challenger = 0.33, DifferenceLower = 0.01, DifferenceUpper = 0.05, Users = 500, BootstrapSamples = 1000,
        }, cancellationToken: ct);
        return (registry, new RegistryGateway(registry, store, TimeProvider.System));
    }

    [Fact]
    public async Task ResumedPromoteStep_AfterAnOnCallRollback_ReportsItsChange_AndLeavesTheRollbackAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (registry, gateway) = await ChampionOneAsync("gateway-resume", versions: 2, challenger: 2);

        var first = await gateway.PromoteAsync(Model, 2, "better", null, "retrain-7:promote", ct);
        Assert.Equal(new PromotionOutcome(true), first);
        Assert.Equal(2, (await registry.GetChampionAsync(Model, ct))!.Version);

        await registry.RollbackAsync(Model, new RollbackRequest { By = "oncall", Reason = "complaints" }, ct);
        // The activity ran again (its completion was lost before the checkpoint): same step key.
        var repeat = await gateway.PromoteAsync(Model, 2, "better", null, "retrain-7:promote", ct);

        Assert.Equal(new PromotionOutcome(true), repeat);
        Assert.Equal(1, (await registry.GetChampionAsync(Model, ct))!.Version);
        var history = await registry.GetHistoryAsync(Model, ModelAliases.Champion, ct);
        Assert.Equal(["promote", "promote", "rollback"], history.OrderBy(e => e.Sequence).Select(e => e.Action));
    }

    [Fact]
    public async Task AnotherRunsPromoteStep_OfTheSameVersion_StillGoesThroughTheGates()
    {
        var ct = TestContext.Current.CancellationToken;
        var (registry, gateway) = await ChampionOneAsync("gateway-other-run", versions: 2, challenger: 2);
        await gateway.PromoteAsync(Model, 2, "better", null, "retrain-7:promote", ct);
        await registry.RollbackAsync(Model, new RollbackRequest { By = "oncall" }, ct);

        // A different run's step is not this step: its evidence (against v1, the champion again) lets it promote.
        var other = await gateway.PromoteAsync(Model, 2, "better", null, "retrain-8:promote", ct);
        Assert.Equal(new PromotionOutcome(true), other);
        Assert.Equal(2, (await registry.GetChampionAsync(Model, ct))!.Version);
    }

    [Fact]
    public async Task ChampionMovedWhileTheRunWaited_IsARefusalOutcome_NotAnException()
    {
        var ct = TestContext.Current.CancellationToken;
        var (registry, gateway) = await ChampionOneAsync("gateway-moved", versions: 3, challenger: 3);
        // During the approval wait a person promotes v2.
        await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "oncall", Force = true }, ct);

        var outcome = await gateway.PromoteAsync(Model, 3, "better", "reviewer", "retrain-9:promote", ct);

        Assert.False(outcome.Changed);
        Assert.Contains("champion is now v2", outcome.Refused);
        Assert.Equal(2, (await registry.GetChampionAsync(Model, ct))!.Version);
    }

    [Theory]
    [InlineData("true", true, null)]
    [InlineData("false", false, null)]
    [InlineData("{\"changed\":false,\"refused\":\"champion is now v2\"}", false, "champion is now v2")]
    public void PromotionOutcome_ReadsTheRecord_AndTheBareBoolOfOlderBuilds(string json, bool changed, string? refused)
    {
        Assert.Equal(new PromotionOutcome(changed, refused), System.Text.Json.JsonSerializer.Deserialize<PromotionOutcome>(json, MLOps.Workflows.Orchestration.WorkflowJson.Options));
        var roundTrip = System.Text.Json.JsonSerializer.Serialize(new PromotionOutcome(changed, refused), MLOps.Workflows.Orchestration.WorkflowJson.Options);
        Assert.Equal(new PromotionOutcome(changed, refused), System.Text.Json.JsonSerializer.Deserialize<PromotionOutcome>(roundTrip, MLOps.Workflows.Orchestration.WorkflowJson.Options));
    }
}
