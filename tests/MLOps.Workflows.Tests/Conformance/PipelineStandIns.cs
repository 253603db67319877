using System.Text.Json;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// The services of the real orchestrations for one engine: the workflows' own wiring (<c>AddWorkflowDefinitions</c>)
/// over a fresh folder store, with deterministic stand-ins for the four pipeline ports (feature store, trainer,
/// registry, drift) that keep their contracts (effects keyed by step, stored in the blob store). The suite compares
/// the engines, so the orchestration code is real and the ports' results are fixed: both engines must then produce
/// the same output and the same activity counts, and the drift stand-in can raise a critical alert on demand.
/// </summary>
public static class PipelineServices
{
    public static (WorkflowRegistry Registry, IServiceProvider Services) Create(CaseProbe probe)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["MLOPS_STORE"] = TestEnvironment.NewTempFolder("conformance-pipeline");
        // Registered before the workflows' wiring (which uses TryAdd), so the stand-ins win.
        builder.Services.AddSingleton<IFeatureRefresher, StandInFeatures>();
        builder.Services.AddSingleton<ICandidateTrainer, StandInTrainer>();
        builder.Services.AddSingleton<ICandidateTuner, StandInTuner>();
        builder.Services.AddSingleton<IModelRegistryGateway, StandInRegistry>();
        builder.Services.AddSingleton<IDriftGateway>(sp => new StandInDrift(probe));
        builder.AddWorkflowDefinitions();
        builder.Services.AddSingleton(probe);
        var services = builder.Build().Services;
        var registry = WorkflowCatalog.Create();
        FeatureWorkflows.Register(registry, probe);
        return (registry, services);
    }

    /// <summary>The pipeline ports that resolve to a stand-in here (empty once every library's wiring has landed).</summary>
    public static IReadOnlyList<string> StandIns(IServiceProvider services) =>
    [
        .. new[] { typeof(IFeatureRefresher), typeof(ICandidateTrainer), typeof(ICandidateTuner), typeof(IModelRegistryGateway), typeof(IDriftGateway) }
            .Where(t => services.GetService(t)?.GetType().Name.StartsWith("StandIn", StringComparison.Ordinal) == true)
            .Select(t => t.Name),
    ];
}

internal sealed class StandInFeatures : IFeatureRefresher
{
    public Task<FeatureSnapshotRef> RefreshAsync(string stepKey, CancellationToken cancellationToken) =>
        Task.FromResult(new FeatureSnapshotRef("snapshot-0001", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 5000, 120, 80, false, 0.1));
}

internal sealed class StandInTrainer : ICandidateTrainer
{
    public Task<TrainedCandidate> TrainAsync(FeatureSnapshotRef snapshot, CandidateConfig candidate, string stepKey, CancellationToken cancellationToken) =>
        Task.FromResult(new TrainedCandidate(candidate.Key, candidate.Kind, candidate.Parameters ?? [], $"artifacts/{candidate.Key}", snapshot.SnapshotId, 0.5));

    public Task<CandidateEvaluation> EvaluateAsync(FeatureSnapshotRef snapshot, TrainedCandidate candidate, ChampionRef? champion, string stepKey, CancellationToken cancellationToken)
    {
        // A score that depends only on the candidate, so both engines see the same numbers.
        var score = Math.Round(0.10 + (candidate.Kind.Length % 7) * 0.013, 4);
        return Task.FromResult(new CandidateEvaluation
        {
            Key = candidate.Key, Window = "2025-12-25..2026-01-01", Users = 120,
            Metrics = new() { ["ndcg@10"] = score },
            VersusChampion = champion is null ? [] : [new MetricInterval("ndcg@10", 0.01, 0.002, 0.018, 0.95)],
            Seconds = 0.2,
        });
    }
}

/// <summary>A validation score that grows with every parameter's value, so the last grid point wins on both engines.</summary>
internal sealed class StandInTuner : ICandidateTuner
{
    public Task<TrialOutcome> RunTrialAsync(TrialRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new TrialOutcome(request.Kind, request.Parameters, Math.Round(0.1 + request.Parameters.Values.Sum() / 1000, 6), 0.1));
}

