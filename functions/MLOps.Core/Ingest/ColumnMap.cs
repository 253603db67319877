namespace MLOps.Core.Ingest;

/// <summary>
/// Which source column holds which event field. Parsed from <c>user=COL,item=COL,rating=COL,timestamp=COL,...</c>,
/// where COL is a header name or a 0-based column index; fields not mapped are found by their usual names.
/// </summary>
public sealed class ColumnMap
{
    /// <summary>Canonical field name → accepted spellings (map keys and header names, case-insensitive).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Fields = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["eventId"] = ["eventId", "event_id", "event", "id"],
        ["userId"] = ["userId", "user_id", "user", "uid"],
        ["contentId"] = ["contentId", "content_id", "content", "itemId", "item_id", "item", "movieId", "movie_id", "movie"],
        ["timestamp"] = ["timestamp", "time", "ts", "date", "datetime"],
        ["eventType"] = ["eventType", "event_type", "type"],
        ["viewSeconds"] = ["viewSeconds", "view_seconds", "view", "seconds", "duration"],
        // "score" is not a rating: it is the stored shape's exposure score (below), so the store's own events re-import as they are.
        ["rating"] = ["rating", "stars"],
        ["ratingScaleMax"] = ["ratingScaleMax", "rating_scale_max", "scale"],
        ["device"] = ["device"],
        ["country"] = ["country"],
        ["experiment"] = ["experiment"],
        ["variant"] = ["variant"],
        ["score"] = ["score"],
        ["model"] = ["model"],
    };

    private readonly Dictionary<string, string> _explicit;

    private ColumnMap(Dictionary<string, string> explicitColumns) => _explicit = explicitColumns;

    public static ColumnMap Default { get; } = new([]);

    public IReadOnlyDictionary<string, string> Explicit => _explicit;

    public static ColumnMap Parse(string? spec)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(spec)) return new ColumnMap(map);
        foreach (var pair in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0 || eq == pair.Length - 1) throw new FormatException($"--map entry '{pair}' must look like field=COLUMN.");
            var key = pair[..eq].Trim();
            var field = Canonical(key) ?? throw new FormatException(
                $"--map field '{key}' is unknown; use one of {string.Join(", ", Fields.Keys)} (or user, item).");
            if (!map.TryAdd(field, pair[(eq + 1)..].Trim()))
                throw new FormatException($"--map maps {field} twice ('{map[field]}' and '{pair[(eq + 1)..].Trim()}'); give each field once.");
        }
        return new ColumnMap(map);
    }

    public static string? Canonical(string name)
    {
        foreach (var (field, names) in Fields)
            if (names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))) return field;
        return null;
    }

    /// <summary>Column index per canonical field for a header (or null header: explicit indexes only). -1 = absent.</summary>
    public Dictionary<string, int> Resolve(IReadOnlyList<string>? header)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var field in Fields.Keys) result[field] = -1;
        if (header is not null)
            for (var i = 0; i < header.Count; i++)
            {
                if (Canonical(header[i].Trim()) is not { } f || _explicit.ContainsKey(f)) continue;
                // Two columns that both read as one field (date and time, user and user_id): taking either would be a
                // guess that silently drops the other, so the user chooses.
                if (result[f] >= 0)
                    throw new FormatException($"columns '{header[result[f]].Trim()}' and '{header[i].Trim()}' both read as {f}; choose one with --map {f}=COLUMN"
                        + (f == "timestamp" ? " (a date and a time in two columns: join them into one ISO 8601 column first)." : "."));
                result[f] = i;
            }
        foreach (var (field, column) in _explicit)
        {
            if (int.TryParse(column, out var index) && index >= 0) result[field] = index;
            else if (header is not null && IndexOf(header, column) is var at and >= 0) result[field] = at;
            else throw new FormatException(header is null
                ? $"--map {field}={column}: without a header row, columns are 0-based numbers."
                : $"--map {field}={column}: no such column in the header ({string.Join(", ", header)}).");
        }
        var hint = header is not null && Delimited.OtherDelimiterHint(header) is { } other ? other
            : header?.FirstOrDefault(IsNumber) is { } number
                // No header names a column with a number: the first line is a row of a file without a header.
                ? $" The header holds '{number.Trim()}', a number: if the first line is a row, the file has no header: use --no-header and --map user=0,item=1,timestamp=2 (0-based columns)."
            : header is null && _explicit.Count == 0 ? " Without a header row, map the columns by 0-based index: --map user=0,item=1,timestamp=2." : "";
        if (result["userId"] < 0) throw new FormatException("no user column: name it userId (or user_id, user) or map it with --map user=COLUMN." + hint);
        if (result["contentId"] < 0) throw new FormatException("no item column: name it contentId (or itemId, movieId, item) or map it with --map item=COLUMN.");
        if (result["timestamp"] < 0) throw new FormatException("no timestamp column: name it timestamp or map it with --map timestamp=COLUMN.");
        return result;
    }

    private static bool IsNumber(string text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    private static int IndexOf(IReadOnlyList<string> header, string name)
    {
        for (var i = 0; i < header.Count; i++)
            if (string.Equals(header[i].Trim(), name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    public override string ToString() => string.Join(",", _explicit.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
