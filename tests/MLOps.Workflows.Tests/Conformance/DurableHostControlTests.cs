using DurableTask.Emulator;
using MLOps.Durable;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// Rewind on the Durable side: neither Microsoft.DurableTask.Client 1.3.0 nor DurableTask.Core 2.17.1 has it, so the
/// adapter refuses a Failed instance with <see cref="NotSupportedException"/> (the HTTP API's 501) after the same state
/// checks as the embedded runner (404 / 409).
/// </summary>
public sealed class DurableHostControlTests
{
    [Fact]
    public async Task Rewind_OnDurableTaskCore_FailedInstanceIsNotSupported_OtherStatesRefusedAsLocally()
    {
        var ct = TestContext.Current.CancellationToken;
        var service = new LocalOrchestrationService();
        await using var host = new DurableTaskCoreHost(service, service);
        host.AddActivity("Boom", (_, _) => throw new InvalidOperationException("boom"));
        host.AddOrchestrator("Fails", async (ctx, input) => await ctx.CallActivityAsync<System.Text.Json.JsonElement?>("Boom", input));
        var start = await host.StartAsync("Fails", "x", cancellationToken: ct);
        Assert.Equal(RuntimeStatus.Failed, (await host.WaitForCompletionAsync(start.InstanceId, ct)).RuntimeStatus);

        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => host.RewindAsync(start.InstanceId, "retry", ct));
        Assert.Contains("1.3.0", refused.Message, StringComparison.Ordinal);
        Assert.Equal(RuntimeStatus.Failed, (await Assert.ThrowsAsync<InstanceStateException>(() => host.SuspendAsync(start.InstanceId, null, ct))).Status);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => host.RewindAsync("no-such-instance", null, ct));

        // The HTTP handler both hosts run: over a Durable client, rewind is a 501 problem saying why.
        var http = (await OrchestrationApi.RewindAsync(start.InstanceId, host, "retry", ct)).Result;
        var problem = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(http);
        Assert.Equal(501, problem.StatusCode);
        Assert.Contains("not available on the Durable engine", problem.ProblemDetails.Detail, StringComparison.Ordinal);
    }
}
