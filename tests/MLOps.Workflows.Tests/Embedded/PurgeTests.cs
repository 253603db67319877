using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Embedded;

namespace MLOps.Workflows.Tests.Embedded;

public sealed class PurgeTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>Slows the release of instance leases: a finished instance's worker is still tidying up for a moment.</summary>
    private sealed class SlowLeaseReleaseStore(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public override async Task<bool> DeleteAsync(string path, BlobETag? ifMatch = null, CancellationToken cancellationToken = default)
        {
            if (path.EndsWith("/lease.json", StringComparison.Ordinal)) await Task.Delay(500, cancellationToken);
            return await base.DeleteAsync(path, ifMatch, cancellationToken);
        }
    }

    /// <summary>
    /// A purge right after a status read said "completed" purged nothing (the worker had not left yet): it waits for
    /// the leaving worker (the flaky `PurgeOrchestration_StartsByName…` API test under load).
    /// </summary>
    [Fact]
    public async Task Purge_RightAfterCompletion_WaitsForTheLeavingWorker()
    {
        await using var h = new EngineHarness();
        await using var engine = new EmbeddedOrchestrationEngine(new SlowLeaseReleaseStore(h.Store), h.Registry, h.Services, h.Time, new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20) });
        var start = await engine.StartAsync("Checkout", new Order("kim", [1]));
        while ((await engine.GetStateAsync(start.InstanceId, Timeout))?.IsFinished != true) await Task.Delay(10, Timeout);

        Assert.Equal(1, await engine.PurgeAsync(h.Time.GetUtcNow().AddSeconds(1), Timeout));
        Assert.Null(await engine.GetStateAsync(start.InstanceId, Timeout));
    }
}
