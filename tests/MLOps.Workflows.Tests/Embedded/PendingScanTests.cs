using System.Collections.Concurrent;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Embedded;

/// <summary>
/// The host's pending scan (every 2 s) read every instance record ever kept: 1,500 finished records cost an idle serve
/// 4.6 s of CPU a minute. It reads the unfinished ones only (<see cref="UnfinishedIndex"/>).
/// </summary>
public sealed class PendingScanTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>Counts the instance records read, by path.</summary>
    private sealed class CountingStore(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public ConcurrentDictionary<string, int> RecordReads { get; } = new(StringComparer.Ordinal);

        public override Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
        {
            if (path.EndsWith("/instance.json", StringComparison.Ordinal)) RecordReads.AddOrUpdate(path, 1, (_, n) => n + 1);
            return base.ReadAsync(path, cancellationToken);
        }
    }

    private static EmbeddedOrchestrationEngine Engine(EngineHarness h, IBlobStore store) =>
        new(store, h.Registry, h.Services, h.Time, new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20), MaxConcurrentActivities = 4 });

    private static async Task<bool> MarkedAsync(IBlobStore store, string id) =>
        await store.ReadAsync($"{UnfinishedIndex.Prefix}{id}.json") is not null;

    [Fact]
    public async Task LaterScans_ReadOnlyUnfinishedInstances_AndPickUpNewStarts()
    {
        await using var h = new EngineHarness();
        var first = h.NewEngine();
        var finished = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var start = await first.StartAsync("Checkout", new Order($"c{i}", [1]));
            await first.WaitForCompletionAsync(start.InstanceId, Timeout);
            finished.Add(start.InstanceId);
        }
        await first.DisposeAsync();

        var counting = new CountingStore(h.Store);
        await using var host = Engine(h, counting);
        await host.ResumeAllAsync(Timeout); // the first scan of a process reads everything once
        counting.RecordReads.Clear();

        var starter = h.NewEngine();
        starter.RunStartedInstances = false; // as `pipeline run` without --wait: recorded only
        var pending = await starter.StartAsync("Checkout", new Order("late", [2]));
        var report = await host.ResumeAllAsync(Timeout);

        Assert.Equal([pending.InstanceId], report.Resumed);
        Assert.All(finished, id => Assert.False(counting.RecordReads.ContainsKey(EmbeddedOrchestrationEngine.InstancePath(id)), $"{id} was read"));
        Assert.Equal(RuntimeStatus.Completed, (await host.WaitForCompletionAsync(pending.InstanceId, Timeout)).RuntimeStatus);
        Assert.False(await MarkedAsync(h.Store, pending.InstanceId)); // cleared when it finished
    }

    [Fact]
    public async Task AStoreWrittenBeforeTheIndex_IsIndexedByTheFirstScan()
    {
        await using var h = new EngineHarness();
        var starter = h.NewEngine();
        starter.RunStartedInstances = false;
        var start = await starter.StartAsync("Checkout", new Order("old", [3]));
        await h.Store.DeleteAsync($"{UnfinishedIndex.Prefix}{start.InstanceId}.json"); // as an older build left it

        var host = h.NewEngine();
        Assert.Equal([start.InstanceId], (await host.ResumeAllAsync(Timeout)).Resumed);
        await host.WaitForCompletionAsync(start.InstanceId, Timeout);
        Assert.False(await MarkedAsync(h.Store, start.InstanceId));

        var again = await starter.StartAsync("Checkout", new Order("old", [3]), start.InstanceId); // a restart of the finished id
        Assert.True(await MarkedAsync(h.Store, again.InstanceId));
        Assert.Equal([again.InstanceId], (await host.ResumeAllAsync(Timeout)).Resumed); // a later scan: the index alone
    }

    [Fact]
    public async Task AStaleMarker_OfAFinishedOrPurgedInstance_IsClearedByTheNextScan()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var start = await engine.StartAsync("Checkout", new Order("x", [1]));
        await engine.WaitForCompletionAsync(start.InstanceId, Timeout);
        var index = new UnfinishedIndex(h.Store);
        await index.MarkAsync(start.InstanceId, Timeout); // a crash between the last checkpoint and the clear
        await index.MarkAsync("gone-1", Timeout); // and one whose instance was purged

        await engine.ResumeAllAsync(Timeout); // first scan: full listing
        var report = await engine.ResumeAllAsync(Timeout);

        Assert.Empty(report.Resumed);
        Assert.Empty(await index.ListAsync(Timeout));
    }

    /// <summary>A restart marks the instance again between a clearer's read of the marker and its delete: the marker stays.</summary>
    [Fact]
    public async Task Clear_OfAMarkerRewrittenSinceItWasRead_KeepsIt()
    {
        await using var h = new EngineHarness();
        var index = new UnfinishedIndex(h.Store);
        await index.MarkAsync("job-1", Timeout);
        var seen = (await index.VersionAsync("job-1", Timeout))!.Value;
        await index.MarkAsync("job-1", Timeout); // the restart's second mark

        Assert.False(await index.ClearIfFinishedAsync("job-1", seen, () => Task.FromResult(true), Timeout));
        Assert.Equal(["job-1"], (await index.ListAsync(Timeout)).Select(m => m.Id));
        Assert.False(await index.ClearIfFinishedAsync("job-1", (await index.VersionAsync("job-1", Timeout))!.Value, () => Task.FromResult(false), Timeout));
        Assert.True(await index.ClearIfFinishedAsync("job-1", (await index.VersionAsync("job-1", Timeout))!.Value, () => Task.FromResult(true), Timeout));
        Assert.Empty(await index.ListAsync(Timeout));
    }

    /// <summary>`pipeline resume` beside a serve that runs an instance counted it as resumed (the worker then found the lease held).</summary>
    [Fact]
    public async Task AnInstanceAnotherLiveEngineRuns_IsReportedAsRunningElsewhere_NotResumed()
    {
        await using var h = new EngineHarness();
        var holder = h.NewEngine();
        var start = await holder.StartAsync("Checkout", new Order("eve", [50, 60])); // waits for approval, lease held
        await holder.WaitUntilQuietAsync(Timeout);

        var other = h.NewEngine();
        var report = await other.ResumeAllAsync(Timeout);

        Assert.Empty(report.Resumed);
        Assert.Equal([new HeldInstance(start.InstanceId, $"{Environment.MachineName} pid {Environment.ProcessId}")], report.RunningElsewhere);
        await holder.DisposeAsync();
        Assert.Equal([start.InstanceId], (await other.ResumeAllAsync(Timeout)).Resumed); // the holder went away: taken over
    }
}
