using System.Text;
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

    /// <summary>Lines read from bytes, each with how it ended and the bytes kept for it.</summary>
    private static List<(string Line, bool Truncated, string Terminator, byte[]? Bytes)> ByteLines(byte[] bytes, int max = LineReader.DefaultMaxChars)
    {
        var reader = new LineReader(new MemoryStream(bytes), max);
        var lines = new List<(string, bool, string, byte[]?)>();
        while (reader.ReadLine(out var truncated) is { } line) lines.Add((line, truncated, reader.LastTerminator, reader.LastLineBytes));
        return lines;
    }

    [Theory]
    [InlineData("a\nb\n", "\n", "\n")]
    [InlineData("a\r\nb\r\n", "\r\n", "\r\n")]
    [InlineData("a\rb\r", "\r", "\r")]
    [InlineData("a\nb", "\n", "")]
    [InlineData("a\r\nb", "\r\n", "")]
    public void FromBytes_TheSameLinesAsFromText_AndHowEachEnded(string text, string first, string second)
    {
        Assert.Equal(Lines(text).Select(l => l.Line), ByteLines(Encoding.UTF8.GetBytes(text)).Select(l => l.Line));
        Assert.Equal([first, second], ByteLines(Encoding.UTF8.GetBytes(text)).Select(l => l.Terminator));
        Assert.Equal([first, second], ReadTerminators(new LineReader(new StringReader(text))));
    }

    private static List<string> ReadTerminators(LineReader reader)
    {
        var terminators = new List<string>();
        while (reader.ReadLine(out _) is not null) terminators.Add(reader.LastTerminator);
        return terminators;
    }

    [Fact]
    public void FromBytes_ACrLfSplitAcrossTheBuffer_IsOneTerminator()
    {
        var first = new string('x', (1 << 16) - 1);
        var lines = ByteLines(Encoding.UTF8.GetBytes(first + "\r\n\n\r\nlast"));
        Assert.Equal([first, "", "", "last"], lines.Select(l => l.Line));
        Assert.Equal(["\r\n", "\n", "\r\n", ""], lines.Select(l => l.Terminator));
    }

    [Fact]
    public void FromBytes_ALineThatIsNotUtf8_ReadsAsReplacementCharacters_AndKeepsItsExactBytes()
    {
        byte[] bad = [.. "Jos"u8, 0xE9, .. ",m1"u8];
        var lines = ByteLines([.. "Jos\u00e9,m1\n"u8, .. bad, .. "\nnext"u8]);
        Assert.Equal(["Jos\u00e9,m1", "Jos\uFFFD,m1", "next"], lines.Select(l => l.Line));
        Assert.Equal([null, bad, null], lines.Select(l => l.Bytes));
    }

    [Fact]
    public void FromBytes_ALongLineOverReads_IsCutAtTheCharacterLimit_WithTheBytesUpToTheCut()
    {
        // 2-byte characters over several 64 KiB reads: the limit counts characters, not bytes.
        var lines = ByteLines(Encoding.UTF8.GetBytes(new string('\u00e9', 150_000) + "\u00ff\nnext\n"), max: 100_000);
        Assert.Equal((new string('\u00e9', 100_000), true, (byte[]?)null), (lines[0].Line, lines[0].Truncated, lines[0].Bytes));
        Assert.Equal(("next", false), (lines[1].Line, lines[1].Truncated));

        byte[] invalid = [.. Enumerable.Repeat((byte)0xFF, 400_000)];
        var cut = ByteLines([.. invalid, .. "\nnext"u8], max: 100_000);
        Assert.Equal((new string('\uFFFD', 100_000), true), (cut[0].Line, cut[0].Truncated));
        Assert.Equal(invalid[..100_000], cut[0].Bytes);
        Assert.Equal("next", cut[1].Line);
    }

    [Fact]
    public void FromBytes_AUtf8ByteOrderMarkIsSkipped_AndAUtf16FileIsDecodedAsUtf16()
    {
        Assert.Equal(["a", "b"], ByteLines([0xEF, 0xBB, 0xBF, .. "a\nb"u8]).Select(l => l.Line));
        Assert.Equal(["a\u00e9", "b"], ByteLines([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("a\u00e9\r\nb")]).Select(l => l.Line));
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