/// <summary>Versions and the champion alias in the blob store; registration and promotion keyed by step.</summary>
internal sealed class StandInRegistry(IBlobStore store) : IModelRegistryGateway
{
    public async Task<ChampionRef?> GetChampionAsync(string model, CancellationToken cancellationToken) =>
        (await store.ReadJsonAsync<ChampionRef>($"standin/{model}/champion", cancellationToken: cancellationToken))?.Value;

    public Task<PromotionVerdict> DecideAsync(string model, CandidateEvaluation best, ChampionRef? champion, CancellationToken cancellationToken) =>
        Task.FromResult(champion is null
            ? new PromotionVerdict(true, "no champion yet: the best candidate becomes the first", false)
            : new PromotionVerdict(best.VersusChampion.FirstOrDefault()?.Lower > 0, "better than the champion with 95% confidence", false));

    public async Task<int> RegisterAsync(string model, TrainedCandidate candidate, CandidateEvaluation evaluation, FeatureSnapshotRef snapshot, string stepKey,
        CancellationToken cancellationToken, RegistrationDetails? details = null)
    {
        var key = $"standin/{model}/registrations/{stepKey.Replace(':', '_')}";
        if (await store.ReadJsonAsync<int>(key, cancellationToken: cancellationToken) is { } done) return done.Value;
        var version = (await store.ListAllAsync($"standin/{model}/registrations/", cancellationToken)).Count + 1;
        await store.WriteJsonAsync(key, version, cancellationToken: cancellationToken);
        return version;
    }

    public async Task<bool> RecordRejectionAsync(string model, int version, string reason, CancellationToken cancellationToken)
    {
        await store.WriteJsonAsync($"standin/{model}/rejections/{version}", reason, cancellationToken: cancellationToken);
        return true;
    }

    public async Task<PromotionOutcome> PromoteAsync(string model, int version, string reason, string? approvedBy, string stepKey, CancellationToken cancellationToken)
    {
        var current = await GetChampionAsync(model, cancellationToken);
        if (current?.Version == version) return new PromotionOutcome(false);
        await store.WriteJsonAsync($"standin/{model}/champion", new ChampionRef(version, "standin", "snapshot-0001", null), cancellationToken: cancellationToken);
        return new PromotionOutcome(true);
    }
}

/// <summary>Drift with a critical alert once the probe says so (the DriftMonitor cases).</summary>
internal sealed class StandInDrift(CaseProbe probe) : IDriftGateway
{
    public Task<DriftSummary> CheckAsync(string stepKey, CancellationToken cancellationToken) =>
        Task.FromResult(probe.Changed
            ? new DriftSummary(true, true, 3, 8, [new DriftAlertRef("alert-0001", "critical", "genre_share", "PSI 0.41 > 0.25")])
            : new DriftSummary(true, false, 0, 8, []));
}

/// <summary>Cases over the system's own orchestrations: RetrainPipeline, DriftMonitor, Purge.</summary>
public static class PipelineCases
{
    private const string RefusedArtifact = "refused model bytes";
    private static readonly List<CandidateConfig> Candidates = [new("popularity"), new("ease"), new("sar")];

