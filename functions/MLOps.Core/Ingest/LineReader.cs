using System.Text;

namespace MLOps.Core.Ingest;

/// <summary>
/// Lines of a text (terminated by \n, \r\n or \r, as <see cref="TextReader.ReadLine"/>), each at most
/// <see cref="MaxChars"/> characters: a longer line is cut there and flagged, and the rest of it is skipped without being
/// held. A file that is one huge line (a JSON array saved as .json, a file with no line breaks) then becomes one
/// quarantined row instead of an out-of-memory failure.
/// </summary>
public sealed class LineReader(TextReader reader, int maxChars = LineReader.DefaultMaxChars)
{
    public const int DefaultMaxChars = 1 << 20;

    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;
    private bool _skipLineFeed; // the previous line ended with \r: a \n right after it belongs to that terminator

    public int MaxChars => maxChars;

    /// <summary>Why a line cut at <see cref="MaxChars"/> is quarantined; for NDJSON a line opening with '[' is most likely a whole JSON array.</summary>
    public string TooLongReason(string line, bool jsonLines = false) =>
        $"the line is longer than {maxChars:N0} characters (quarantined up to there)"
        + (jsonLines && line.TrimStart().StartsWith('[') ? "; NDJSON holds one JSON object per line, not one JSON array." : ".");

    /// <summary>The next line, or null at the end; <paramref name="truncated"/> when it was longer than <see cref="MaxChars"/>.</summary>
    public string? ReadLine(out bool truncated)
    {
        _line.Clear();
        truncated = false;
        var any = false;
        while (true)
        {
            if (_position == _length)
            {
                _length = reader.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_length == 0) return any ? _line.ToString() : null;
            }
            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (_buffer[_position] == '\n')
                {
                    _position++;
                    continue;
                }
            }
            any = true;
            var span = _buffer.AsSpan(_position, _length - _position);
            var end = span.IndexOfAny('\r', '\n');
            var chunk = end < 0 ? span : span[..end];
            var room = maxChars - _line.Length;
            if (chunk.Length > room)
            {
                truncated = true;
                _line.Append(chunk[..room]);
            }
            else _line.Append(chunk);
            if (end < 0)
            {
                _position = _length;
                continue;
            }
            _skipLineFeed = span[end] == '\r';
            _position += end + 1;
            return _line.ToString();
        }
    }
}
