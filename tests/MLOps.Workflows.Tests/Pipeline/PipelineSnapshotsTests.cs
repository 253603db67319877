using System.Text.Json;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;
using MLOps.Workflows.Tests.Embedded;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// The event-set snapshot records (<c>pipeline/snapshots/</c>) go with the purge when nothing kept names them: every other
/// pipeline record was purged with the runs' histories, these stayed for good (one per distinct event set).
/// </summary>
public sealed class PipelineSnapshotsTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task Purge_DeletesOldRecordsNoKeptRunNorModelNames_KeepsTheOthers()
    {
        await using var h = new EngineHarness(TestWorkflows.Registry(r => r
            .AddOrchestrator<string, JsonElement>("Finished", (_, _) => Task.FromResult(JsonSerializer.SerializeToElement(new { snapshot = new { snapshotId = "ev-finished" } })))
            .AddOrchestrator<string, bool>("Waiting", (context, _) =>
            {
                context.SetCustomStatus(new PipelineStatus(RetrainPipeline.AwaitingApprovalStep, 5, 8, "waiting", Snapshot: "ev-waiting"));
                return context.WaitForExternalEvent<bool>(RetrainPipeline.ApprovalEvent, TimeSpan.FromDays(30));
            })));
        await using var engine = h.NewEngine();
        var finished = await engine.StartAsync("Finished", "k");
        await engine.WaitForCompletionAsync(finished.InstanceId, Timeout);
        await engine.StartAsync("Waiting", "k");
        await engine.WaitUntilQuietAsync(Timeout);
        await new ModelRegistry(h.Store).RegisterAsync("recs", new ModelVersionDraft { Type = "ease", TrainingSnapshotId = "ev-model" },
            new Dictionary<string, BinaryData> { ["m.bin"] = BinaryData.FromString("x") }, Timeout);
        string[] gone = ["ev-finished", "ev-orphan"];
        string[] kept = ["ev-waiting", "ev-model"];
        foreach (var id in gone.Concat(kept)) await h.Store.WriteTextAsync(PipelineSnapshots.PathOf(id), "{}");

        // Within the retention (records written after the cutoff) nothing goes.
        await RunPurge.PurgeAsync(h.Store, engine, DateTimeOffset.UtcNow.AddDays(-1), Timeout);
        Assert.Equal(4, (await h.Store.ListAllAsync(PipelineSnapshots.Folder, Timeout)).Count);

        // Past it: the finished run's history goes with this purge, so its snapshot is named by nothing kept.
        await RunPurge.PurgeAsync(h.Store, engine, DateTimeOffset.UtcNow.AddDays(1), Timeout);

        var left = (await h.Store.ListAllAsync(PipelineSnapshots.Folder, Timeout)).Select(b => b.Path).Order(StringComparer.Ordinal);
        Assert.Equal(kept.Select(PipelineSnapshots.PathOf).Order(StringComparer.Ordinal), left);
    }

    /// <summary>A run names its snapshot in its custom status once refreshed; a finished run of before that, in its output.</summary>
    [Theory]
    [InlineData("""{"step":"train","done":2,"total":8,"detail":"x","snapshot":"ev-a"}""", null, "ev-a")]
    [InlineData("""{"step":"done","done":8,"total":8,"detail":"x"}""", """{"snapshot":{"snapshotId":"ev-b","events":3}}""", "ev-b")]
    [InlineData("""{"step":"refresh-features","done":0,"total":8,"detail":"x"}""", null, null)]
    public void SnapshotOf_StatusThenOutput(string status, string? output, string? expected)
    {
        var state = new OrchestrationState
        {
            InstanceId = "i", Name = "RetrainPipeline", RuntimeStatus = RuntimeStatus.Running,
            CustomStatus = JsonDocument.Parse(status).RootElement, Output = output is null ? null : JsonDocument.Parse(output).RootElement,
        };

        Assert.Equal(expected, PipelineSnapshots.SnapshotOf(state));
    }
}