    private static object Comparable(CaseResult r)
    {
        var s = r.Output<RetrainSummary>();
        return string.Join('\n', s.Candidates.Select(c => $"{c.Key} {string.Join(',', c.Metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key}={m.Value}")))}")
            .Append($"best {s.Best}; {s.Decision.Outcome} v{s.Decision.Version} changed={s.Decision.AliasChanged}: {s.Decision.Reason}")
            .Append($"approval {s.Approval}").Concat(s.Summary));
    }

    public static IEnumerable<ConformanceCase> All { get; } =
    [
        new("RetrainPipeline_FirstRun_PromotesChampion",
            run => run.RunAsync(OrchestrationNames.RetrainPipeline, new RetrainInput { Candidates = Candidates, RequireApproval = false }),
            r =>
            {
                Assert.Equal(RuntimeStatus.Completed, r.Final.RuntimeStatus);
                var summary = r.Output<RetrainSummary>();
                // Tuned: EASE over λ × dropout (6 trials), SAR over its similarity (2); popularity has nothing to tune.
                Assert.Equal(["popularity", "ease(dropout=0.2,lambda=24)", "sar(similarity=2)"], summary.Candidates.Select(c => c.Key));
                Assert.Equal(["ease", "sar"], summary.Tuning.Select(t => t.Candidate));
                Assert.Equal(8, r.Counts.ActivityRuns(PipelineActivities.RunTuningTrial));
                Assert.Equal("promoted", summary.Decision.Outcome);
                Assert.True(summary.Decision.AliasChanged);
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.RefreshFeatures));
                Assert.Equal(3, r.Counts.ActivityRuns(PipelineActivities.TrainCandidate));
                Assert.Equal(3, r.Counts.ActivityRuns(PipelineActivities.EvaluateCandidate));
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.RegisterModel));
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.PromoteModel));
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.Notify));
            })
        { Comparable = Comparable, Setup = probe => Task.FromResult(PipelineServices.Create(probe)) },
        new("RetrainPipeline_ApprovalEvent_Promotes",
            async run =>
            {
                var id = await run.StartAsync(OrchestrationNames.RetrainPipeline, new RetrainInput { Candidates = Candidates, RequireApproval = true });
                await run.WaitForCustomStatusAsync(id, s => s.GetProperty("step").GetString() == "awaiting-approval");
                await run.Client.RaiseEventAsync(id, RetrainPipeline.ApprovalEvent, new ApprovalDecision(true, "on-call", "looks good"), run.CancellationToken);
                return await run.Client.WaitForCompletionAsync(id, run.CancellationToken);
            },
            r =>
            {
                var summary = r.Output<RetrainSummary>();
                Assert.Equal("promoted", summary.Decision.Outcome);
                Assert.Equal("on-call", summary.Approval?.By);
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.PromoteModel));
            })
        { Comparable = Comparable, Setup = probe => Task.FromResult(PipelineServices.Create(probe)) },
        new("RetrainPipeline_NoApprovalInTime_Rejected",
            run => run.RunAsync(OrchestrationNames.RetrainPipeline,
                new RetrainInput { Candidates = Candidates, RequireApproval = true, ApprovalTimeoutHours = 1.5 / 3600 }),
            r =>
            {
                var summary = r.Output<RetrainSummary>();
                Assert.Equal("rejected", summary.Decision.Outcome);
                Assert.False(summary.Decision.AliasChanged);
                // Registered before the wait, its rejection recorded after it; the champion alias never moves.
                Assert.Equal(1, summary.Decision.Version);
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.RegisterModel));
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.RecordRejection));
                Assert.Equal(0, r.Counts.ActivityRuns(PipelineActivities.PromoteModel));
            })
        { Comparable = Comparable, Setup = probe => Task.FromResult(PipelineServices.Create(probe)) },
        new("DriftMonitor_CriticalAlert_StartsOneRetrain",
            async run =>
            {
                run.Probe.Changed = true; // the drift check finds a critical alert
                var monitor = await run.RunAsync(OrchestrationNames.DriftMonitor, new DriftMonitorInput());
                var retrain = WorkflowJson.FromElement<DriftMonitorResult>(monitor.Output)?.RetrainInstanceId
                    ?? throw new InvalidOperationException($"DriftMonitor started no retrain: {monitor.RuntimeStatus} {monitor.Output?.GetRawText()} {monitor.Failure}");
                // A second start of the singleton while it runs returns the running instance.
                var again = await run.Client.StartAsync(OrchestrationNames.RetrainPipeline, new RetrainInput(), OrchestrationNames.RetrainSingletonId, run.CancellationToken);
                Assert.Equal(retrain, again.InstanceId);
                await run.Client.WaitForCompletionAsync(retrain, run.CancellationToken);
                return monitor;
            },
            r =>
            {
                var result = r.Output<DriftMonitorResult>();
                Assert.True(result.Drift.Critical);
                Assert.Equal(OrchestrationNames.RetrainSingletonId, result.RetrainInstanceId);
                Assert.False(result.RetrainAlreadyRunning);
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.StartRetrain));
                Assert.Equal(1, r.Counts.BodyRuns(OrchestrationNames.RetrainPipeline) > 0 ? 1 : 0);
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.PromoteModel));
            })
        { Setup = probe => Task.FromResult(PipelineServices.Create(probe)) },
        new("DriftMonitor_NoDrift_NoRetrain",
            run => run.RunAsync(OrchestrationNames.DriftMonitor, new DriftMonitorInput()),
            r =>
            {
                var result = r.Output<DriftMonitorResult>();
                Assert.False(result.Drift.Critical);
                Assert.Null(result.RetrainInstanceId);
                Assert.Equal(0, r.Counts.ActivityRuns(PipelineActivities.StartRetrain));
            })
        { Setup = probe => Task.FromResult(PipelineServices.Create(probe)) },
        new("Purge_RemovesFinishedKeepsRunning",
            async run =>
            {
                var done1 = await run.RunAsync(FeatureWorkflows.Sequence, 1);
                var done2 = await run.RunAsync(FeatureWorkflows.Sequence, 1);
                var waiting = await run.StartAsync(FeatureWorkflows.Approval, new ApprovalInput(60));
                await run.WaitForCustomStatusAsync(waiting, s => s.Deserialize<StepStatus>(WorkflowJson.Options)?.Step == "awaiting-approval");
                await Task.Delay(50, run.CancellationToken);
                var purge = await run.RunAsync(OrchestrationNames.Purge, new PurgeInput(RetentionDays: 0));
                foreach (var done in new[] { done1, done2 })
                    Assert.True(await run.Client.GetStateAsync(done.InstanceId, run.CancellationToken) is null,
                        $"{done.InstanceId} (last updated {done.LastUpdatedAt:O}) still there after purge {purge.Output?.GetRawText()} {purge.Failure}");
                Assert.Equal(RuntimeStatus.Running, (await run.Client.GetStateAsync(waiting, run.CancellationToken))?.RuntimeStatus);
                await run.Client.RaiseEventAsync(waiting, "approval", new ApprovalVote(false, "test"), run.CancellationToken);
                await run.Client.WaitForCompletionAsync(waiting, run.CancellationToken);
                return purge;
            },
            r =>
            {
                Assert.Equal(RuntimeStatus.Completed, r.Final.RuntimeStatus);
                Assert.Equal(2, r.Output<PurgeResult>().Purged);
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.PurgeHistory));
                // The refused version's artifact went (its record stayed); the champion's stayed.
                Assert.Equal((1, (long)RefusedArtifact.Length), (r.Output<PurgeResult>().ArtifactsPurged, r.Output<PurgeResult>().ArtifactBytesFreed));
                Assert.Equal(1, r.Counts.ActivityRuns(PipelineActivities.PurgeArtifacts));
            })
        {
            Comparable = r => $"{r.Output<PurgeResult>().Purged} {r.Output<PurgeResult>().ArtifactsPurged} {r.Output<PurgeResult>().ArtifactBytesFreed}",
            Setup = async probe =>
            {
                var created = PipelineServices.Create(probe);
                var registry = new ModelRegistry(created.Services.GetRequiredService<IBlobStore>());
                await registry.RegisterAsync(ModelRegistry.DefaultModel, new ModelVersionDraft { Type = "ease" }, new Dictionary<string, BinaryData> { ["m.bin"] = BinaryData.FromString("champion") });
                await registry.PromoteAsync(ModelRegistry.DefaultModel, 1, new PromoteRequest { By = "test", Force = true });
                await registry.RegisterAsync(ModelRegistry.DefaultModel, new ModelVersionDraft { Type = "ease" }, new Dictionary<string, BinaryData> { ["m.bin"] = BinaryData.FromString(RefusedArtifact) });
                await MLOps.Workflows.Tests.Pipeline.ModelArtifactRetentionTests.RefuseAsync(registry, 2, ModelRegistry.DefaultModel);
                return created;
            },
        },
    ];
}
