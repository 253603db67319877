using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>
/// An import killed after some of its blobs, run again: validation depends on the clock (<c>timestamp:in_future</c>) and
/// on what other batches stored meanwhile (<c>eventId:already_imported</c>), so the rerun's parts need not match the
/// killed run's. Every row must end exactly once, accepted or quarantined, and nothing of the killed run may be read
/// before the rerun commits it.
/// </summary>
public class KilledIngestRerunTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private const int PartBytes = 1024; // a handful of events per part

    /// <summary>A store on which the process dies after <paramref name="eventBlobs"/> event blobs: the next one fails and the import stops.</summary>
    private sealed class KilledAfter(IBlobStore inner, int eventBlobs) : DelegatingBlobStore(inner)
    {
        private int _written;

        public override Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default) =>
            path.StartsWith(StoreLayout.Events, StringComparison.Ordinal) && Interlocked.Increment(ref _written) > eventBlobs
                ? throw new IOException("killed")
                : Inner.WriteAsync(path, content, condition, cancellationToken);
    }

    private static EventSource Csv(string path) => EventSources.File(path, "csv", ColumnMap.Default, RatingScale.WholeStars);

    private static async Task<string> WriteAsync(string name, IEnumerable<string> rows)
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), name);
        await File.WriteAllLinesAsync(file, rows.Prepend("eventId,userId,contentId,timestamp,device"), TestContext.Current.CancellationToken);
        return file;
    }

    /// <summary>Rows <paramref name="from"/>..<paramref name="to"/> of a live log, all ten minutes old (one day).</summary>
    private static IEnumerable<string> Recent(int from, int to) =>
        Enumerable.Range(from, to - from + 1).Select(i => $"L{i},u{i % 7},m{i % 11},{(T0 - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds()},tv");

    private static async Task<(List<string> Stored, List<string> Quarantined)> IdsAsync(IBlobStore store)
    {
        var ct = TestContext.Current.CancellationToken;
        var stored = await EventLog.ReadAsync(store, cancellationToken: ct).Select(e => e.EventId).ToListAsync(ct);
        var quarantined = new List<string>();
        foreach (var blob in await store.ListAllAsync(StoreLayout.Quarantine, ct))
            foreach (var line in (await store.ReadAsync(blob.Path, ct))!.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                quarantined.Add(JsonSerializer.Deserialize<QuarantinedRow>(line, StoreJson.Options)!.Raw.Split(',')[0]);
        return (stored, quarantined);
    }

    /// <summary>The reviewer's scenario, small: the first row is 6 minutes ahead (in the future at the first run, valid a minute later).</summary>
    [Fact]
    public async Task Ingest_KilledAfterItsFirstPart_RunAgainAMinuteLater_StoresEveryRowExactlyOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var file = await WriteAsync("live.csv", Recent(0, 199).Prepend($"FUT1,uf,mf,{(T0 + TimeSpan.FromMinutes(6)).ToUnixTimeSeconds()},tv"));
        var clock = new ManualClock(T0);
        await Assert.ThrowsAsync<IOException>(() => new EventIngestor(new KilledAfter(store, 1), clock) { BufferBytes = PartBytes }.IngestAsync(Csv(file), cancellationToken: ct));

        clock.Now = T0 + TimeSpan.FromSeconds(65);
        var rerun = await new EventIngestor(store, clock) { BufferBytes = PartBytes }.IngestAsync(Csv(file), cancellationToken: ct);

        Assert.Equal((201L, 201L, 0L), (rerun.RowsRead, rerun.Accepted, rerun.Quarantined));
        var (stored, quarantined) = await IdsAsync(store);
        Assert.Equal(Recent(0, 199).Select(r => r.Split(',')[0]).Prepend("FUT1").Order(), stored.Order());
        Assert.Empty(quarantined); // the killed run quarantined FUT1: that blob is gone with the verdict
        Assert.Equal(201, (await DataStatistics.ComputeAsync(store, ct)).Events);
    }

    [Fact]
    public async Task AKilledImport_IsReadByNoOne_AndDataStatsListsIt_UntilItIsRunAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await new EventIngestor(store).IngestAsync(Csv(await WriteAsync("committed.csv", Recent(1000, 1009))), cancellationToken: ct);
        var file = await WriteAsync("killed.csv", Recent(0, 99));
        await Assert.ThrowsAsync<IOException>(() => new EventIngestor(new KilledAfter(store, 3), new ManualClock(T0)) { BufferBytes = PartBytes }.IngestAsync(Csv(file), cancellationToken: ct));
        Assert.Equal(4, (await EventLog.ListAllBatchesAsync(store, ct)).Count); // the committed batch's blob and the killed run's three parts

        Assert.Single(await EventLog.ListBatchesAsync(store, ct));
        Assert.Equal(10, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
        var stats = await DataStatistics.ComputeAsync(store, ct);
        Assert.Equal((10L, 1), (stats.Events, stats.EventBlobs));
        Assert.Equal(1, stats.Imports);
        var unfinished = Assert.Single(stats.UnfinishedImports);
        Assert.Equal((Csv(file).BatchId, 3, 1, false), (unfinished.Batch, unfinished.EventBlobs, unfinished.Days, unfinished.Running));
        Assert.True(unfinished.Bytes > 0);
        Assert.Contains("again", unfinished.Hint);

        await new EventIngestor(store, new ManualClock(T0)) { BufferBytes = PartBytes }.IngestAsync(Csv(file), cancellationToken: ct);

        stats = await DataStatistics.ComputeAsync(store, ct);
        Assert.Equal((110L, 2), (stats.Events, stats.Imports));
        Assert.Empty(stats.UnfinishedImports);
        Assert.Empty(await store.ListAllAsync(StoreLayout.UnfinishedImports, ct));
    }

    /// <summary>
    /// Between the kill and the rerun another import stores most of the same events: the rerun quarantines them as already
    /// imported, writes fewer parts than the killed run did, and must delete the ones it no longer writes.
    /// </summary>
    [Fact]
    public async Task Ingest_KilledThenAnOverlappingImportCommits_TheRerunDeletesThePartsItNoLongerWrites()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var grown = await WriteAsync("tuesday.csv", Recent(1, 60));
        await Assert.ThrowsAsync<IOException>(() => new EventIngestor(new KilledAfter(store, 4), new ManualClock(T0)) { BufferBytes = PartBytes }.IngestAsync(Csv(grown), cancellationToken: ct));

        var monday = await new EventIngestor(store, new ManualClock(T0)) { BufferBytes = PartBytes }.IngestAsync(Csv(await WriteAsync("monday.csv", Recent(1, 50))), cancellationToken: ct);
        var rerun = await new EventIngestor(store, new ManualClock(T0)) { BufferBytes = PartBytes }.IngestAsync(Csv(grown), cancellationToken: ct);

        Assert.Equal((50L, 0L), (monday.Accepted, monday.Quarantined)); // the killed run's parts were nobody's events
        Assert.Equal((60L, 10L, 50L), (rerun.RowsRead, rerun.Accepted, rerun.Quarantined));
        var (stored, quarantined) = await IdsAsync(store);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => $"L{i}").Order(), stored.Order());
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"L{i}").Order(), quarantined.Order());
        Assert.Equal(2, (await EventLog.ListAllBatchesAsync(store, ct)).Count(b => StoreLayout.BatchOfBlob(b.Blob.Path) == rerun.Batch)); // 4 before
    }

    /// <summary>
    /// An import refused before it wrote anything (a <c>--map</c> naming no column, a file without a user column) is a usage
    /// error, not a killed import: it must not leave its marker, or <c>data stats</c> lists it under <c>unfinishedImports</c>
    /// with the hint to run it again — which fails the same way, and the corrected command is another batch.
    /// Found running <c>mlops import events FILE --map user=nocol</c>, then <c>mlops data stats</c>.
    /// </summary>
    [Fact]
    public async Task Ingest_RefusedBeforeWritingAnything_LeavesNoUnfinishedImport()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var file = await WriteAsync("events.csv", Recent(1, 5));
        var badMap = EventSources.File(file, "csv", ColumnMap.Parse("user=nocol"), RatingScale.WholeStars);

        await Assert.ThrowsAsync<FormatException>(() => new EventIngestor(store, new ManualClock(T0)).IngestAsync(badMap, cancellationToken: ct));

        Assert.Empty(await store.ListAllAsync(StoreLayout.UnfinishedImports, ct));
        Assert.Empty((await DataStatistics.ComputeAsync(store, ct)).UnfinishedImports);
    }

    /// <summary>A store that records the path of every write and delete.</summary>
    private sealed class Recording(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Changed { get; } = new();

        public override Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
        {
            Changed.Enqueue(path);
            return Inner.WriteAsync(path, content, condition, cancellationToken);
        }

        public override Task<bool> DeleteAsync(string path, BlobETag? ifMatch = null, CancellationToken cancellationToken = default)
        {
            Changed.Enqueue(path);
            return Inner.DeleteAsync(path, ifMatch, cancellationToken);
        }
    }

    /// <summary>
    /// A source refused for its header or map is checked before the import lease and the unfinished marker: it writes
    /// (and deletes) nothing, so no crash at any point of a refused import can leave a marker behind.
    /// </summary>
    [Theory]
    [InlineData("eventId,userId,contentId,timestamp,device", "user=nocol")]
    [InlineData("eventId,viewer,contentId,timestamp,device", "")]
    [InlineData("eventId,user,user_id,contentId,timestamp", "")]
    public async Task Ingest_RefusedForItsHeaderOrMap_WritesNothingAtAll(string header, string map)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new Recording(TestEnvironment.NewFolderStore());
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        await File.WriteAllLinesAsync(file, [header, "e1,u1,m1,2024-05-01T11:50:00Z,tv"], ct);
        var source = EventSources.File(file, "csv", ColumnMap.Parse(map), RatingScale.WholeStars);

        await Assert.ThrowsAsync<FormatException>(() => new EventIngestor(store, new ManualClock(T0)).IngestAsync(source, cancellationToken: ct));

        Assert.Empty(store.Changed);
    }
}
