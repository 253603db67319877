using System.Text;

namespace MLOps.Core.Ingest;

/// <summary>
/// Lines of a text (terminated by \n, \r\n or \r, as <see cref="TextReader.ReadLine"/>), each at most
/// <see cref="MaxChars"/> characters: a longer line is cut there and flagged, and the rest of it is skipped without being
/// held. A file that is one huge line (a JSON array saved as .json, a file with no line breaks) then becomes one
/// quarantined row instead of an out-of-memory failure.
/// Read from a <see cref="Stream"/>, the text is UTF-8 split on bytes, so a line that does not decode faithfully keeps its
/// exact bytes (<see cref="LastLineBytes"/>) for quarantine; read from a <see cref="TextReader"/>, the text is already decoded.
/// </summary>
public sealed class LineReader
{
    public const int DefaultMaxChars = 1 << 20;

    private readonly ILineSource _lines;

    /// <summary>Lines of text someone else decoded (Latin-1 files, strings): there are no bytes to keep.</summary>
    public LineReader(TextReader reader, int maxChars = DefaultMaxChars)
    {
        _lines = new TextLines(reader, maxChars);
        MaxChars = maxChars;
    }

    /// <summary>
    /// Lines of a UTF-8 stream (a UTF-8 byte-order mark is skipped). A stream that starts with a UTF-16 or UTF-32
    /// byte-order mark is decoded as such, as <see cref="StreamReader"/> would: those lines have no bytes to keep.
    /// </summary>
    public LineReader(Stream stream, int maxChars = DefaultMaxChars)
    {
        _lines = Utf8Lines.StartsWithUtf16Or32Bom(stream)
            ? new TextLines(new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16), maxChars)
            : new Utf8Lines(stream, maxChars);
        MaxChars = maxChars;
    }

    public int MaxChars { get; }

    /// <summary>
    /// The exact bytes of the line last read when its text is not a faithful decoding of them (bytes that are not UTF-8,
    /// read as U+FFFD); null when the text is the line as it was. For a line cut at <see cref="MaxChars"/>, the bytes up to the cut.
    /// </summary>
    public byte[]? LastLineBytes => _lines.LastLineBytes;

    /// <summary>How the line last read ended: "\n", "\r\n", "\r", or "" at the end of the input.</summary>
    public string LastTerminator => _lines.LastTerminator;

    /// <summary>Why a line cut at <see cref="MaxChars"/> is quarantined; for NDJSON a line opening with '[' is most likely a whole JSON array.</summary>
    public string TooLongReason(string line, bool jsonLines = false) =>
        $"the line is longer than {MaxChars:N0} characters (quarantined up to there)"
        + (jsonLines && line.TrimStart().StartsWith('[') ? "; NDJSON holds one JSON object per line, not one JSON array." : ".");

    /// <summary>The next line, or null at the end; <paramref name="truncated"/> when it was longer than <see cref="MaxChars"/>.</summary>
    public string? ReadLine(out bool truncated) => _lines.ReadLine(out truncated);
}

/// <summary>One way of cutting an input into lines (<see cref="LineReader"/> has the contract).</summary>
internal interface ILineSource
{
    string? ReadLine(out bool truncated);
    byte[]? LastLineBytes { get; }
    string LastTerminator { get; }
}
