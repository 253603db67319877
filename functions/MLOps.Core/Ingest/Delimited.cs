using System.Text;

namespace MLOps.Core.Ingest;

/// <summary>Splits one line of CSV (RFC 4180 quoting: "a, b" and doubled "" inside quotes) or TSV.</summary>
public static class Delimited
{
    /// <summary>
    /// For a header read as one column that holds another common delimiter (the file is most likely delimited by it):
    /// " The header is one column holding ';': try --delimiter semicolon." with a leading space; else null.
    /// </summary>
    public static string? OtherDelimiterHint(IReadOnlyList<string> header) =>
        header is [var only] && only.IndexOfAny([';', '\t', '|']) is var d and >= 0
            ? $" The header is one column holding '{(only[d] == '\t' ? "tab" : only[d].ToString())}': try --delimiter {only[d] switch { ';' => "semicolon", '\t' => "tab", _ => "pipe" }}."
            : null;

    /// <summary>Fills <paramref name="fields"/>; false when a quote is left open or text follows a closing quote.</summary>
    public static bool TrySplit(string line, char delimiter, List<string> fields)
    {
        fields.Clear();
        if (line.IndexOf('"') < 0)
        {
            var start = 0;
            while (true)
            {
                var next = line.IndexOf(delimiter, start);
                if (next < 0)
                {
                    fields.Add(line[start..]);
                    return true;
                }
                fields.Add(line[start..next]);
                start = next + 1;
            }
        }
        var i = 0;
        var field = new StringBuilder();
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return false; // quote left open
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != delimiter) return false;
            }
            else
            {
                while (i < line.Length && line[i] != delimiter) field.Append(line[i++]);
            }
            fields.Add(field.ToString());
            if (i >= line.Length) return true;
            i++; // delimiter
        }
    }

    /// <summary>
    /// Carries the quoting state across <paramref name="text"/>: whether a quote opened at a field's start is still open at
    /// its end (<paramref name="inQuotes"/> in: the state before it, e.g. after the previous line of a record).
    /// </summary>
    public static bool EndsInsideQuotes(string text, char delimiter, bool inQuotes = false)
    {
        var atFieldStart = !inQuotes;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c != '"') continue;
                if (i + 1 < text.Length && text[i + 1] == '"') i++;
                else inQuotes = false;
            }
            else if (c == '"' && atFieldStart) inQuotes = true;
            else atFieldStart = c == delimiter;
        }
        return inQuotes;
    }

    /// <summary>Quotes a CSV field when it needs it.</summary>
    public static string Quote(string value, char delimiter = ',') =>
        value.IndexOfAny([delimiter, '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
