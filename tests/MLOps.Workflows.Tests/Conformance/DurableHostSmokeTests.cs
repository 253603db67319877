using DurableTask.Emulator;
using Microsoft.DurableTask;
using MLOps.Durable;

namespace MLOps.Workflows.Tests.Conformance;

public sealed class DurableHostSmokeTests
{
    [Fact]
    public async Task TaskOrchestrationContext_RunsOnDurableTaskCore_WithReplay()
    {
        var service = new LocalOrchestrationService();
        await using var host = new DurableTaskCoreHost(service, service);
        var activityRuns = 0;
        var bodyRuns = 0;
        host.AddActivity("Echo", (_, input) => { Interlocked.Increment(ref activityRuns); return Task.FromResult<string?>("echo:" + input); });
        host.AddOrchestrator("Hello", async (ctx, input) =>
        {
            bodyRuns++;
            var a = await ctx.CallActivityAsync<string>("Echo", input);
            var b = await ctx.CallActivityAsync<string>("Echo", a);
            return b;
        });
        var id = await host.StartInstanceAsync("Hello", "x");
        var state = await host.WaitForCompletionAsync(id, TimeSpan.FromSeconds(20));
        Assert.Equal("Completed", state.RuntimeStatus);
        Assert.Equal("\"echo:echo:x\"", state.Output);
        Assert.Equal(2, activityRuns);
        Assert.Equal(3, bodyRuns);
    }
}
