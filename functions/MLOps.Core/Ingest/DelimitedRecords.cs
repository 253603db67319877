using System.Text;

namespace MLOps.Core.Ingest;

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

    private readonly LinkedList<(long Line, string Text, bool TooLong)> _ahead = new();
    private readonly List<string> _fields = new(columns);
    private long _next = firstLine;

    /// <summary>
    /// The next record and the number of its first line; false at the end of the input. <paramref name="tooLong"/>: the
    /// line was longer than the reader's limit and is cut there (never joined).
    /// </summary>
    public bool TryRead(out long line, out string text, out bool tooLong)
    {
        if (Next() is not { } first)
        {
            (line, text, tooLong) = (0, "", false);
            return false;
        }
        (line, text, tooLong) = first;
        if (tooLong || !Delimited.EndsInsideQuotes(first.Text, delimiter)) return true;
        var taken = new List<(long Line, string Text, bool TooLong)>();
        var joined = new StringBuilder(first.Text);
        while (taken.Count < MaxLines && joined.Length < MaxChars && Next() is { } more)
        {
            taken.Add(more);
            if (more.TooLong) break;
            joined.Append('\n').Append(more.Text);
            if (Delimited.EndsInsideQuotes(more.Text, delimiter, inQuotes: true)) continue;
            var record = joined.ToString();
            if (Delimited.TrySplit(record, delimiter, _fields) && _fields.Count == columns)
            {
                text = record;
                return true;
            }
            break;
        }
        for (var i = taken.Count - 1; i >= 0; i--) _ahead.AddFirst(taken[i]);
        return true;
    }

    private (long Line, string Text, bool TooLong)? Next()
    {
        if (_ahead.First is { } node)
        {
            _ahead.RemoveFirst();
            return node.Value;
        }
        return reader.ReadLine(out var tooLong) is { } text ? (_next++, text, tooLong) : null;
    }
}
