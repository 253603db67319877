using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using MLOps.Durable;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Embedded;

/// <summary>A failed instance's status says what failed (type and message) and nothing of the code's insides (no stack trace).</summary>
public sealed class FailureStatusTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>"DoomedFlow" calls "Doomed", an activity that always throws.</summary>
    private static EngineHarness DoomedHarness() => new EngineHarness(TestWorkflows.Registry(r => r
        .AddActivity<string, int>("Doomed", (_, _, _, _) => throw new InvalidOperationException("doomed: planned failure"))
        .AddOrchestrator<string, int>("DoomedFlow", (context, key) => context.CallActivityAsync<int>("Doomed", key))));

    [Fact]
    public async Task EmbeddedEngine_FailedInstanceStatus_HasTypeAndMessage_NoStackTrace()
    {
        await using var h = DoomedHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("DoomedFlow", "k");
        await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        var state = (await engine.GetStateAsync(start.InstanceId, Timeout))!;
        Assert.Equal(RuntimeStatus.Failed, state.RuntimeStatus);
        Assert.False(string.IsNullOrEmpty(state.Failure!.ErrorType));
        Assert.Contains("doomed: planned failure", state.Failure.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("stackTrace", JsonSerializer.Serialize(state, JsonSerializerOptions.Web), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The stack trace the status leaves out is in the log: the activity's failure is logged with its exception.</summary>
    [Fact]
    public async Task EmbeddedEngine_ActivityFailure_IsLoggedWithItsStackTrace()
    {
        var logs = new CapturingLoggerProvider();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        await using var h = DoomedHarness();
        await using var engine = new EmbeddedOrchestrationEngine(h.Store, h.Registry, h.Services, h.Time,
            new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20) }, loggers);
        var start = await engine.StartAsync("DoomedFlow", "k");
        await engine.WaitForCompletionAsync(start.InstanceId, Timeout);

        var failure = Assert.Single(logs.Records, r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning && r.Values.ContainsKey("Activity"));
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.False(string.IsNullOrEmpty(failure.Exception.StackTrace));
    }

    /// <summary>The Azure host's status is the Durable client's metadata mapped by the adapter: its FailureDetails carry a stack trace.</summary>
    [Fact]
    public void DurableAdapter_FailedInstanceStatus_HasTypeAndMessage_NoStackTrace()
    {
        var metadata = new OrchestrationMetadata("DoomedFlow", "i1")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Failed,
            FailureDetails = new TaskFailureDetails("System.InvalidOperationException", "doomed: planned failure", "   at Secret.Inside.Code()", null),
        };

        var state = DurableTaskClientAdapter.ToState(metadata);
        Assert.Equal(new FailureDetails("System.InvalidOperationException", "doomed: planned failure"), state.Failure);
        var json = JsonSerializer.Serialize(state, JsonSerializerOptions.Web);
        Assert.Contains("\"errorMessage\":\"doomed: planned failure\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret.Inside", json, StringComparison.Ordinal);
    }
}
