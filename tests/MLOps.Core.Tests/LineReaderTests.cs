using MLOps.Core.Ingest;
using MLOps.Tests;

namespace MLOps.Core.Tests;

public sealed class LineReaderTests
{
    private static List<(string Line, bool Truncated)> Lines(string text, int max = LineReader.DefaultMaxChars)
    {
        var reader = new LineReader(new StringReader(text), max);
        var lines = new List<(string, bool)>();
        while (reader.ReadLine(out var truncated) is { } line) lines.Add((line, truncated));
        return lines;
    }

    [Theory]
    [InlineData("a\nb\n")]
    [InlineData("a\r\nb\r\n")]
    [InlineData("a\rb\r")]
    [InlineData("a\nb")]
    [InlineData("a\r\nb")]
    public void Terminators_AreThoseOfTextReaderReadLine(string text)
    {
        var expected = new List<string>();
        using (var reference = new StringReader(text))
            while (reference.ReadLine() is { } line) expected.Add(line);
        Assert.Equal(expected, Lines(text).Select(l => l.Line));
        Assert.Equal(["a", "b"], expected);
    }

    [Fact]
    public void EmptyLinesAndACrLfSplitAcrossTheBuffer_ReadAsTextReaderDoes()
    {
        // 65 535 characters put the \r of the first line at the buffer's last position and its \n in the next read.
        var first = new string('x', (1 << 16) - 1);
        var text = first + "\r\n\n\r\nlast";
        Assert.Equal([first, "", "", "last"], Lines(text).Select(l => l.Line));
    }

    [Fact]
    public void ALineLongerThanTheLimit_IsCutThereAndFlagged_AndTheNextLineIsIntact()
    {
        var text = new string('a', 250_000) + "\nnext\n";
        var lines = Lines(text, max: 100_000);
        Assert.Equal(2, lines.Count);
        Assert.Equal((new string('a', 100_000), true), lines[0]);
        Assert.Equal(("next", false), lines[1]);
    }

    [Fact]
    public async Task EventsFile_WithAHugeLine_QuarantinesItAndReadsTheRest()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(TestEnvironment.NewTempFolder("events"), "e.csv");
        await File.WriteAllTextAsync(file, "userId,contentId,timestamp\nu1,m1,2024-05-01T00:00:00Z\n" + new string('z', 3_000_000) + "\nu2,m1,2024-05-01T00:00:00Z\n", ct);
        var store = TestEnvironment.NewFolderStore();

        var result = await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.WholeStars), cancellationToken: ct);

        Assert.Equal((3L, 2L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(1, result.Reasons["line:unparseable_line"]);
    }
}
