using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace MLOps.Core.Ingest;

/// <summary>
/// The lines of a UTF-8 stream for <see cref="LineReader"/>, split on the bytes \r and \n (never part of a multi-byte
/// character) and decoded one line at a time, so the line's own bytes are at hand: kept when they are not valid UTF-8.
/// </summary>
internal sealed class Utf8Lines : ILineSource
{
    private readonly Stream _stream;
    private readonly int _maxChars;
    /// <summary>No character takes more than 3 bytes (a 4-byte sequence is 2 chars), so past this a line is surely too long.</summary>
    private readonly int _maxBytes;
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly ArrayBufferWriter<byte> _spanning = new(1 << 10); // a line that runs over the end of the buffer
    private int _position;
    private int _length;
    private bool _started;
    private bool _overMaxBytes;
    private bool _bufferIsAscii;

    public Utf8Lines(Stream stream, int maxChars)
    {
        _stream = stream;
        _maxChars = maxChars;
        _maxBytes = (int)Math.Min(int.MaxValue - 8, 3L * maxChars);
    }

    public byte[]? LastLineBytes { get; private set; }
    public string LastTerminator { get; private set; } = "";

    /// <summary>Whether a seekable stream starts with a UTF-16 or UTF-32 byte-order mark (it is left where it was).</summary>
    public static bool StartsWithUtf16Or32Bom(Stream stream)
    {
        if (!stream.CanSeek) return false;
        var start = stream.Position;
        Span<byte> head = stackalloc byte[4];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        head = head[..read];
        return head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
            || head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]);
    }

    public string? ReadLine(out bool truncated)
    {
        LastLineBytes = null;
        _spanning.ResetWrittenCount();
        _overMaxBytes = false;
        var spans = false;
        while (true)
        {
            if (_position == _length && !Fill())
            {
                LastTerminator = "";
                truncated = false;
                return spans ? Decode(_spanning.WrittenSpan, out truncated) : null;
            }
            var span = _buffer.AsSpan(_position, _length - _position);
            var end = span.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                Hold(span);
                spans = true;
                _position = _length;
                continue;
            }
            var carriageReturn = span[end] == '\r';
            _position += end + 1;
            string text;
            if (spans)
            {
                Hold(span[..end]);
                text = Decode(_spanning.WrittenSpan, out truncated);
            }
            else if (_bufferIsAscii && end <= _maxChars)
            {
                // The common case: a line within one all-ASCII read is valid UTF-8 and cannot be too long.
                truncated = false;
                text = Encoding.Latin1.GetString(span[..end]);
            }
            else text = Decode(span[..end], out truncated);
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

    /// <summary>The line's text (cut at the limit), keeping its bytes when they do not decode faithfully.</summary>
    private string Decode(ReadOnlySpan<byte> line, out bool truncated)
    {
        if (line.Length <= _maxChars && !_overMaxBytes)
        {
            // Every character takes at least one byte: this line cannot be too long. The common case.
            truncated = false;
            if (Utf8.IsValid(line)) return Encoding.UTF8.GetString(line);
            LastLineBytes = line.ToArray();
            return Encoding.UTF8.GetString(line);
        }
        var chars = ArrayPool<char>.Shared.Rent(_maxChars);
        try
        {
            var status = Utf8.ToUtf16(line, chars.AsSpan(0, _maxChars), out var bytesRead, out var charsWritten, replaceInvalidSequences: true);
            truncated = _overMaxBytes || status == OperationStatus.DestinationTooSmall;
            var kept = line[..bytesRead];
            if (!Utf8.IsValid(kept)) LastLineBytes = kept.ToArray();
            return new string(chars, 0, charsWritten);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Holds a piece of a line that spans reads, up to <see cref="_maxBytes"/>; the rest is skipped, not held.</summary>
    private void Hold(ReadOnlySpan<byte> piece)
    {
        var room = _maxBytes - _spanning.WrittenCount;
        if (piece.Length > room)
        {
            _overMaxBytes = true;
            piece = piece[..room];
        }
        _spanning.Write(piece);
    }

    private bool Fill()
    {
        _length = _stream.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        if (!_started && _length > 0)
        {
            _started = true;
            // Like StreamReader: a UTF-8 byte-order mark is not text (a mark split over two reads is not seen; files never split it).
            if (_buffer.AsSpan(0, _length).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) _position = 3;
            if (_position == _length) return Fill();
        }
        _bufferIsAscii = Ascii.IsValid(_buffer.AsSpan(_position, _length - _position));
        return _position < _length;
    }
}
