using System.Text.Json;
using MLOps.Storage;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Embedded;

public sealed class EmbeddedEngineTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task FanOutChain_Completes_WithOutputAndEachActivityOnce()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("ana", [1, 2, 3]));
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        var receipt = state.Output!.Value.Deserialize<Receipt>(WorkflowJson.Options)!;
        Assert.Equal(new Receipt("ana", 60, 3, "auto", receipt.Token), receipt);
        Assert.Equal(3, engine.ActivityExecutions["Price"]);
        Assert.Equal(1, engine.ActivityExecutions["Echo"]);
        Assert.Equal("done", state.CustomStatus!.Value.GetProperty("step").GetString());
        Assert.Equal(3, (await h.Ledger.KeysAsync()).Count);
    }

    [Fact]
    public async Task AFailedInstance_IsLoggedAsAnError_NamingTheInstanceAndTheFailure()
    {
        // The failed-orchestration page sends on-call to the logs: the end of a failed instance must stand out there.
        var logs = new CapturingLoggerProvider();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        await using var h = new EngineHarness(TestWorkflows.Registry(r => r
            .AddActivity<string, int>("Doomed", (_, _, _, _) => throw new InvalidOperationException("doomed: planned failure"))
            .AddOrchestrator<string, int>("DoomedFlow", (context, key) => context.CallActivityAsync<int>("Doomed", key))));
        await using var engine = new EmbeddedOrchestrationEngine(h.Store, h.Registry, h.Services, h.Time,
            new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20) }, loggers);
        var start = await engine.StartAsync("DoomedFlow", "k");
        Assert.Equal(RuntimeStatus.Failed, (await engine.WaitForCompletionAsync(start.InstanceId, Timeout)).RuntimeStatus);
        // The end is logged right after the checkpoint a waiter sees: wait for it (bounded) rather than race it.
        for (var i = 0; i < 250 && !logs.Records.Any(r => r.Values.ContainsKey("ErrorType")); i++) await Task.Delay(20, Timeout);

        var end = Assert.Single(logs.Records, r => r.Values.TryGetValue("Status", out var status) && status?.ToString() == "Failed");
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, end.Level);
        Assert.Equal(start.InstanceId, end.Values["InstanceId"]?.ToString());
        Assert.Contains("doomed: planned failure", end.Message, StringComparison.Ordinal);
    }

    /// <summary>One damaged instance record stopped `serve` (its first scan threw) and broke the instance list: it is skipped.</summary>
    [Fact]
    public async Task ADamagedInstanceRecord_IsSkipped_OthersStillListAndRun()
    {
        await using var h = new EngineHarness();
        await h.Store.WriteTextAsync("orchestrations/bad/instance.json", "{\"instanceId\":\"bad\",\"name\":\"Checkout\",\"runtimeStatus\":\"Weird\"", cancellationToken: TestContext.Current.CancellationToken);
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("cy", [1]));

        await engine.ResumeAllAsync(Timeout);
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal([start.InstanceId], (await engine.ListAsync()).Select(s => s.InstanceId));
    }

    [Fact]
    public async Task RecordedHistory_Replays_ToSameDecisions_WithoutNewActions()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("bo", [4, 5]));
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);
        var record = (await engine.GetRecordAsync(start.InstanceId))!;
        record.History.RemoveAt(record.History.Count - 1); // the ExecutionCompleted marker

        var replay = OrchestrationExecutor.Run(h.Registry.GetOrchestrator("Checkout"), record);

        Assert.Null(replay.NonDeterminism);
        Assert.Empty(replay.NewActions);
        Assert.True(replay.Completed);
        Assert.Equal(state.Output!.Value.GetRawText(), replay.Output!.Value.GetRawText());
    }

    [Fact]
    public async Task ChangedOrchestrator_FailsReplay_WithErrorNamingTheStep()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("cy", [1]));
        await engine.WaitForCompletionAsync(start.InstanceId, Timeout);
        var record = (await engine.GetRecordAsync(start.InstanceId))!;

        var changed = new WorkflowRegistry().AddOrchestrator<Order, int>("Checkout", async (context, order) =>
        {
            await context.CallActivityAsync<string>("Echo", "first"); // was Price at step 0
            return 0;
        });
        var replay = OrchestrationExecutor.Run(changed.GetOrchestrator("Checkout"), record);

        Assert.NotNull(replay.NonDeterminism);
        Assert.Equal(0, replay.NonDeterminism.Step);
        Assert.Contains("activity 'Price'", replay.NonDeterminism.Message, StringComparison.Ordinal);
        Assert.Contains("activity 'Echo'", replay.NonDeterminism.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// `pipeline resume ID --wait` beside a `serve` that holds the instance printed a stale "Suspended" and exit 0 as if it
    /// had run it: the CLI now asks who holds it and says the instance continues there.
    /// </summary>
    [Fact]
    public async Task HeldElsewhere_NamesAnotherLiveHolder_NotItself_NotADeadOne()
    {
        await using var h = new EngineHarness();
        var holder = h.NewEngine();
        var other = h.NewEngine();
        var start = await holder.StartAsync("Checkout", new Order("eve", [50, 60])); // waits for approval, lease held
        await holder.WaitUntilQuietAsync(Timeout);

        Assert.Null(await holder.HeldElsewhereAsync(start.InstanceId));
        Assert.Equal($"{Environment.MachineName} pid {Environment.ProcessId}", await other.HeldElsewhereAsync(start.InstanceId));
        await holder.DisposeAsync();
        Assert.Null(await other.HeldElsewhereAsync(start.InstanceId));
    }

    [Fact]
    public async Task ChangedOrchestrator_OnResume_FailsInstance_AndKeepsHistory()
    {
        await using var h = new EngineHarness();
        var first = h.NewEngine();
        var start = await first.StartAsync("Checkout", new Order("dee", [50, 60])); // waits for approval
        await first.WaitUntilQuietAsync(Timeout);
        await first.DisposeAsync();
        var recorded = (await first.GetRecordAsync(start.InstanceId))!.History.Count;

        var changed = new WorkflowRegistry().AddActivity<string, string>("Echo", (_, _, s, _) => Task.FromResult(s))
            .AddOrchestrator<Order, int>("Checkout", async (context, order) =>
            {
                await context.CallActivityAsync<string>("Echo", "x");
                return 1;
            });
        var engine = new EmbeddedOrchestrationEngine(h.Store, changed, h.Services, h.Time);
        await engine.RaiseEventAsync(start.InstanceId, "approval", true);
        await engine.ResumeAllAsync();
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);
        await engine.DisposeAsync();

        Assert.Equal(RuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal(nameof(NonDeterministicOrchestrationException), state.Failure!.ErrorType);
        Assert.Contains("step 0", state.Failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(recorded, (await engine.GetRecordAsync(start.InstanceId))!.History.Count);
    }

    [Theory]
    [InlineData(true, "approved")]
    [InlineData(false, "rejected")]
    public async Task ExternalEvent_DecidesApproval(bool approve, string expected)
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("eve", [7, 8]));
        await engine.WaitUntilQuietAsync(Timeout);
        Assert.Equal("awaiting-approval", (await engine.GetStateAsync(start.InstanceId))!.CustomStatus!.Value.GetProperty("step").GetString());

        await engine.RaiseEventAsync(start.InstanceId, "approval", approve);
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.Equal(expected, state.Output!.Value.GetProperty("approval").GetString());
    }

    [Fact]
    public async Task ExternalEvent_NotRaised_TimesOutOnDurableTimer()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("fay", [20]));
        await engine.WaitUntilQuietAsync(Timeout);

        h.Time.Advance(TimeSpan.FromMinutes(59));
        await engine.WaitUntilQuietAsync(Timeout);
        Assert.Equal(RuntimeStatus.Running, (await engine.GetStateAsync(start.InstanceId))!.RuntimeStatus);
        h.Time.Advance(TimeSpan.FromMinutes(2));
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.Equal("timed-out", state.Output!.Value.GetProperty("approval").GetString());
    }

    [Fact]
    public async Task Timer_SurvivesRestart_AndFiresOnceDue()
    {
        await using var h = new EngineHarness();
        var first = h.NewEngine();
        var start = await first.StartAsync("Checkout", new Order("gus", [30]));
        await first.WaitUntilQuietAsync(Timeout);
        await first.DisposeAsync();

        h.Time.Advance(TimeSpan.FromHours(2));
        var second = h.NewEngine();
        await second.ResumeAllAsync();
        var state = await second.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.Equal("timed-out", state.Output!.Value.GetProperty("approval").GetString());
        Assert.False(second.ActivityExecutions.ContainsKey("Price"));
    }

    [Fact]
    public async Task RetryPolicy_RetriesWithBackoff_ThenSucceeds()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var key = Guid.NewGuid().ToString("N");
        var start = await engine.StartAsync("Retrying", key);
        // Backoff waits on the engine's clock: 1 s before attempt 2, 2 s before attempt 3.
        var timeout = Timeout;
        while ((await engine.GetStateAsync(start.InstanceId))!.RuntimeStatus != RuntimeStatus.Completed)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10, timeout);
        }
        var state = await engine.GetStateAsync(start.InstanceId);
        Assert.Equal(3, state!.Output!.Value.GetInt32());
        Assert.Equal(3, TestWorkflows.FlakyAttempts[key]);
    }

    [Fact]
    public void RetryPolicy_Delays_GrowExponentially_UpToTheCap()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromSeconds(3));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)],
            Enumerable.Range(1, 5).Select(policy.DelayBeforeAttempt));
    }

    [Fact]
    public async Task SubOrchestration_And_ContinueAsNew_Complete()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var parent = await engine.StartAsync("Parent", new Order("hal", [1, 1]));
        var countdown = await engine.StartAsync("Countdown", 3);

        Assert.Equal(21, (await engine.WaitForCompletionAsync(parent.InstanceId, Timeout)).Output!.Value.GetInt32());
        var state = await engine.WaitForCompletionAsync(countdown.InstanceId, Timeout);
        Assert.Equal(0, state.Output!.Value.GetInt32());
        Assert.Equal(3, (await engine.GetRecordAsync(countdown.InstanceId))!.Generation);
    }

    [Fact]
    public async Task SingletonStart_WhileRunning_ReturnsTheRunningInstance()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var first = await engine.StartAsync("Checkout", new Order("ida", [60, 70]), "singleton");
        var second = await engine.StartAsync("Checkout", new Order("ida", [1]), "singleton");

        Assert.False(first.AlreadyRunning);
        Assert.True(second.AlreadyRunning);
        Assert.Equal("singleton", second.InstanceId);
        await engine.RaiseEventAsync("singleton", "approval", true);
        await engine.WaitForCompletionAsync("singleton", Timeout);
        var third = await engine.StartAsync("Checkout", new Order("ida", [1]), "singleton");
        Assert.False(third.AlreadyRunning);
        Assert.Equal(10, (await engine.WaitForCompletionAsync("singleton", Timeout)).Output!.Value.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Terminate_StopsAWaitingInstance()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("jo", [99, 99]));
        await engine.WaitUntilQuietAsync(Timeout);
        await engine.TerminateAsync(start.InstanceId, "no longer needed");
        var state = await engine.WaitForCompletionAsync(start.InstanceId, Timeout);
        Assert.Equal(RuntimeStatus.Terminated, state.RuntimeStatus);
        Assert.False(engine.ActivityExecutions.ContainsKey("Echo"));
    }

    [Fact]
    public async Task Purge_RemovesOldFinishedInstances_KeepsRunningOnes()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var done = await engine.StartAsync("Checkout", new Order("kim", [1]));
        await engine.WaitForCompletionAsync(done.InstanceId, Timeout);
        var waiting = await engine.StartAsync("Checkout", new Order("kim", [80, 90]));
        await engine.WaitUntilQuietAsync(Timeout);

        Assert.Equal(0, await engine.PurgeAsync(h.Time.GetUtcNow().AddDays(-1)));
        h.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, await engine.PurgeAsync(h.Time.GetUtcNow()));

        Assert.Null(await engine.GetStateAsync(done.InstanceId));
        Assert.NotNull(await engine.GetStateAsync(waiting.InstanceId));
    }

    // A Checkout of four items passes 11 to 17 crash points: 5 activity completions and a checkpoint before and after each of
    // its 3 to 6 turns (as many as the completions take to arrive). Every run reaches the first 11; no run a 18th.
    private const int CheckoutCrashPointsEveryRunReaches = 11;

    public static TheoryData<int> CrashPoints => new(Enumerable.Range(0, 17));

    /// <summary>
    /// Crash the engine at the n-th crash point it passes (checkpoint before/after, activity done), restart a new engine
    /// on the same store, and check the run ends as an uninterrupted one: same output, each effect applied once.
    /// </summary>
    [Theory]
    [MemberData(nameof(CrashPoints))]
    public async Task KilledAtAnyPoint_ResumesToSameResult_WithoutRepeatedEffects(int crashAfter)
    {
        await using var h = new EngineHarness();
        var seen = 0;
        var crashing = h.NewEngine(point => Interlocked.Increment(ref seen) == crashAfter + 1);
        var start = await crashing.StartAsync("Checkout", new Order("lu", [1, 2, 3, 4]), "kill-test");
        try
        {
            await crashing.WaitForCompletionAsync(start.InstanceId, Timeout);
        }
        catch (SimulatedCrashException)
        {
        }
        await crashing.DisposeAsync();
        Assert.True(crashing.CrashedAt is not null || crashAfter >= CheckoutCrashPointsEveryRunReaches, $"no crash: the run passed {seen} crash points");
        Assert.SkipWhen(crashing.CrashedAt is null, $"this run passed {seen} crash points (its completions came in fewer turns): none to crash at after {crashAfter}");

        var resumed = h.NewEngine();
        await resumed.ResumeAllAsync();
        var state = await resumed.WaitForCompletionAsync(start.InstanceId, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(100, state.Output!.Value.GetProperty("total").GetInt32());
        Assert.Equal(["kill-test_price-0", "kill-test_price-1", "kill-test_price-2", "kill-test_price-3"], (await h.Ledger.KeysAsync()).Order());
        var record = (await resumed.GetRecordAsync(start.InstanceId))!;
        Assert.Equal(5, record.History.Count(e => e.Type == HistoryEventType.TaskScheduled));
        Assert.Equal(5, record.History.Count(e => e.Type == HistoryEventType.TaskCompleted));
    }
}
