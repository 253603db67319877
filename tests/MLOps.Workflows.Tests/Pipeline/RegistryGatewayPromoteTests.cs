using MLOps.Registry;
using MLOps.Storage;
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

    /// <summary>
    /// A step that promoted under a build without step markers and resumes after the upgrade (its completion lost): it has
    /// no marker, yet must find its own promotion and leave the on-call's rollback since alone, as the full-log read did.
    /// </summary>
    [Fact]
    public async Task ResumedPromoteStep_FromABuildWithoutMarkers_FindsItsPromotion_AndLeavesTheRollbackAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (registry, gateway) = await ChampionOneAsync("gateway-upgrade", versions: 2, challenger: 2);
        // What the old build's step did: promote as the pipeline, recording its instance, and no marker.
        await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "pipeline", Reason = "better", Instance = "retrain-8", UseStoredDecision = true }, ct);
        await registry.RollbackAsync(Model, new RollbackRequest { By = "oncall", Reason = "complaints" }, ct);

        var resumed = await gateway.PromoteAsync(Model, 2, "better", null, "retrain-8:promote", ct);

        Assert.Equal(new PromotionOutcome(true), resumed);
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

    /// <summary>Runs a hook once after a write of a path containing one text, once before a read of another.</summary>
    private sealed class Hooks(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public Func<Task>? AfterWrite;
        public string WritePath = "";
        public Func<Task>? AfterReadReturningNothing;
        public string ReadPath = "";

        public override async Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
        {
            var etag = await base.WriteAsync(path, content, condition, cancellationToken);
            if (path.Contains(WritePath, StringComparison.Ordinal) && Interlocked.Exchange(ref AfterWrite, null) is { } hook) await hook();
            return etag;
        }

        public override async Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
        {
            var content = await base.ReadAsync(path, cancellationToken);
            if (content is null && path.EndsWith(ReadPath, StringComparison.Ordinal) && Interlocked.Exchange(ref AfterReadReturningNothing, null) is { } hook) await hook();
            return content;
        }
    }

    /// <summary>
    /// Two executions of one promote step overlap (at-least-once delivery; a stalled worker's lease taken over). The
    /// second finds the first's marker before the first's change landed, then the champion already this version: its own
    /// marker must not name a sequence no change of this step took, or a third execution after an on-call rollback (which
    /// takes that sequence) promotes over the rollback.
    /// </summary>
    [Fact]
    public async Task OverlappingPromoteSteps_ThenARollback_ThenAThirdRun_LeaveTheRollbackAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new Hooks(TestEnvironment.NewFolderStore("gateway-overlap"));
        var registry = new ModelRegistry(store);
        for (var v = 1; v <= 2; v++)
            await registry.RegisterAsync(Model, new ModelVersionDraft { Type = "ease", TrainingSnapshotId = "fs-test", SourceInstance = $"run-{v}" },
                new Dictionary<string, BinaryData> { [RegistryGateway.ArtifactFile] = BinaryData.FromBytes(new byte[8]) }, ct);
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "test", Force = true }, ct);
        await registry.EvaluateAsync(Model, 2, new ModelComparison
        {
            ChampionVersion = 1, Champion = 0.30, Challenger = 0.33, DifferenceLower = 0.01, DifferenceUpper = 0.05, Users = 500, BootstrapSamples = 1000,
        }, cancellationToken: ct);
        var gateway = new RegistryGateway(registry, store, TimeProvider.System);

        // Execution A stops right after noting its marker (champion sequence 2); B runs then, and A's change lands while B
        // looks for entry 2.
        var aMarked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.WritePath = "pipeline/promotions/";
        store.AfterWrite = async () => { aMarked.SetResult(); await aGo.Task; };
        var a = gateway.PromoteAsync(Model, 2, "better", null, "retrain-7:promote", ct);
        await aMarked.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        store.ReadPath = ModelRegistry.AuditPath(Model, ModelAliases.Champion, 2);
        store.AfterReadReturningNothing = async () => { aGo.SetResult(); await a.WaitAsync(TimeSpan.FromSeconds(10), ct); };
        await gateway.PromoteAsync(Model, 2, "better", null, "retrain-7:promote", ct);
        Assert.Equal(new PromotionOutcome(true), await a);
        Assert.Equal(2, (await registry.GetChampionAsync(Model, ct))!.Version);

        await registry.RollbackAsync(Model, new RollbackRequest { By = "oncall", Reason = "complaints" }, ct);
        var third = await gateway.PromoteAsync(Model, 2, "better", null, "retrain-7:promote", ct);

        Assert.True(third.Changed);
        Assert.Equal(1, (await registry.GetChampionAsync(Model, ct))!.Version);
        var history = await registry.GetHistoryAsync(Model, ModelAliases.Champion, ct);
        Assert.Equal(["promote", "promote", "rollback"], history.OrderBy(e => e.Sequence).Select(e => e.Action));
    }

    /// <summary>Counts reads of audit entries (the registry's append-only log, one blob per change).</summary>
    private sealed class AuditReadCounter(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public int AuditReads;
        public override Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
        {
            if (path.Contains("/audit/", StringComparison.Ordinal)) Interlocked.Increment(ref AuditReads);
            return base.ReadAsync(path, cancellationToken);
        }
        public override Task<BlobReadStream?> OpenReadAsync(string path, CancellationToken cancellationToken = default)
        {
            if (path.Contains("/audit/", StringComparison.Ordinal)) Interlocked.Increment(ref AuditReads);
            return base.OpenReadAsync(path, cancellationToken);
        }
    }

    [Fact]
    public async Task PromoteStep_ReadsAFewAuditEntries_NotTheWholeLog_AndStaysIdempotent()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new AuditReadCounter(TestEnvironment.NewFolderStore("gateway-audit-reads"));
        var registry = new ModelRegistry(store);
        for (var v = 1; v <= 3; v++)
            await registry.RegisterAsync(Model, new ModelVersionDraft { Type = "ease", TrainingSnapshotId = "fs-test", SourceInstance = $"run-{v}" },
                new Dictionary<string, BinaryData> { [RegistryGateway.ArtifactFile] = BinaryData.FromBytes(new byte[8]) }, ct);
        // A long champion history: 40 changes.
        for (var i = 0; i < 20; i++)
        {
            await registry.PromoteAsync(Model, 1 + i % 2, new PromoteRequest { By = "test", Force = true }, ct);
            await registry.PromoteAsync(Model, 2 - i % 2, new PromoteRequest { By = "test", Force = true }, ct);
        }
        var champion = (await registry.GetChampionAsync(Model, ct))!.Version;
        await registry.EvaluateAsync(Model, 3, new ModelComparison
        {
            ChampionVersion = champion, Champion = 0.30, Challenger = 0.33, DifferenceLower = 0.01, DifferenceUpper = 0.05, Users = 500, BootstrapSamples = 1000,
        }, cancellationToken: ct);
        var gateway = new RegistryGateway(registry, store, TimeProvider.System);

        store.AuditReads = 0;
        Assert.Equal(new PromotionOutcome(true), await gateway.PromoteAsync(Model, 3, "better", null, "retrain-5:promote", ct));
        var first = store.AuditReads;
        await registry.RollbackAsync(Model, new RollbackRequest { By = "oncall" }, ct);
        // The activity ran again (its completion was lost before the checkpoint): same step key.
        store.AuditReads = 0;
        Assert.Equal(new PromotionOutcome(true), await gateway.PromoteAsync(Model, 3, "better", null, "retrain-5:promote", ct));
        var repeat = store.AuditReads;

        Assert.Equal(champion, (await registry.GetChampionAsync(Model, ct))!.Version); // the rollback stands
        // A handful each (the registry repairing its latest entries), not one per change in the log (40 + before).
        Assert.InRange(first, 0, 8);
        Assert.InRange(repeat, 0, 4);
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
