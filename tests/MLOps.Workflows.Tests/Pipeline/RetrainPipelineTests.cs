using System.Text.Json;
using MLOps.Storage;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

public sealed class RetrainPipelineTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static RetrainSummary Summary(OrchestrationState state) => state.Output!.Value.Deserialize<RetrainSummary>(WorkflowJson.Options)!;

    [Fact]
    public async Task FirstRun_PromotesBest_SecondRunWithoutNewData_KeepsChampion()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();

        var first = Summary(await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input())).InstanceId, Timeout));
        Assert.Equal("promoted", first.Decision.Outcome);
        Assert.Equal("ease", first.Best);
        Assert.Equal(1, first.Decision.Version);
        Assert.Equal(4, first.Candidates.Count);
        Assert.Contains(first.Summary, line => line.StartsWith("decision: promoted v1", StringComparison.Ordinal));
        Assert.Equal(["refresh-features", "train", "evaluate", "drift-check", "decide", "publish", "notify"], first.StepSeconds.Keys);

        var second = Summary(await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input())).InstanceId, Timeout));
        Assert.Equal("kept", second.Decision.Outcome);
        Assert.Equal(1, second.ChampionBefore);
        // The run that kept the champion registered its best, refused, with the reason; the alias did not move.
        Assert.Equal(2, second.Decision.Version);
        Assert.False(second.Decision.AliasChanged);
        Assert.Contains("decision: kept — not better than the champion with confidence (registered as v2, not promoted)", second.Summary);
        var refused = Assert.Single(await h.Registry.Versions(), v => v.Version == 2);
        Assert.Equal(["refuse: not better than the champion with confidence"], refused.Decisions);
        // The other candidates are not registered; their figures are findable from the version.
        Assert.Equal(["popularity", "sar", "ease", "ials"], refused.RunCandidates);
        Assert.Single(await h.Registry.Audit());
        Assert.Equal(1, (await h.Registry.GetChampionAsync("recommender", default))!.Version);

        await h.Store.WriteTextAsync("fake/data-version", "2"); // new data: ials now wins with confidence
        var third = Summary(await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input())).InstanceId, Timeout));
        Assert.Equal("promoted", third.Decision.Outcome);
        Assert.Equal("ials", third.Best);
        Assert.Equal(3, (await h.Registry.GetChampionAsync("recommender", default))!.Version);
    }

    [Fact]
    public async Task Approval_NotGivenInTime_IsRejected_AndNothingIsPublished()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(approval: true));
        await engine.WaitUntilQuietAsync(Timeout);
        var waiting = await engine.GetStateAsync(start.InstanceId);
        Assert.Equal("awaiting-approval", waiting!.CustomStatus!.Value.GetProperty("step").GetString());
        // Registered before the wait, standing awaiting approval; the reviewer's evidence is in the custom status too.
        Assert.Equal(["await-approval"], Assert.Single(await h.Registry.Versions()).Decisions);
        var evidence = waiting.CustomStatus!.Value.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(evidence, line => line.StartsWith("candidate ease: ndcg@10 ", StringComparison.Ordinal));
        Assert.Contains(evidence, line => line.StartsWith("decision: awaiting approval — ", StringComparison.Ordinal) && line.EndsWith("(registered as v1)", StringComparison.Ordinal));
        // The gates' evidence (guardrails included) before the decision line: the runbook has the reviewer check them.
        Assert.Equal("gate better ndcg@10: 0.2 vs 0 (challenger > popularity): pass", evidence[^2]);

        h.Time.Advance(TimeSpan.FromHours(25));
        var summary = Summary(await engine.WaitForCompletionAsync(start.InstanceId, Timeout));

        Assert.Equal("rejected", summary.Decision.Outcome);
        Assert.Contains("no approval within 24 h", summary.Decision.Reason, StringComparison.Ordinal);
        Assert.Equal(1, summary.Decision.Version);
        // The version now stands refused with the reason; nothing was published.
        Assert.Equal(["await-approval", "refuse: no approval within 24 h"], Assert.Single(await h.Registry.Versions()).Decisions);
        Assert.Empty(await h.Registry.Audit());
        Assert.False(await h.Store.ExistsAsync("fake/models/champion"));
    }

    /// <summary>
    /// An instance recorded before every run registered (its input has no "registerEveryRun") replays as it was recorded:
    /// registering before the approval wait its history holds would fail it as non-deterministic across the upgrade.
    /// </summary>
    [Fact]
    public async Task AnInputRecordedBeforeRegisterEveryRun_RegistersOnlyWhenPromoted_AfterTheApproval()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        var recorded = JsonDocument.Parse("""{"model":"recommender","trigger":"manual","candidates":[{"kind":"ease"}],"requireApproval":true,"approvalTimeoutHours":24,"tune":false}""").RootElement;

        var start = await engine.StartAsync(OrchestrationNames.RetrainPipeline, recorded);
        await engine.WaitUntilQuietAsync(Timeout);
        Assert.Equal("awaiting-approval", (await engine.GetStateAsync(start.InstanceId))!.CustomStatus!.Value.GetProperty("step").GetString());
        Assert.Empty(await h.Registry.Versions());
        h.Time.Advance(TimeSpan.FromHours(25));
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.True(state.RuntimeStatus == RuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.Failure}");
        Assert.Equal("rejected", Summary(state).Decision.Outcome);
        Assert.Empty(await h.Registry.Versions());
        // A start in code writes the setting out, so it registers every run.
        Assert.Contains("\"registerEveryRun\":true", JsonSerializer.Serialize(new RetrainInput(), WorkflowJson.Options), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_Given_Publishes()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(approval: true));
        await engine.WaitUntilQuietAsync(Timeout);
        await engine.RaiseEventAsync(start.InstanceId, RetrainPipeline.ApprovalEvent, new ApprovalDecision(true, "oncall", "nDCG@10 +0.012 [0.004, 0.020]"));
        var summary = Summary(await engine.WaitForCompletionAsync(start.InstanceId, Timeout));

        Assert.Equal("promoted", summary.Decision.Outcome);
        Assert.Equal("oncall", summary.Approval!.By);
        // The approver and their comment reach the audit entry, not only the instance's output.
        Assert.Contains("approved by oncall: nDCG@10 +0.012 [0.004, 0.020]", Assert.Single(await h.Registry.Audit()).Reason, StringComparison.Ordinal);
        // The wait for a person is its own step, not part of "decide".
        Assert.Equal(["refresh-features", "train", "evaluate", "drift-check", "decide", "approval", "publish", "notify"], summary.StepSeconds.Keys);
    }

    [Fact]
    public async Task Approval_BlankByAndComment_AreAbsent_NotRecordedAsBlankText()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(approval: true));
        await engine.WaitUntilQuietAsync(Timeout);
        // What a script sends with its variables unset ({"approved": true, "by": " ", "comment": "  "}).
        await engine.RaiseEventAsync(start.InstanceId, RetrainPipeline.ApprovalEvent, new ApprovalDecision(true, " ", "  "));
        var summary = Summary(await engine.WaitForCompletionAsync(start.InstanceId, Timeout));

        Assert.Equal("promoted", summary.Decision.Outcome);
        Assert.Null(summary.Approval!.By);
        Assert.Null(summary.Approval.Comment);
        var audited = Assert.Single(await h.Registry.Audit()).Reason;
        Assert.Contains("approved by a reviewer (pipeline ", audited, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_Given_ButTheRegistryRefusesNow_EndsKept_AndStillNotifies()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(approval: true));
        await engine.WaitUntilQuietAsync(Timeout);
        await h.Store.WriteTextAsync("fake/refuse-promotion", "the champion is now v9; evaluate again");
        await engine.RaiseEventAsync(start.InstanceId, RetrainPipeline.ApprovalEvent, new ApprovalDecision(true, "oncall"));
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        var summary = Summary(state);
        Assert.Equal("kept", summary.Decision.Outcome);
        Assert.False(summary.Decision.AliasChanged);
        Assert.Contains("not promoted: the champion is now v9", summary.Decision.Reason, StringComparison.Ordinal);
        Assert.Empty(await h.Registry.Audit());
        var notices = await h.Store.ListAllAsync("notifications/");
        Assert.Contains(notices, n => n.Path.EndsWith("_notify.json", StringComparison.Ordinal));
    }

    /// <summary>The workflows' own engine over the harness, logging to <paramref name="loggers"/>.</summary>
    private static EmbeddedOrchestrationEngine LoggingEngine(PipelineHarness h, Microsoft.Extensions.Logging.ILoggerFactory loggers) =>
        new(h.Store, WorkflowCatalog.Create(), h.Services, h.Time,
            new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20), MaxConcurrentActivities = 4 }, loggers);

    [Fact]
    public async Task ARefusedPromotion_IsLogged_AsAWarningNamingTheInstanceAndTheVersion()
    {
        // On-call finds a refused promotion in the logs (an App Insights query or alert), not only in the instance output.
        var logs = new CapturingLoggerProvider();
        await using var h = new PipelineHarness();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        await using var engine = LoggingEngine(h, loggers);
        await h.Store.WriteTextAsync("fake/refuse-promotion", "the champion is now v9; evaluate again");
        var start = await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(approval: false));
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        var summary = Summary(state);
        Assert.Equal("kept", summary.Decision.Outcome);
        var record = Assert.Single(logs.Records, r => r.Category == "MLOps.Workflows.RetrainPipeline" && r.Values.ContainsKey("Outcome"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, record.Level);
        Assert.Equal(start.InstanceId, record.Values["InstanceId"]?.ToString());
        Assert.Equal(summary.Decision.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture), record.Values["Version"]?.ToString());
        Assert.Contains("not promoted: the champion is now v9", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DriftMonitor_LogsEachUnresolvedAlert_WithItsIdSeverityAndTheInstance()
    {
        var logs = new CapturingLoggerProvider();
        await using var h = new PipelineHarness();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        await using var engine = LoggingEngine(h, loggers);
        await h.Store.WriteTextAsync("fake/drift-critical", "yes");
        var start = await engine.StartAsync(OrchestrationNames.DriftMonitor, new DriftMonitorInput(StartRetrain: false));
        await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        var record = Assert.Single(logs.Records, r => r.Values.ContainsKey("AlertId"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, record.Level);
        Assert.Equal(("alert-1", "critical", start.InstanceId), (record.Values["AlertId"]?.ToString(), record.Values["Severity"]?.ToString(), record.Values["InstanceId"]?.ToString()));
        Assert.Contains("genre mix drifted (PSI 0.4)", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DriftMonitor_WithoutChampion_NeverStartsARetrain()
    {
        await using var h = new PipelineHarness();
        await h.Store.WriteTextAsync("fake/drift-critical", "yes");
        var engine = h.NewEngine();
        var result = (await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.DriftMonitor)).InstanceId, Timeout))
            .Output!.Value.Deserialize<DriftMonitorResult>(WorkflowJson.Options)!;

        Assert.False(result.Drift.Critical);
        Assert.Null(result.RetrainInstanceId);
    }

    [Fact]
    public async Task DriftMonitor_CriticalAlert_StartsSingletonRetrain_SecondMonitorReturnsTheRunningOne()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input())).InstanceId, Timeout);
        await h.Store.WriteTextAsync("fake/drift-critical", "yes");
        await h.Store.WriteTextAsync("fake/data-version", "2");
        await h.Store.WriteTextAsync("fake/require-approval", "yes"); // so the retrain is still running when the second monitor fires

        var first = (await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.DriftMonitor)).InstanceId, Timeout))
            .Output!.Value.Deserialize<DriftMonitorResult>(WorkflowJson.Options)!;
        Assert.True(first.Drift.Critical);
        Assert.Equal(OrchestrationNames.RetrainSingletonId, first.RetrainInstanceId);
        Assert.False(first.RetrainAlreadyRunning);
        await engine.WaitUntilQuietAsync(Timeout);
        var second = (await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.DriftMonitor)).InstanceId, Timeout))
            .Output!.Value.Deserialize<DriftMonitorResult>(WorkflowJson.Options)!;
        Assert.Equal(OrchestrationNames.RetrainSingletonId, second.RetrainInstanceId);
        Assert.True(second.RetrainAlreadyRunning);

        await engine.RaiseEventAsync(OrchestrationNames.RetrainSingletonId, RetrainPipeline.ApprovalEvent, new ApprovalDecision(true, "oncall"));
        var retrain = Summary(await engine.WaitForCompletionAsync(OrchestrationNames.RetrainSingletonId, Timeout));
        Assert.Equal("drift", retrain.Trigger);
        Assert.Equal("promoted", retrain.Decision.Outcome);
        Assert.Equal(2, (await engine.ListAsync()).Count(i => i.Name == OrchestrationNames.RetrainPipeline));
    }

    /// <summary>
    /// The drift singleton's id is reused by every drift-started retrain: the second run must register, promote and notify
    /// as itself, not find the first run's version and notification under the same keys.
    /// </summary>
    [Fact]
    public async Task ASecondRunUnderTheSameInstanceId_RegistersAndNotifiesItsOwnResult()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        var first = Summary(await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(), OrchestrationNames.RetrainSingletonId)).InstanceId, Timeout));
        Assert.Equal(1, first.Decision.Version);

        h.Time.Advance(TimeSpan.FromDays(1));
        await h.Store.WriteTextAsync("fake/data-version", "2"); // new data: ials now wins with confidence
        var second = Summary(await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(), OrchestrationNames.RetrainSingletonId)).InstanceId, Timeout));

        Assert.Equal("promoted", second.Decision.Outcome);
        Assert.Equal(2, second.Decision.Version);
        Assert.True(second.Decision.AliasChanged);
        Assert.Equal(2, (await h.Registry.GetChampionAsync("recommender", default))!.Version);
        Assert.Equal(["ease", "ials"], (await h.Registry.Versions()).OrderBy(v => v.Version).Select(v => v.Kind));
        Assert.Equal(2, (await h.Store.ListAllAsync("notifications/")).Count(n => n.Path.EndsWith("_notify.json", StringComparison.Ordinal)));
    }

    // A run passes 35 to 47 crash points: 15 activity completions and a checkpoint before and after each of its 10 to 16 turns
    // (as many as the completions take to arrive). Every run reaches the first 35; no run a 48th.
    private const int PipelineCrashPointsEveryRunReaches = 35;

    public static TheoryData<int> PipelineCrashPoints => new(Enumerable.Range(0, 23).Select(i => i * 2 + i % 2));

    /// <summary>
    /// Kill the engine at the n-th crash point of a pipeline run (checkpoints and activity completions across every stage),
    /// restart on the same store: the run completes with exactly one new version, one alias change and one audit entry.
    /// </summary>
    [Theory]
    [MemberData(nameof(PipelineCrashPoints))]
    public async Task KilledAtAnyPoint_CompletesWithOneVersionAndOneAliasChange(int crashAfter)
    {
        await using var h = new PipelineHarness();
        var seen = 0;
        var crashing = h.NewEngine(_ => Interlocked.Increment(ref seen) == crashAfter + 1);
        var start = await crashing.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input(), "kill-run");
        try
        {
            await crashing.WaitForCompletionAsync(start.InstanceId, Timeout);
        }
        catch (SimulatedCrashException)
        {
        }
        await crashing.DisposeAsync();
        Assert.True(crashing.CrashedAt is not null || crashAfter >= PipelineCrashPointsEveryRunReaches, $"no crash: the run passed {seen} crash points");
        Assert.SkipWhen(crashing.CrashedAt is null, $"this run passed {seen} crash points (its completions came in fewer turns): none to crash at after {crashAfter}");

        var resumed = h.NewEngine();
        await resumed.ResumeAllAsync();
        var summary = Summary(await resumed.WaitForCompletionAsync(start.InstanceId, Timeout));

        Assert.Equal("promoted", summary.Decision.Outcome);
        Assert.Equal(1, summary.Decision.Version);
        Assert.Single(await h.Registry.Versions());
        var audit = Assert.Single(await h.Registry.Audit());
        Assert.Equal((null, 1), (audit.From, audit.To));
        Assert.Single(await h.Store.ListAllAsync("notifications/"));
    }
}
