using System.Collections.Concurrent;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Embedded;

/// <summary>
/// Rewind of a Failed instance on the embedded runner (Durable's semantics): the failed steps run again, every step
/// that succeeded keeps its result and is not executed again, the instance ends Completed; recorded with a reason.
/// </summary>
public sealed class RewindTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>Keys whose "Breaker" activity fails (permanently, until the test repairs it).</summary>
    private static readonly ConcurrentDictionary<string, bool> Broken = new();

    private static WorkflowRegistry Registry() => TestWorkflows.Registry(r => r
        .AddActivity<string, string>("Breaker", (_, _, key, _) =>
            Broken.GetValueOrDefault(key) ? throw new InvalidOperationException($"{key} is broken") : Task.FromResult($"fixed:{key}"))
        // Fan-out of three priced items and the breaker, then Echo.
        .AddOrchestrator<string, string>("FanOutThenBreak", async (context, key) =>
        {
            var prices = Enumerable.Range(1, 3).Select(i => context.CallActivityAsync<int>("Price", new ItemInput(context.StepKey($"p{i}"), i))).ToList();
            var breaker = context.CallActivityAsync<string>("Breaker", key);
            var total = (await Task.WhenAll(prices)).Sum();
            var fixedBy = await breaker;
            var echo = await context.CallActivityAsync<string>("Echo", $"{fixedBy}+{total}");
            return echo;
        })
        // A catch block that takes another step before failing: replaying without the failure would not reach it.
        .AddOrchestrator<string, string>("CleanupThenFail", async (context, key) =>
        {
            var first = await context.CallActivityAsync<string>("Echo", "first");
            try
            {
                return $"{first}|{await context.CallActivityAsync<string>("Breaker", key)}";
            }
            catch (WorkflowTaskFailedException)
            {
                await context.CallActivityAsync<string>("Echo", "cleanup");
                throw;
            }
        })
        .AddOrchestrator<string, string>("BreakerChild", (context, key) => context.CallActivityAsync<string>("Breaker", key))
        .AddOrchestrator<string, string>("ParentOfBreaker", async (context, key) =>
        {
            var before = await context.CallActivityAsync<string>("Echo", "before");
            var child = await context.CallSubOrchestratorAsync<string>("BreakerChild", key);
            return $"{before}|{child}";
        }));

    private static string NewKey() => $"k{Guid.NewGuid():N}";

    [Fact]
    public async Task FailedInstance_Rewound_RetriesOnlyTheFailedStep_EndsCompletedWithTheUninterruptedOutput()
    {
        await using var h = new EngineHarness(Registry());
        var engine = h.NewEngine();
        var healthy = NewKey();
        var expected = (await engine.WaitForCompletionAsync((await engine.StartAsync("FanOutThenBreak", healthy, "reference")).InstanceId, Timeout)).Output!.Value.GetString()!
            .Replace(healthy, "KEY", StringComparison.Ordinal);

        var key = NewKey();
        Broken[key] = true;
        var id = (await engine.StartAsync("FanOutThenBreak", key, "rewind-me")).InstanceId;
        var failed = await engine.WaitForCompletionAsync(id, Timeout);
        Assert.Equal(RuntimeStatus.Failed, failed.RuntimeStatus);
        Assert.Contains($"{key} is broken", failed.Failure!.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(6, engine.ActivityExecutions["Price"]); // 3 reference + 3 here
        Assert.Equal(2, engine.ActivityExecutions["Breaker"]); // 1 reference + 1 here

        Broken[key] = false;
        await engine.RewindAsync(id, "breaker repaired");
        var state = await engine.WaitForCompletionAsync(id, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Null(state.Failure);
        Assert.Equal(expected, state.Output!.Value.GetString()!.Replace(key, "KEY", StringComparison.Ordinal));
        Assert.Equal(6, engine.ActivityExecutions["Price"]); // the three that succeeded did not run again
        Assert.Equal(3, engine.ActivityExecutions["Breaker"]); // the failed step ran again, once
        Assert.Equal(2, engine.ActivityExecutions["Echo"]);
        var history = (await engine.GetRecordAsync(id))!.History;
        Assert.Equal("breaker repaired", history.Single(e => e.Type == HistoryEventType.ExecutionRewound).Data!.Value.GetString());
        Assert.DoesNotContain(history, e => e.Type is HistoryEventType.TaskFailed or HistoryEventType.ExecutionFailed);
        Assert.Equal(3, history.Count(e => e.Type == HistoryEventType.TaskCompleted && e.Name == "Price"));
    }

    [Fact]
    public async Task Rewind_StillBroken_FailsAgain_ThenRewindsAgain()
    {
        await using var h = new EngineHarness(Registry());
        var engine = h.NewEngine();
        var key = NewKey();
        Broken[key] = true;
        var id = (await engine.StartAsync("FanOutThenBreak", key)).InstanceId;
        await engine.WaitForCompletionAsync(id, Timeout);

        await engine.RewindAsync(id, "try again");
        Assert.Equal(RuntimeStatus.Failed, (await engine.WaitForCompletionAsync(id, Timeout)).RuntimeStatus);
        Broken[key] = false;
        await engine.RewindAsync(id, "now fixed");
        Assert.Equal(RuntimeStatus.Completed, (await engine.WaitForCompletionAsync(id, Timeout)).RuntimeStatus);
        Assert.Equal(3, engine.ActivityExecutions["Price"]);
        Assert.Equal(3, engine.ActivityExecutions["Breaker"]); // failed, failed again, succeeded
    }

    [Fact]
    public async Task CatchBlockTookAnotherStep_RewindCutsAtTheFailure_AndCompletes()
    {
        await using var h = new EngineHarness(Registry());
        var engine = h.NewEngine();
        var key = NewKey();
        Broken[key] = true;
        var id = (await engine.StartAsync("CleanupThenFail", key)).InstanceId;
        Assert.Equal(RuntimeStatus.Failed, (await engine.WaitForCompletionAsync(id, Timeout)).RuntimeStatus);
        Assert.Equal(2, engine.ActivityExecutions["Echo"]); // first, cleanup

        Broken[key] = false;
        await engine.RewindAsync(id);
        var state = await engine.WaitForCompletionAsync(id, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"first|fixed:{key}", state.Output!.Value.GetString());
        Assert.Equal(2, engine.ActivityExecutions["Echo"]); // "first" kept, not run again
    }

    [Fact]
    public async Task FailedSubOrchestration_IsRewoundWithItsParent()
    {
        await using var h = new EngineHarness(Registry());
        var engine = h.NewEngine();
        var key = NewKey();
        Broken[key] = true;
        var id = (await engine.StartAsync("ParentOfBreaker", key)).InstanceId;
        Assert.Equal(RuntimeStatus.Failed, (await engine.WaitForCompletionAsync(id, Timeout)).RuntimeStatus);

        Broken[key] = false;
        await engine.RewindAsync(id, "child fixed");
        var state = await engine.WaitForCompletionAsync(id, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"before|fixed:{key}", state.Output!.Value.GetString());
        Assert.Equal(1, engine.ActivityExecutions["Echo"]);
        Assert.Equal(2, engine.ActivityExecutions["Breaker"]);
        var child = (await engine.GetRecordAsync($"{id}:0:1"))!;
        Assert.Equal(RuntimeStatus.Completed, child.RuntimeStatus);
        Assert.Contains(child.History, e => e.Type == HistoryEventType.ExecutionRewound);
    }

    [Fact]
    public async Task RewoundThenKilledBeforeItRan_ResumesOnRestart_AndCompletes()
    {
        await using var h = new EngineHarness(Registry());
        var first = h.NewEngine();
        var key = NewKey();
        Broken[key] = true;
        var id = (await first.StartAsync("FanOutThenBreak", key)).InstanceId;
        await first.WaitForCompletionAsync(id, Timeout);
        first.RunStartedInstances = false; // the rewind is recorded, then the process dies before running it
        Broken[key] = false;
        await first.RewindAsync(id, "fixed");
        Assert.Equal(RuntimeStatus.Running, (await first.GetStateAsync(id))!.RuntimeStatus);
        await first.DisposeAsync();

        var second = h.NewEngine();
        Assert.Equal([id], (await second.ResumeAllAsync()).Resumed);
        var state = await second.WaitForCompletionAsync(id, Timeout);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.False(second.ActivityExecutions.ContainsKey("Price"));
        Assert.Equal(1, second.ActivityExecutions["Breaker"]);
        Assert.Equal(1, second.ActivityExecutions["Echo"]);
    }
}
