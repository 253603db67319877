using System.Text;

namespace MLOps.Core.Ingest;

/// <summary>
/// One record of a delimited file. <paramref name="Text"/> is what is split into fields: a record spanning lines has them
/// joined by \n, so a line break inside a field reads the same whatever the file used. <paramref name="Raw"/> is the record
/// as it was in the file (its line breaks as written, \r\n included), <paramref name="RawBytes"/> its exact bytes when
/// they are not UTF-8 (<see cref="LineReader.LastLineBytes"/>), else null. <paramref name="TooLong"/>: the line was longer
/// than the reader's limit and is cut there (never joined).
/// </summary>
public readonly record struct DelimitedRecord(long Line, string Text, string Raw, byte[]? RawBytes, bool TooLong);

/// <summary>
/// Records of a delimited file read line by line, where a quoted field may span lines (RFC 4180: catalogue descriptions
/// do; read line by line, such a record became two broken rows, or a phantom row from its second line). Lines are joined
/// only while a quote opened at a field's start stays open, for at most <see cref="MaxLines"/> lines and
/// <see cref="MaxChars"/> characters, and the join is kept only if it splits into the expected number of fields.
/// Otherwise the first line is taken alone (it fails as a quote left open) and the lines after it are read again as
/// records of their own, so one stray quote cannot swallow the rows that follow it.
/// </summary>
public sealed class DelimitedRecords(LineReader reader, char delimiter, int columns, long firstLine)
{
    public const int MaxLines = 100;
    public const int MaxChars = 1 << 20;

    private readonly LinkedList<FileLine> _ahead = new();
    private readonly List<string> _fields = new(columns);
    private long _next = firstLine;

    /// <summary>The next record; false at the end of the input.</summary>
    public bool TryRead(out DelimitedRecord record)
    {
        if (Next() is not { } first)
        {
            record = default;
            return false;
        }
        record = new DelimitedRecord(first.Line, first.Text, first.Text, first.Bytes, first.TooLong);
        if (first.TooLong || !Delimited.EndsInsideQuotes(first.Text, delimiter)) return true;
        var taken = new List<FileLine>();
        var joined = new StringBuilder(first.Text);
        while (taken.Count < MaxLines && joined.Length < MaxChars && Next() is { } more)
        {
            taken.Add(more);
            if (more.TooLong) break;
            joined.Append('\n').Append(more.Text);
            if (Delimited.EndsInsideQuotes(more.Text, delimiter, inQuotes: true)) continue;
            var text = joined.ToString();
            if (Delimited.TrySplit(text, delimiter, _fields) && _fields.Count == columns)
            {
                record = AsWritten(first, taken, text);
                return true;
            }
            break;
        }
        for (var i = taken.Count - 1; i >= 0; i--) _ahead.AddFirst(taken[i]);
        return true;
    }

    /// <summary>A record of several lines with its line breaks as the file had them (and its bytes, when a line's are kept).</summary>
    private static DelimitedRecord AsWritten(FileLine first, List<FileLine> rest, string text)
    {
        var lines = rest.Prepend(first).ToList();
        var raw = new StringBuilder();
        for (var i = 0; i < lines.Count; i++) raw.Append(lines[i].Text).Append(i < lines.Count - 1 ? lines[i].Terminator : "");
        byte[]? bytes = null;
        if (lines.Any(l => l.Bytes is not null))
        {
            var buffer = new MemoryStream();
            for (var i = 0; i < lines.Count; i++)
            {
                buffer.Write(lines[i].Bytes ?? Encoding.UTF8.GetBytes(lines[i].Text));
                if (i < lines.Count - 1) buffer.Write(Encoding.ASCII.GetBytes(lines[i].Terminator));
            }
            bytes = buffer.ToArray();
        }
        return new DelimitedRecord(first.Line, text, raw.ToString(), bytes, TooLong: false);
    }

    private FileLine? Next()
    {
        if (_ahead.First is { } node)
        {
            _ahead.RemoveFirst();
            return node.Value;
        }
        return reader.ReadLine(out var tooLong) is { } text ? new FileLine(_next++, text, reader.LastTerminator, reader.LastLineBytes, tooLong) : null;
    }

    private sealed record FileLine(long Line, string Text, string Terminator, byte[]? Bytes, bool TooLong);
}
