using MLOps.Storage;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;
using MLOps.Workflows.Tests.Embedded;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// A run's candidate artifacts and promotion marker go when its history goes: every retrain used to leave its
/// candidates' artifacts in the store for good. A run still waiting (for approval) keeps them.
/// </summary>
public sealed class PipelineScratchTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task Purge_DeletesTheScratchOfRunsThatAreOver_KeepsAWaitingRunsAndWhatIsNotAStepKeys()
    {
        await using var h = new EngineHarness(TestWorkflows.Registry(r => r
            .AddOrchestrator<string, string>("Quick", (_, key) => Task.FromResult(key))
            .AddOrchestrator<string, bool>("Waiting", (context, _) => context.WaitForExternalEvent<bool>("approval", TimeSpan.FromDays(30)))));
        await using var engine = h.NewEngine();
        var done = await engine.StartAsync("Quick", "k");
        await engine.WaitForCompletionAsync(done.InstanceId, Timeout);
        var waiting = await engine.StartAsync("Waiting", "k");
        await engine.WaitUntilQuietAsync(Timeout);
        string[] scratch =
        [
            $"pipeline/candidates/{done.InstanceId}@20250101T000000.000Z_train-0.mlrc",
            $"pipeline/candidates/{done.InstanceId}@20250101T000000.000Z_evaluate-0.prediction.json",
            $"pipeline/promotions/{done.InstanceId}@20250101T000000.000Z_promote.json",
            "pipeline/candidates/purged-long-ago@20240101T000000.000Z_train-1.mlrc",
        ];
        string[] kept = [$"pipeline/candidates/{waiting.InstanceId}@20250101T000000.000Z_train-0.mlrc", "pipeline/candidates/notes.txt"];
        foreach (var path in scratch.Concat(kept)) await h.Store.WriteTextAsync(path, "x");

        // Within the retention (blobs written after the cutoff) nothing goes.
        Assert.Equal(0, await PipelineScratch.PurgeAsync(h.Store, engine, DateTimeOffset.UtcNow.AddDays(-1), Timeout));
        var deleted = await PipelineScratch.PurgeAsync(h.Store, engine, DateTimeOffset.UtcNow.AddDays(1), Timeout);

        Assert.Equal(scratch.Length, deleted);
        var left = (await h.Store.ListAllAsync("pipeline/", Timeout)).Select(b => b.Path).Order(StringComparer.Ordinal);
        Assert.Equal(kept.Order(StringComparer.Ordinal), left);
    }
}
