using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MLOps.Tests;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Observability.Tests;

/// <summary>
/// The system itself emits the pipeline metrics (not the test): a real orchestration on the embedded runner records
/// one step duration and one span per activity, and one completion per instance with its final status.
/// </summary>
public sealed class WorkflowTelemetryTests
{
    private static async Task<(IHost Host, TelemetryHarness Harness)> StartTelemetryHostAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [TelemetrySettings.ExporterKey] = "none" });
        builder.AddMLOpsTelemetry("mlops-test");
        var harness = new TelemetryHarness();
        harness.Attach(builder);
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return (host, harness);
    }

    /// <summary>
    /// flow: two runs of ok; broken: one run of failing, which throws. Names unique to the call: the instruments are
    /// process-wide and other tests record into them too.
    /// </summary>
    private static (WorkflowRegistry Registry, string Ok, string Failing, string Flow, string Broken) TwoFlows()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        string ok = $"Obs.Ok.{run}", failing = $"Obs.Fails.{run}", flow = $"Obs.Flow.{run}", broken = $"Obs.Broken.{run}";
        return (TwoFlows(ok, failing, flow, broken), ok, failing, flow, broken);
    }

    private static WorkflowRegistry TwoFlows(string ok, string failing, string flow, string broken) => new WorkflowRegistry()
        .AddActivity<int, int>(ok, (_, _, x, _) => Task.FromResult(x + 1))
        .AddActivity<int, int>(failing, (_, _, _, _) => throw new InvalidOperationException("planned failure"))
        .AddOrchestrator<int, int>(flow, async (context, x) =>
            await context.CallActivityAsync<int>(ok, await context.CallActivityAsync<int>(ok, x)))
        .AddOrchestrator<int, int>(broken, (context, x) => context.CallActivityAsync<int>(failing, x));

    [Fact]
    public async Task EmbeddedRun_RecordsStepDurations_Spans_AndTheInstancesEnd()
    {
        var (host, harness) = await StartTelemetryHostAsync();
        using var _ = host;
        var ct = TestContext.Current.CancellationToken;

        var (registry, ok, failing, flow, broken) = TwoFlows();

        await using (var engine = new EmbeddedOrchestrationEngine(TestEnvironment.NewFolderStore("telemetry"), registry, host.Services))
        {
            var completed = await engine.WaitForCompletionAsync((await engine.StartAsync(flow, 1, cancellationToken: ct)).InstanceId, ct);
            var failed = await engine.WaitForCompletionAsync((await engine.StartAsync(broken, 1, cancellationToken: ct)).InstanceId, ct);
            Assert.Equal(RuntimeStatus.Completed, completed.RuntimeStatus);
            Assert.Equal(RuntimeStatus.Failed, failed.RuntimeStatus);
        }
        TelemetryHarness.Flush(host.Services);

        var steps = Assert.Single(harness.Points("mlops.pipeline.step.duration", "step", ok));
        Assert.Equal(2, steps.GetHistogramCount());
        Assert.Equal("ok", TelemetryHarness.Tag(steps, "outcome"));
        Assert.Equal("failed", TelemetryHarness.Tag(Assert.Single(harness.Points("mlops.pipeline.step.duration", "step", failing)), "outcome"));

        Assert.Equal("completed", TelemetryHarness.Tag(Assert.Single(harness.Points("mlops.orchestrations.completed", "name", flow)), "status"));
        var brokenEnd = Assert.Single(harness.Points("mlops.orchestrations.completed", "name", broken));
        Assert.Equal("failed", TelemetryHarness.Tag(brokenEnd, "status"));
        Assert.Equal(1, brokenEnd.GetSumLong());

        Assert.Equal(2, harness.Activities.Count(a => a.DisplayName == $"activity {ok}"));
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Error, Assert.Single(harness.Activities, a => a.DisplayName == $"activity {failing}").Status);
    }

    [Fact]
    public async Task AnInstanceStartedWithoutATrace_RunsItsActivitiesInOneTrace_UnderAnOrchestrationSpan()
    {
        // A schedule (DriftMonitor, Purge) or a resume after a restart starts instances with no request around them: their
        // steps must still be one trace, not one root trace per activity.
        var (host, harness) = await StartTelemetryHostAsync();
        using var _ = host;
        var ct = TestContext.Current.CancellationToken;
        var (registry, ok, failing, flow, broken) = TwoFlows();

        string flowId, brokenId;
        System.Diagnostics.Activity.Current = null; // as a timer's callback: nothing traced around the start
        await using (var engine = new EmbeddedOrchestrationEngine(TestEnvironment.NewFolderStore("telemetry-trace"), registry, host.Services))
        {
            flowId = (await engine.StartAsync(flow, 1, cancellationToken: ct)).InstanceId;
            brokenId = (await engine.StartAsync(broken, 1, cancellationToken: ct)).InstanceId;
            await engine.WaitForCompletionAsync(flowId, ct);
            await engine.WaitForCompletionAsync(brokenId, ct);
        }
        TelemetryHarness.Flush(host.Services);

        var spans = harness.Activities.ToArray();
        var steps = spans.Where(a => a.DisplayName == $"activity {ok}").ToList();
        Assert.Equal(2, steps.Count);
        var orchestration = Assert.Single(spans, a => a.DisplayName == $"orchestration {flow}");
        Assert.Equal(flowId, orchestration.GetTagItem("mlops.instance"));
        Assert.All(steps, s => Assert.Equal((orchestration.TraceId, orchestration.SpanId), (s.TraceId, s.ParentSpanId)));
        var failed = Assert.Single(spans, a => a.DisplayName == $"orchestration {broken}");
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Error, failed.Status);
        Assert.Contains("planned failure", failed.StatusDescription, StringComparison.Ordinal);
        Assert.Equal(failed.TraceId, Assert.Single(spans, a => a.DisplayName == $"activity {failing}").TraceId);
    }
}
