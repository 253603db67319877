using System.Text;
using MLOps.Core.Data;
using MLOps.Serving.Events;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

public sealed class ConcurrentPostTests
{
    /// <summary>
    /// The same batch posted by several clients at once is stored once, and only one response says it imported it: every
    /// one answered alreadyImported false (and each host appended the events to its in-memory state).
    /// </summary>
    [Fact]
    public async Task IdenticalBatchesPostedAtOnce_OneImports_TheOthersSayAlreadyImported()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("concurrent-posts");
        var body = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Range(0, 800).Select(i =>
            $$"""{"eventId":"c-{{i}}","userId":"u{{i % 40}}","contentId":"m{{i % 90}}","timestamp":"2024-05-{{1 + i % 28:D2}}T10:00:00Z","eventType":"play"}""")) + "]");
        var ingest = new EventIngest(store, TimeProvider.System);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => ingest.IngestAsync(body, 1000, ct))));

        Assert.Single(results, r => !r.Result.AlreadyImported);
        Assert.All(results, r => Assert.Equal(800, r.Result.Accepted));
        Assert.Equal(800, results.Sum(r => r.Accepted.Count)); // only the importer hands its events to serving's state
        Assert.Equal(800, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    /// <summary>
    /// The host learns a POST's batch id before its manifest exists (ModelHost.ExpectPosted), so its data check never sees
    /// its own commit as another's: the id used to be known only from the result, after the commit, and a check that ran
    /// in between reloaded all the data (DataReloadTests failed so on a loaded machine).
    /// </summary>
    [Fact]
    public async Task TheBatchId_IsToldBeforeTheCommit_AndIsTheCommittedOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("posted-batch-id");
        var body = Encoding.UTF8.GetBytes("""[{"eventId":"p-1","userId":"u1","contentId":"m1","timestamp":"2024-05-01T10:00:00Z","eventType":"play"}]""");
        string? told = null;
        var manifestExistedWhenTold = true;

        var (result, _) = await new EventIngest(store, TimeProvider.System).IngestAsync(body, 1000, ct, batch =>
        {
            told = batch;
            manifestExistedWhenTold = store.ReadAsync(MLOps.Core.StoreLayout.ImportManifest(batch), ct).GetAwaiter().GetResult() is not null;
        });

        Assert.Equal(result.Batch, told);
        Assert.False(manifestExistedWhenTold);
        Assert.NotNull(await store.ReadAsync(MLOps.Core.StoreLayout.ImportManifest(result.Batch), ct));
    }
}
