using System.Text.Json;
using DurableTask.Emulator;
using Microsoft.DurableTask;
using MLOps.Durable;
using MLOps.Workflows.Orchestration;

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
        host.AddActivity("Echo", (_, input) =>
        {
            Interlocked.Increment(ref activityRuns);
            return Task.FromResult(WorkflowJson.ToElement("echo:" + input?.GetString()));
        });
        host.AddOrchestrator("Hello", async (ctx, input) =>
        {
            bodyRuns++;
            var a = await ctx.CallActivityAsync<JsonElement?>("Echo", input);
            var b = await ctx.CallActivityAsync<JsonElement?>("Echo", a);
            return b;
        });
        var start = await host.StartAsync("Hello", "x", cancellationToken: TestContext.Current.CancellationToken);
        var state = await host.WaitForCompletionAsync(start.InstanceId, TestContext.Current.CancellationToken);
        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("echo:echo:x", state.Output?.GetString());
        Assert.Equal(2, activityRuns);
        Assert.Equal(3, bodyRuns);
    }
}
