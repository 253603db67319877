using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

public class IngestTests
{
    private static EventSource Csv(string path) => EventSources.File(path, "csv", ColumnMap.Default, RatingScale.WholeStars);

    [Fact]
    public async Task Ingest_1000RowsWith100BrokenIn10Ways_Accepts900AndQuarantines100WithReasons()
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        var expected = BadInputFixture.Write(file);

        var result = await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1000, result.RowsRead);
        Assert.Equal(900, result.Accepted);
        Assert.Equal(100, result.Quarantined);
        Assert.Equal(10, expected.Count);
        Assert.Equal(expected.OrderBy(p => p.Key), result.Reasons.OrderBy(p => p.Key));

        // Every quarantined row carries its line, raw text and the expected reason.
        var quarantined = new List<QuarantinedRow>();
        foreach (var blob in await store.ListAllAsync(StoreLayout.Quarantine, TestContext.Current.CancellationToken))
            foreach (var line in (await store.ReadAsync(blob.Path, TestContext.Current.CancellationToken))!.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                quarantined.Add(JsonSerializer.Deserialize<QuarantinedRow>(line, StoreJson.Options)!);
        Assert.Equal(100, quarantined.Count);
        var lines = File.ReadAllLines(file);
        foreach (var row in quarantined)
        {
            Assert.Equal(lines[row.Line - 1], row.Raw);
            // Line 1 is the header; each block of 100 rows ends with the 10 broken ones, in BadInputFixture.Broken order.
            var index = (int)row.Line - 2;
            Assert.True(index % 100 >= 90, $"line {row.Line} is a good row but was quarantined: {row.Raw}");
            var (template, reason) = BadInputFixture.Broken(index / 100)[index % 100 - 90];
            Assert.Equal(template, row.Raw);
            Assert.Equal([reason], row.Reasons.Select(r => r.Key));
        }

        var events = await EventLog.ReadAsync(store, cancellationToken: TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(900, events.Count);
        Assert.Equal(900, events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public async Task Ingest_OnAzurite_SameCountsAndNoOpReimport()
    {
        var store = TestEnvironment.NewAzuriteStore();
        if (store is null) Assert.Skip("Azurite is not running (tests/run.sh starts it): skipping the Azurite ingest test.");
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        BadInputFixture.Write(file);
        var ct = TestContext.Current.CancellationToken;

        var first = await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: ct);
        var second = await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: ct);

        Assert.Equal((900L, 100L), (first.Accepted, first.Quarantined));
        Assert.True(second.AlreadyImported);
        Assert.Equal(900, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    [Fact]
    public async Task Ingest_SameFileTwice_SecondIsNoOp()
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        BadInputFixture.Write(file);
        var ct = TestContext.Current.CancellationToken;

        var first = await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: ct);
        var before = (await store.ListAllAsync("", ct)).Select(b => (b.Path, b.ETag)).ToList();
        var second = await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: ct);
        var after = (await store.ListAllAsync("", ct)).Select(b => (b.Path, b.ETag)).ToList();

        Assert.False(first.AlreadyImported);
        Assert.True(second.AlreadyImported);
        Assert.Equal(first.Batch, second.Batch);
        Assert.Equal((first.Accepted, first.Quarantined), (second.Accepted, second.Quarantined));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Ingest_TheSameFileUnderAnotherName_IsTheSameBatch()
    {
        var store = TestEnvironment.NewFolderStore();
        var folder = TestEnvironment.NewTempFolder("input");
        var file = Path.Combine(folder, "events.csv");
        BadInputFixture.Write(file);
        var copy = Path.Combine(folder, "events-copy.csv");
        File.Copy(file, copy);
        var ct = TestContext.Current.CancellationToken;

        var first = await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: ct);
        var second = await new EventIngestor(store).IngestAsync(Csv(copy), cancellationToken: ct);

        Assert.True(second.AlreadyImported);
        Assert.Equal(first.Batch, second.Batch);
        Assert.Equal(900, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    [Fact]
    public async Task Ingest_AFileAnOlderBuildImported_UnderItsNameHashedId_IsNotImportedAgain()
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        BadInputFixture.Write(file);
        var ct = TestContext.Current.CancellationToken;
        var source = Csv(file);
        var earlier = Assert.Single(source.EarlierBatchIds);
        Assert.NotEqual(source.BatchId, earlier);
        // As an older build left it: the same import under the id that hashed the file's name.
        var first = await new EventIngestor(store).IngestAsync(new RenamedBatch(Csv(file), earlier), cancellationToken: ct);

        var again = await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: ct);

        Assert.True(again.AlreadyImported);
        Assert.Equal(first.Batch, again.Batch);
        Assert.Equal(900, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    /// <summary>
    /// The earlier id is the one builds before 2026-12-06 gave a file (they hashed its name): pinned for a fixed file, so a
    /// change to the descriptor or the hashing cannot silently stop old imports from being recognised.
    /// </summary>
    [Fact]
    public async Task EarlierBatchId_IsTheIdOlderBuildsGave()
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        await File.WriteAllTextAsync(file, "userId,contentId,timestamp\nu1,m1,1700000000\n", TestContext.Current.CancellationToken);
        Assert.Equal(PinnedEarlierId, Assert.Single(Csv(file).EarlierBatchIds));
    }

    private const string PinnedEarlierId = "853c000856721f930f265ce4"; // `mlops import events` of this file at 7c532b4

    private sealed class RenamedBatch(EventSource inner, string batchId) : EventSource
    {
        public override string Name => inner.Name;
        public override string BatchId => batchId;
        public override RatingScale Scale => inner.Scale;
        public override IEnumerable<RawEvent> ReadRows(CancellationToken cancellationToken) => inner.ReadRows(cancellationToken);
    }

    [Fact]
    public async Task Ingest_SmallBuffer_SplitsDaysIntoPartsWithoutLosingRows()
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        BadInputFixture.Write(file);
        var ct = TestContext.Current.CancellationToken;

        var result = await new EventIngestor(store) { BufferBytes = 4096 }.IngestAsync(Csv(file), cancellationToken: ct);

        var batches = await EventLog.ListBatchesAsync(store, ct);
        Assert.True(batches.Count > result.Days, "expected several parts per day");
        Assert.All(batches, b => Assert.StartsWith($"{StoreLayout.EventPartition(b.Day)}{result.Batch}", b.Blob.Path));
        var events = await EventLog.ReadAsync(store, cancellationToken: ct).ToListAsync(ct);
        Assert.Equal(900, events.Count);
    }

    [Fact]
    public async Task Ingest_EventsLandInTheirUtcDayPartition()
    {
        var store = TestEnvironment.NewFolderStore();
        var rows = new List<RawEvent>
        {
            new() { Raw = "a", UserId = "u", ContentId = "c1", Timestamp = "2024-05-01T23:59:59Z", ViewSeconds = "10" },
            new() { Raw = "b", UserId = "u", ContentId = "c2", Timestamp = "2024-05-02T00:00:00+01:00", ViewSeconds = "10" },
            new() { Raw = "c", UserId = "u", ContentId = "c3", Timestamp = "2024-05-02T00:00:00Z", ViewSeconds = "10" },
        };
        var ct = TestContext.Current.CancellationToken;
        var result = await new EventIngestor(store).IngestAsync(EventSources.Rows("test", rows), cancellationToken: ct);

        Assert.Equal(3, result.Accepted);
        var day1 = await EventLog.ReadAsync(store, new DateOnly(2024, 5, 1), new DateOnly(2024, 5, 2), ct).ToListAsync(ct);
        Assert.Equal(["c1", "c2"], day1.Select(e => e.ContentId).Order());
    }

    [Fact]
    public async Task Ndjson_AnEscapedLoneSurrogate_QuarantinesItsRow_TheImportGoesOn()
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.ndjson");
        await File.WriteAllTextAsync(file, """
            {"userId":"u1","contentId":"m1","timestamp":1700000000}
            {"userId":"\ud800","contentId":"m1","timestamp":1700000001}
            {"userId":"u2","contentId":"m2","timestamp":1700000002,"country":"\udc00"}
            {"userId":"u3","contentId":"m3","timestamp":1700000003}
            """, TestContext.Current.CancellationToken);

        var result = await new EventIngestor(TestEnvironment.NewFolderStore()).IngestAsync(
            EventSources.File(file, "ndjson", ColumnMap.Default, RatingScale.Default), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((4L, 2L, 2L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(new Dictionary<string, long> { ["country:invalid"] = 1, ["userId:invalid"] = 1 }, result.Reasons);
    }

    /// <summary>
    /// A date and a time in two columns both read as timestamp: the time was silently dropped (and two plays of a title on
    /// one day became duplicates). Two columns of one field are a usage error that says how to choose.
    /// </summary>
    [Theory]
    [InlineData("user,item,date,time,rating", "columns 'date' and 'time' both read as timestamp; choose one with --map timestamp=COLUMN (a date and a time in two columns", "timestamp=date")]
    [InlineData("user,userId,contentId,timestamp,x", "columns 'user' and 'userId' both read as userId; choose one with --map userId=COLUMN.", "userId=user")]
    public void Csv_TwoColumnsOfOneField_IsAUsageError_NamingBoth(string header, string message, string map)
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        File.WriteAllText(file, header + "\nu1,m1,2023-11-14,22:13:20,4\n");
        var error = Assert.Throws<FormatException>(() => Csv(file).ReadRows(TestContext.Current.CancellationToken).ToList());
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        // --map resolves it: the other column is not read.
        var mapped = EventSources.File(file, "csv", ColumnMap.Parse(map), RatingScale.WholeStars).ReadRows(TestContext.Current.CancellationToken).ToList();
        Assert.Single(mapped);
    }

    /// <summary>
    /// A CSV read with a header that has no line at all (zero bytes, or blank lines only) is a failed export, not a day
    /// without events: it was stored as an empty batch, exit 0, "0 rows". Refused like a bad header, it writes nothing.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("\n\r\n\n")]
    public async Task Csv_AnEmptyFile_IsRefusedForItsMissingHeader_AndWritesNothing(string content)
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        File.WriteAllText(file, content);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("the file is empty: no header row", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAllAsync("", TestContext.Current.CancellationToken));
        // A header with no rows is an export of no events: still 0 rows, not an error.
        File.WriteAllText(file, "userId,contentId,timestamp\n");
        Assert.Equal(0, (await new EventIngestor(store).IngestAsync(Csv(file), cancellationToken: TestContext.Current.CancellationToken)).RowsRead);
    }

    /// <summary>A file without a header read as if it had one: its first row is taken as the header; the error says so.</summary>
    [Fact]
    public void Csv_AHeaderHoldingANumber_IsRefused_WithAHintThatTheFirstLineIsARow()
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        File.WriteAllText(file, "u9,m1,1700000000,4\nu8,m2,1700000001,3\n");
        var error = Assert.Throws<FormatException>(() => Csv(file).CheckColumns());
        Assert.Equal("no user column: name it userId (or user_id, user) or map it with --map user=COLUMN. The header holds '1700000000', a number: "
            + "if the first line is a row, the file has no header: use --no-header and --map user=0,item=1,timestamp=2 (0-based columns).", error.Message);
    }

    /// <summary>
    /// The store's own event shape re-imports unchanged: an exposure's "score" and "model" were read as a rating of the
    /// score (and the model dropped), so exported events came back corrupted.
    /// </summary>
    [Fact]
    public async Task Ndjson_TheStoredExposureShape_ReimportsUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var stored = new ViewingEvent
        {
            EventId = "x1", UserId = "u1", ContentId = "m1", Timestamp = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero),
            EventType = EventType.Exposure, Experiment = "home", Variant = "b", Score = 0.83, Model = "recommender v3",
        };
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.ndjson");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) EventIngestor.WriteEvent(writer, stored);
        await File.WriteAllBytesAsync(file, [.. buffer.WrittenSpan, (byte)'\n'], ct);
        var store = TestEnvironment.NewFolderStore();

        var result = await new EventIngestor(store).IngestAsync(EventSources.File(file, "ndjson", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);

        Assert.Equal(1, result.Accepted);
        var reimported = Assert.Single(await EventLog.ReadAsync(store, cancellationToken: ct).ToListAsync(ct));
        Assert.Equal(stored, reimported);
    }

    /// <summary>
    /// A JSON row that gives a field twice with different values (two aliases, or a repeated property) is quarantined as
    /// ambiguous: CSV kept the first, NDJSON the last, so one record became two users. The same value twice is fine.
    /// </summary>
    [Fact]
    public async Task Ndjson_AFieldGivenTwiceWithDifferentValues_IsQuarantinedAsAmbiguous()
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.ndjson");
        await File.WriteAllTextAsync(file, """
            {"user":"A","userId":"B","contentId":"m1","timestamp":1700000000}
            {"userId":"u1","contentId":"m1","timestamp":1700000000,"rating":4,"rating":2}
            {"user":"u2","userId":"u2","contentId":"m2","timestamp":1700000002}
            """, TestContext.Current.CancellationToken);

        var store = TestEnvironment.NewFolderStore();
        var result = await new EventIngestor(store).IngestAsync(
            EventSources.File(file, "ndjson", ColumnMap.Default, RatingScale.Default), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((3L, 1L, 2L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(new Dictionary<string, long> { ["rating:ambiguous"] = 1, ["userId:ambiguous"] = 1 }, result.Reasons);
        var row = EventSources.File(file, "ndjson", ColumnMap.Default, RatingScale.Default).ReadRows(TestContext.Current.CancellationToken).First();
        var problems = new List<RowProblem>();
        Assert.Null(new EventValidator(new ValidationOptions(), DateTimeOffset.UtcNow).Validate(row, problems));
        Assert.Equal("userId is given twice with different values ('A', then 'B' from property 'userId'); send it once.", Assert.Single(problems).Message);
    }

    [Fact]
    public void Validator_AJsonObjectWhereTextBelongs_IsShownAsItsJson_NotWithTheInternalMarker()
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.ndjson");
        File.WriteAllText(file, "{\"userId\":\"u1\",\"contentId\":\"m1\",\"timestamp\":{\"at\":1}}\n");
        var row = EventSources.File(file, "ndjson", ColumnMap.Default, RatingScale.Default).ReadRows(TestContext.Current.CancellationToken).Single();
        var problems = new List<RowProblem>();

        Assert.Null(new EventValidator(new ValidationOptions(), DateTimeOffset.UtcNow).Validate(row, problems));

        var problem = Assert.Single(problems);
        Assert.Equal("timestamp:unparseable", problem.Key);
        Assert.Equal("'{\"at\":1}' is neither unix seconds nor ISO 8601.", problem.Message);
    }

    [Fact]
    public void StoredEventJson_MatchesSerializerShape()
    {
        var e = new ViewingEvent
        {
            EventId = "e1", UserId = "u", ContentId = "c", Timestamp = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero),
            EventType = EventType.Rate, ViewSeconds = 12.5, Rating = 4, RatingScaleMax = 5, Device = "tv", Country = "US",
        };
        // An exposure as serving logs it: experiment, variant, the model's score and the serving model.
        var exposure = e with { EventType = EventType.Exposure, Rating = null, RatingScaleMax = null, Experiment = "home", Variant = "b", Score = 0.123456, Model = "recommender v3" };
        foreach (var ev in new[] { e, exposure })
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer)) EventIngestor.WriteEvent(w, ev);
            Assert.Equal(JsonSerializer.Serialize(ev, StoreJson.Options), System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        }
    }
}
