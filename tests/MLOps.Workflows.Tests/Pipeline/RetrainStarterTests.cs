using MLOps.Core;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// While drift persisted and the retrain kept the champion, every hourly DriftMonitor started another retrain on the same
/// events ("snapshot reused: no new events", "kept", a notification each time). A finished retrain with no import
/// committed since it started is not repeated; a new import, a failed last retrain, or none at all start one.
/// </summary>
public sealed class RetrainStarterTests
{
    [Theory]
    [InlineData(null, -60, true)]                          // never retrained
    [InlineData(RuntimeStatus.Completed, 60, false)]      // finished after the last import: nothing new
    [InlineData(RuntimeStatus.Completed, -60, true)]      // an import committed since it started
    [InlineData(RuntimeStatus.Failed, 60, true)]          // the last one failed: try again
    public async Task StartsOnlyWhenThereIsSomethingNewToLearn(RuntimeStatus? last, int lastStartedMinutesAfterImport, bool starts)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("retrain-starter");
        await store.WriteTextAsync(StoreLayout.ImportManifest("b1"), "{}", cancellationToken: ct);
        var imported = (await store.ListAllAsync(StoreLayout.Imports, ct)).Single().LastModified;
        var client = new RetrainClient(last is { } status
            ? new OrchestrationState { InstanceId = OrchestrationNames.RetrainSingletonId, Name = OrchestrationNames.RetrainPipeline, RuntimeStatus = status, CreatedAt = imported.AddMinutes(lastStartedMinutesAfterImport) }
            : null);

        var result = await RetrainStarter.StartAsync(client, store, new RetrainInput { Trigger = "drift" }, ct);

        Assert.Equal(starts, client.Started);
        Assert.Equal(starts, result.SkippedBecause is null);
        if (!starts) Assert.Contains("no import was committed since: it would learn nothing new", result.SkippedBecause);
    }

    private sealed class RetrainClient(OrchestrationState? last) : StartOnlyOrchestrationClient
    {
        public bool Started { get; private set; }

        public override Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default)
        {
            Started = true;
            return Task.FromResult(new StartResult(instanceId!, AlreadyRunning: false));
        }

        public override Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) => Task.FromResult(last);
    }
}
