using System.Collections.Concurrent;
using System.Text.Json;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Embedded;

/// <summary>
/// Suspend / resume on the embedded runner, Durable's semantics: a suspended instance does not advance; what arrives
/// meanwhile (activity results, events) is recorded and applied after the resume; the state survives a restart.
/// </summary>
public sealed class SuspendResumeTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>Gate activity: runs until the test opens its instance's gate.</summary>
    private static readonly ConcurrentDictionary<string, (TaskCompletionSource Started, TaskCompletionSource Open)> Gates = new();

    private static (TaskCompletionSource Started, TaskCompletionSource Open) Gate(string instanceId) =>
        Gates.GetOrAdd(instanceId, _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)));

    /// <summary>Gated: slow step, then an "approval" event, then Echo; the output shows what it saw in which order.</summary>
    private static WorkflowRegistry Registry() => TestWorkflows.Registry(r => r
        .AddActivity<string, string>("Slow", async (_, context, input, ct) =>
        {
            var gate = Gate(context.InstanceId);
            gate.Started.TrySetResult();
            await gate.Open.Task.WaitAsync(ct);
            return $"slow:{input}";
        })
        .AddOrchestrator<string, string>("Gated", async (context, input) =>
        {
            var slow = await context.CallActivityAsync<string>("Slow", input);
            context.SetCustomStatus(new { step = "awaiting-approval" });
            var approved = await context.WaitForExternalEvent<bool>("approval", TimeSpan.FromHours(1));
            var echo = await context.CallActivityAsync<string>("Echo", approved ? "approved" : "rejected");
            return $"{slow}|{echo}";
        }));

    private static async Task<OrchestrationState> WaitForStatusAsync(EmbeddedOrchestrationEngine engine, string id, RuntimeStatus status)
    {
        var ct = Timeout;
        while (true)
        {
            var state = (await engine.GetStateAsync(id, ct))!;
            if (state.RuntimeStatus == status) return state;
            await Task.Delay(10, ct);
        }
    }

    private static async Task<string> UninterruptedOutputAsync(EngineHarness h)
    {
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Gated", "x", "uninterrupted");
        Gate("uninterrupted").Open.TrySetResult();
        await engine.WaitUntilQuietAsync(Timeout);
        await engine.RaiseEventAsync("uninterrupted", "approval", true);
        return (await engine.WaitForCompletionAsync(start.InstanceId, Timeout)).Output!.Value.GetString()!;
    }

    [Fact]
    public async Task SuspendMidRun_NothingAdvances_ResultAndEventAppliedAfterResume_SameOutput()
    {
        await using var h = new EngineHarness(Registry());
        var expected = await UninterruptedOutputAsync(h);
        var engine = h.NewEngine();
        var id = $"suspend-{Guid.NewGuid():N}";
        await engine.StartAsync("Gated", "x", id);
        await Gate(id).Started.Task.WaitAsync(Timeout);

        await engine.SuspendAsync(id, "deploy freeze");
        await WaitForStatusAsync(engine, id, RuntimeStatus.Suspended);
        Gate(id).Open.TrySetResult(); // the running activity finishes while suspended
        await engine.RaiseEventAsync(id, "approval", true); // and an event arrives
        await engine.WaitUntilQuietAsync(Timeout);

        var record = (await engine.GetRecordAsync(id))!;
        Assert.Equal(RuntimeStatus.Suspended, record.RuntimeStatus);
        var suspendedAt = record.History.FindIndex(e => e.Type == HistoryEventType.ExecutionSuspended);
        Assert.Equal("deploy freeze", record.History[suspendedAt].Data!.Value.GetString());
        Assert.Contains(record.History.Skip(suspendedAt), e => e.Type == HistoryEventType.TaskCompleted && e.Name == "Slow");
        Assert.Contains(record.History.Skip(suspendedAt), e => e.Type == HistoryEventType.EventRaised && e.Name == "approval");
        Assert.Null(record.CustomStatus); // the orchestrator did not get past the slow step
        Assert.False(engine.ActivityExecutions.ContainsKey("Echo"));

        await engine.ResumeAsync(id, "freeze over");
        var state = await engine.WaitForCompletionAsync(id, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(expected, state.Output!.Value.GetString());
        Assert.Equal(1, engine.ActivityExecutions["Echo"]);
        Assert.Equal(1, engine.ActivityExecutions["Slow"]); // the suspension re-ran nothing
        var resumed = (await engine.GetRecordAsync(id))!.History.Single(e => e.Type == HistoryEventType.ExecutionResumed);
        Assert.Equal("freeze over", resumed.Data!.Value.GetString());
    }

    [Fact]
    public async Task SuspendedInstance_SurvivesRestart_ResumeAllLeavesIt_ResumeFinishesIt()
    {
        await using var h = new EngineHarness(Registry());
        var expected = await UninterruptedOutputAsync(h);
        var first = h.NewEngine();
        var id = $"restart-{Guid.NewGuid():N}";
        await first.StartAsync("Gated", "x", id);
        Gate(id).Open.TrySetResult();
        await first.WaitUntilQuietAsync(Timeout); // waiting for approval
        await first.SuspendAsync(id, "investigating");
        await WaitForStatusAsync(first, id, RuntimeStatus.Suspended);
        await first.DisposeAsync(); // the process goes away

        var second = h.NewEngine();
        Assert.Empty((await second.ResumeAllAsync()).Resumed);
        await second.WaitUntilQuietAsync(Timeout);
        Assert.Equal(RuntimeStatus.Suspended, (await second.GetStateAsync(id))!.RuntimeStatus);
        Assert.Empty(second.ActiveInstances);

        await second.RaiseEventAsync(id, "approval", true); // a worker records it but does not apply it
        await second.WaitUntilQuietAsync(Timeout);
        Assert.Equal(RuntimeStatus.Suspended, (await second.GetStateAsync(id))!.RuntimeStatus);
        Assert.False(second.ActivityExecutions.ContainsKey("Echo"));

        await second.ResumeAsync(id);
        var state = await second.WaitForCompletionAsync(id, Timeout);
        Assert.Equal(expected, state.Output!.Value.GetString());
        Assert.False(second.ActivityExecutions.ContainsKey("Slow"));
        Assert.Equal(1, second.ActivityExecutions["Echo"]);
    }

    [Fact]
    public async Task KilledWhileRecordingAnEventWhileSuspended_RestartStillSuspended_ResumeEndsAsUninterrupted()
    {
        await using var h = new EngineHarness(Registry());
        var expected = await UninterruptedOutputAsync(h);
        var kill = false;
        var first = h.NewEngine(point => Volatile.Read(ref kill) && point == "checkpoint:before");
        var id = $"kill-{Guid.NewGuid():N}";
        await first.StartAsync("Gated", "x", id);
        Gate(id).Open.TrySetResult();
        await first.WaitUntilQuietAsync(Timeout);
        await first.SuspendAsync(id);
        await WaitForStatusAsync(first, id, RuntimeStatus.Suspended);
        Volatile.Write(ref kill, true);
        await first.RaiseEventAsync(id, "approval", true); // the worker dies while checkpointing it
        await Assert.ThrowsAsync<SimulatedCrashException>(() => first.WaitUntilQuietAsync(Timeout));
        await first.DisposeAsync();

        var second = h.NewEngine();
        await second.ResumeAllAsync(); // the unrecorded event is in the inbox: recorded now, the instance stays suspended
        await second.WaitUntilQuietAsync(Timeout);
        var record = (await second.GetRecordAsync(id))!;
        Assert.Equal(RuntimeStatus.Suspended, record.RuntimeStatus);
        Assert.Single(record.History, e => e.Type == HistoryEventType.EventRaised);

        await second.ResumeAsync(id);
        var state = await second.WaitForCompletionAsync(id, Timeout);
        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(expected, state.Output!.Value.GetString());
        Assert.Equal(1, second.ActivityExecutions["Echo"]);
    }

    [Fact]
    public async Task TerminateWhileSuspended_EndsTerminated()
    {
        await using var h = new EngineHarness(Registry());
        var engine = h.NewEngine();
        var id = $"term-{Guid.NewGuid():N}";
        await engine.StartAsync("Gated", "x", id);
        await engine.SuspendAsync(id);
        await WaitForStatusAsync(engine, id, RuntimeStatus.Suspended);
        await engine.TerminateAsync(id, "abandoned");
        Assert.Equal(RuntimeStatus.Terminated, (await engine.WaitForCompletionAsync(id, Timeout)).RuntimeStatus);
    }

    [Fact]
    public async Task WrongStates_AreRefusedNamingTheState_UnknownIdIsNotFound()
    {
        await using var h = new EngineHarness(Registry());
        var engine = h.NewEngine();
        var done = await engine.StartAsync("Checkout", new Order("ann", [1]));
        await engine.WaitForCompletionAsync(done.InstanceId, Timeout);

        var suspendDone = await Assert.ThrowsAsync<InstanceStateException>(() => engine.SuspendAsync(done.InstanceId));
        Assert.Equal(RuntimeStatus.Completed, suspendDone.Status);
        Assert.Contains("it is Completed", suspendDone.Message, StringComparison.Ordinal);
        Assert.Equal(RuntimeStatus.Completed, (await Assert.ThrowsAsync<InstanceStateException>(() => engine.ResumeAsync(done.InstanceId))).Status);
        Assert.Equal(RuntimeStatus.Completed, (await Assert.ThrowsAsync<InstanceStateException>(() => engine.RewindAsync(done.InstanceId))).Status);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => engine.SuspendAsync("no-such-instance"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => engine.RewindAsync("no-such-instance"));

        var waiting = await engine.StartAsync("Checkout", new Order("ben", [60, 70]));
        await engine.WaitUntilQuietAsync(Timeout);
        Assert.Equal(RuntimeStatus.Running, (await Assert.ThrowsAsync<InstanceStateException>(() => engine.ResumeAsync(waiting.InstanceId))).Status);
        Assert.Equal(RuntimeStatus.Running, (await Assert.ThrowsAsync<InstanceStateException>(() => engine.RewindAsync(waiting.InstanceId))).Status);
        await engine.SuspendAsync(waiting.InstanceId);
        // Durable refuses a second suspend, also before the worker has recorded the first.
        Assert.Equal(RuntimeStatus.Suspended, (await Assert.ThrowsAsync<InstanceStateException>(() => engine.SuspendAsync(waiting.InstanceId))).Status);
        await WaitForStatusAsync(engine, waiting.InstanceId, RuntimeStatus.Suspended);
        await engine.ResumeAsync(waiting.InstanceId);
        await WaitForStatusAsync(engine, waiting.InstanceId, RuntimeStatus.Running);
        await engine.RaiseEventAsync(waiting.InstanceId, "approval", true);
        var state = await engine.WaitForCompletionAsync(waiting.InstanceId, Timeout);
        Assert.Equal("approved", state.Output!.Value.GetProperty("approval").GetString());
    }
}
