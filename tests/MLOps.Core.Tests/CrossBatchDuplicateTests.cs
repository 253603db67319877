using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>
/// An event a store already holds, arriving again in another batch (a daily log re-exported with a day more, the same
/// file saved with CRLF line ends), is quarantined as already imported instead of being counted twice.
/// </summary>
public class CrossBatchDuplicateTests
{
    private static EventSource Csv(string path) => EventSources.File(path, "csv", ColumnMap.Default, RatingScale.WholeStars);

    /// <summary>Rows <paramref name="from"/>..<paramref name="to"/> (inclusive) of one log: three users over a few days.</summary>
    private static string Log(int from, int to, string newline = "\n") =>
        "userId,contentId,timestamp,rating" + newline + string.Concat(Enumerable.Range(from, to - from + 1)
            .Select(i => $"u{i % 3},m{i},{1_700_000_000 + i * 20_000},{1 + i % 5}{newline}"));

    private static async Task<string> WriteAsync(string name, string text)
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), name);
        await File.WriteAllTextAsync(file, text, TestContext.Current.CancellationToken);
        return file;
    }

    private static async Task<List<QuarantinedRow>> QuarantineOfAsync(IBlobStore store, string batch)
    {
        var rows = new List<QuarantinedRow>();
        foreach (var blob in await store.ListAllAsync(StoreLayout.Quarantine, TestContext.Current.CancellationToken))
            foreach (var line in (await store.ReadAsync(blob.Path, TestContext.Current.CancellationToken))!.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (JsonSerializer.Deserialize<QuarantinedRow>(line, StoreJson.Options) is { } row && row.Batch == batch) rows.Add(row);
        return rows;
    }

    [Fact]
    public async Task Ingest_AGrownLog_AcceptsOnlyTheNewRows_AndQuarantinesTheRestNamingTheEarlierBatch()
    {
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        var first = await new EventIngestor(store).IngestAsync(Csv(await WriteAsync("monday.csv", Log(1, 50))), cancellationToken: ct);

        var grown = await new EventIngestor(store).IngestAsync(Csv(await WriteAsync("tuesday.csv", Log(1, 80))), cancellationToken: ct);

        Assert.Equal(50, first.Accepted);
        Assert.NotEqual(first.Batch, grown.Batch);
        Assert.Equal((80L, 30L, 50L), (grown.RowsRead, grown.Accepted, grown.Quarantined));
        Assert.Equal(new Dictionary<string, long> { ["eventId:already_imported"] = 50 }, grown.Reasons);
        var quarantined = await QuarantineOfAsync(store, grown.Batch);
        Assert.Equal(Enumerable.Range(2, 50).Select(l => (long)l), quarantined.Select(r => r.Line).Order());
        Assert.All(quarantined, r => Assert.Contains(first.Batch, Assert.Single(r.Reasons).Message));

        var events = await EventLog.ReadAsync(store, cancellationToken: ct).ToListAsync(ct);
        Assert.Equal(80, events.Count);
        Assert.Equal(80, events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public async Task Ingest_TheSameLogWithCrlfLineEnds_AddsNoEvent()
    {
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        await new EventIngestor(store).IngestAsync(Csv(await WriteAsync("log.csv", Log(1, 40))), cancellationToken: ct);

        var copy = await new EventIngestor(store).IngestAsync(Csv(await WriteAsync("log-crlf.csv", Log(1, 40, "\r\n"))), cancellationToken: ct);

        Assert.True(copy.AlreadyImported || (copy.Accepted == 0 && copy.Quarantined == 40), $"accepted {copy.Accepted}, quarantined {copy.Quarantined}");
        Assert.Equal(40, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    [Fact]
    public async Task Ingest_RunAgainAfterACrashBeforeItsManifest_DoesNotTakeItsOwnBlobsForAnEarlierBatch()
    {
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        var file = await WriteAsync("log.csv", Log(1, 60));
        // A small buffer writes several parts per day: the crashed run left parts named <batch>-1, <batch>-2 ... too.
        var crashed = await new EventIngestor(store) { BufferBytes = 512 }.IngestAsync(Csv(file), cancellationToken: ct);
        Assert.True(await store.DeleteAsync(StoreLayout.ImportManifest(crashed.Batch), cancellationToken: ct));

        var again = await new EventIngestor(store) { BufferBytes = 512 }.IngestAsync(Csv(file), cancellationToken: ct);

        Assert.False(again.AlreadyImported);
        Assert.Equal((60L, 0L), (again.Accepted, again.Quarantined));
        Assert.Equal(60, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    [Fact]
    public async Task Ingest_WithoutTheEarlierBatchCheck_AcceptsRowsOtherBatchesHold()
    {
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        await new EventIngestor(store).IngestAsync(Csv(await WriteAsync("a.csv", Log(1, 10))), cancellationToken: ct);

        var unchecked_ = await new EventIngestor(store) { CheckEarlierBatches = false }.IngestAsync(Csv(await WriteAsync("b.csv", Log(1, 12))), cancellationToken: ct);

        Assert.Equal((12L, 0L), (unchecked_.Accepted, unchecked_.Quarantined));
    }

    [Fact]
    public async Task Ingest_ChecksTheDayPartitionsItWritesTo_AnIdOnAnotherDayIsAnotherEvent()
    {
        // An event lives in its own day's partition, so a batch reads only the days it writes to.
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        RawEvent Row(string raw, string timestamp) => new() { Raw = raw, EventId = "e1", UserId = "u", ContentId = "c", Timestamp = timestamp, ViewSeconds = "5" };
        await new EventIngestor(store).IngestAsync(EventSources.Rows("one", [Row("a", "2024-05-01T10:00:00Z")]), cancellationToken: ct);

        var otherDay = await new EventIngestor(store).IngestAsync(EventSources.Rows("two", [Row("b", "2024-05-02T10:00:00Z")]), cancellationToken: ct);
        var sameDay = await new EventIngestor(store).IngestAsync(EventSources.Rows("three", [Row("c", "2024-05-01T11:00:00Z")]), cancellationToken: ct);

        Assert.Equal((1L, 0L), (otherDay.Accepted, otherDay.Quarantined));
        Assert.Equal((0L, 1L), (sameDay.Accepted, sameDay.Quarantined));
        Assert.Equal(new Dictionary<string, long> { ["eventId:already_imported"] = 1 }, sameDay.Reasons);
    }

    /// <summary>
    /// An already-imported row names where its earlier copy is stored, blob and line, as a duplicate names the line it
    /// repeats (before, the message named the batch and the day only; the earlier copy's line in its source file is not
    /// stored, so the stored line is named).
    /// </summary>
    [Fact]
    public async Task Ingest_AnAlreadyImportedRow_NamesTheStoredLineItRepeats()
    {
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        RawEvent Row(string id, string timestamp) => new() { Raw = id, EventId = id, UserId = "u", ContentId = "c", Timestamp = timestamp, ViewSeconds = "5" };
        var first = await new EventIngestor(store).IngestAsync(EventSources.Rows("one",
            [Row("e1", "2024-05-01T10:00:00Z"), Row("e2", "2024-05-01T11:00:00Z"), Row("e3", "2024-05-01T12:00:00Z")]), cancellationToken: ct);

        var again = await new EventIngestor(store).IngestAsync(EventSources.Rows("two", [Row("e3", "2024-05-01T12:00:00Z"), Row("e4", "2024-05-01T13:00:00Z")]), cancellationToken: ct);

        var path = StoreLayout.EventBatch(new DateOnly(2024, 5, 1), first.Batch);
        var message = Assert.Single(Assert.Single(await QuarantineOfAsync(store, again.Batch)).Reasons).Message;
        Assert.Equal($"event id 'e3' was already imported by batch {first.Batch} (day 2024-05-01): line 3 of {path}.", message);
        var storedLine = (await store.ReadAsync(path, ct))!.Data.ToString().Split('\n')[2];
        Assert.Equal("e3", JsonDocument.Parse(storedLine).RootElement.GetProperty("eventId").GetString());
    }
    /// <summary>
    /// Two overlapping imports at the same moment: each would find the other's events absent and store them too. The
    /// import lease runs them one after the other, so the store ends as if they had been run in turn.
    /// </summary>
    [Fact]
    public async Task Ingest_TwoOverlappingImportsAtOnce_StoreEachEventOnce_AndTheSameFileTwiceIsOneImport()
    {
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        var monday = await WriteAsync("monday.csv", Log(1, 300));
        var tuesday = await WriteAsync("tuesday.csv", Log(1, 400));
        var waited = 0;
        EventIngestor Ingestor() => new(store) { BufferBytes = 2048, WaitingForLease = _ => Interlocked.Increment(ref waited) };

        // The test holds the lease until all three imports are under way and waiting for it, so they surely overlap
        // (started one after another on a fast store, each could otherwise finish before the next began).
        var held = await ImportLease.AcquireAsync(store, "test", TimeSpan.FromMinutes(2), cancellationToken: ct);
        var running = new[] { monday, tuesday, tuesday }.Select(file => Task.Run(() => Ingestor().IngestAsync(Csv(file), cancellationToken: ct), ct)).ToArray();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); Volatile.Read(ref waited) < 3 && DateTime.UtcNow < deadline;) await Task.Delay(20, ct);
        Assert.Equal(3, Volatile.Read(ref waited));
        await held.DisposeAsync();
        var results = await Task.WhenAll(running);

        var events = await EventLog.ReadAsync(store, cancellationToken: ct).ToListAsync(ct);
        Assert.Equal(400, events.Count);
        Assert.Equal(400, events.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(400, results.Where(r => !r.AlreadyImported).Sum(r => r.Accepted));
        Assert.Single(results, r => r.AlreadyImported); // the second run of tuesday.csv found the first one's manifest
        Assert.True(waited >= 1, "the imports overlapped: at least one waited for the lease");
        Assert.Null(await store.ReadAsync(ImportLease.Path, ct)); // released
    }
}
