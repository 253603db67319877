using System.Text;
using System.Text.Json;
using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>
/// A quarantined row can be recovered as it was in the file: bytes that are not UTF-8 (which the text shows as U+FFFD)
/// are kept beside the text as <c>rawBase64</c>, and a record spanning CRLF lines keeps its \r.
/// Read as plain JSON, as a consumer of <c>quarantine/</c> would.
/// </summary>
public sealed class QuarantineRawBytesTests
{
    private static readonly byte[] Latin1Rows = [.. "userId,contentId,timestamp\nJos"u8, 0xE9, .. ",m1,1700000000\nJos"u8, 0xEB, .. ",m1,1700000000\n"u8];

    private static async Task<List<JsonElement>> QuarantineAsync(IBlobStore store, string batch)
    {
        var text = (await store.ReadAsync($"quarantine/{batch}.ndjson", TestContext.Current.CancellationToken))!.Data.ToString();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    private static string FileOf(string name, byte[] bytes)
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("raw-bytes"), name);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    private static byte[]? RawBytes(JsonElement row) => row.TryGetProperty("rawBase64", out var b) ? b.GetBytesFromBase64() : null;

    [Theory]
    [InlineData("csv")]
    [InlineData("ndjson")]
    public async Task Events_RowsWhoseBytesAreNotUtf8_KeepTheirExactBytes_SoTwoDifferentRowsStayApart(string format)
    {
        var ct = TestContext.Current.CancellationToken;
        var bytes = format == "csv" ? Latin1Rows
            : [.. "{\"userId\":\"Jos"u8, 0xE9, .. "\",\"contentId\":\"m1\",\"timestamp\":1700000000}\n{\"userId\":\"Jos"u8, 0xEB, .. "\",\"contentId\":\"m1\",\"timestamp\":1700000000}\n"u8];
        var store = TestEnvironment.NewFolderStore();

        var result = await new EventIngestor(store).IngestAsync(EventSources.File(FileOf("e." + format, bytes), format, ColumnMap.Default, RatingScale.WholeStars), cancellationToken: ct);

        Assert.Equal((2L, 0L, 2L), (result.RowsRead, result.Accepted, result.Quarantined));
        var rows = await QuarantineAsync(store, result.Batch);
        var lines = SplitLines(bytes).Skip(format == "csv" ? 1 : 0).ToList();
        Assert.Equal(lines[0], RawBytes(rows[0]));
        Assert.Equal(lines[1], RawBytes(rows[1]));
        Assert.Equal(rows[0].GetProperty("raw").GetString(), rows[1].GetProperty("raw").GetString()); // the text alone cannot tell them apart
    }

    [Fact]
    public async Task Events_AQuarantinedRowThatIsValidUtf8_HasNoRawBase64_ItsTextIsTheRow()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var file = FileOf("e.csv", Encoding.UTF8.GetBytes("userId,contentId,timestamp\nJosé,m1,not-a-time\n"));

        var result = await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.WholeStars), cancellationToken: ct);

        var row = Assert.Single(await QuarantineAsync(store, result.Batch));
        Assert.Equal("José,m1,not-a-time", row.GetProperty("raw").GetString());
        Assert.False(row.TryGetProperty("rawBase64", out _));
    }

    [Fact]
    public async Task Catalog_ARecordSpanningCrlfLines_IsQuarantinedAsWritten_WhileAcceptedDescriptionsReadLineBreaksAsLf()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var bad = "m1,Heat,\"A heist.\r\nIn LA.\",never";
        var file = FileOf("c.csv", Encoding.UTF8.GetBytes($"contentId,title,description,releaseDate\r\n{bad}\r\nm2,Up,\"Balloons.\r\nLots.\",2009\r\n"));

        var result = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(file), ct);

        Assert.Equal((2L, 1L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        var row = Assert.Single(await QuarantineAsync(store, result.Batch));
        Assert.Equal(bad, row.GetProperty("raw").GetString());
        Assert.False(row.TryGetProperty("rawBase64", out _));
        Assert.Equal("Balloons.\nLots.", Assert.Single(await MLOps.Core.Data.CatalogStore.ReadAsync(store, ct)).Description);
    }

    [Fact]
    public async Task Catalog_ARecordSpanningLinesWithBytesThatAreNotUtf8_KeepsTheWholeRecordsBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        byte[] record = [.. "m1,Caf"u8, 0xE9, .. ",\"Two\r\nlines.\",never"u8];
        var file = FileOf("c.csv", [.. "contentId,title,description,releaseDate\r\n"u8, .. record, .. "\r\n"u8]);

        var result = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(file), ct);

        var row = Assert.Single(await QuarantineAsync(store, result.Batch));
        Assert.Equal(record, RawBytes(row));
        Assert.Equal("m1,Caf\uFFFD,\"Two\r\nlines.\",never", row.GetProperty("raw").GetString());
    }

    [Fact]
    public async Task Catalog_AnNdjsonLineWithBytesThatAreNotUtf8_KeepsItsBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        byte[] line = [.. "{\"contentId\":\"m"u8, 0xFF, .. "\",\"title\":\"Heat\"}"u8];
        var file = FileOf("c.ndjson", [.. line, .. "\n"u8]);

        var result = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(file), ct);

        Assert.Equal(line, RawBytes(Assert.Single(await QuarantineAsync(store, result.Batch))));
    }

    private static IEnumerable<byte[]> SplitLines(byte[] bytes)
    {
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] == '\n')
            {
                yield return bytes[start..i];
                start = i + 1;
            }
    }
}
