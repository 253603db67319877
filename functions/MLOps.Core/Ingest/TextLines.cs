using System.Text;

namespace MLOps.Core.Ingest;

/// <summary>The lines of an already decoded text, for <see cref="LineReader"/>.</summary>
internal sealed class TextLines(TextReader reader, int maxChars) : ILineSource
{
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;

    public byte[]? LastLineBytes => null;
    public string LastTerminator { get; private set; } = "";

    public string? ReadLine(out bool truncated)
    {
        _line.Clear();
        truncated = false;
        var any = false;
        while (true)
        {
            if (_position == _length && !Fill())
            {
                LastTerminator = "";
                return any ? _line.ToString() : null;
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
            var carriageReturn = span[end] == '\r';
            _position += end + 1;
            var text = _line.ToString();
            // A \n right after a \r belongs to its terminator, even when it comes with the next read.
            if (carriageReturn && (_position < _length || Fill()) && _buffer[_position] == '\n')
            {
                _position++;
                LastTerminator = "\r\n";
            }
            else LastTerminator = carriageReturn ? "\r" : "\n";
            return text;
        }
    }

    private bool Fill()
    {
        _length = reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
