using System.Text.Json;

namespace MLOps.Core.Ingest;

/// <summary>A stream of raw event rows with a content-derived batch id. Rows are read lazily, never all at once.</summary>
public abstract class EventSource
{
    /// <summary>What the rows are, for messages and quarantine records (e.g. <c>u.data</c>).</summary>
    public abstract string Name { get; }
    public abstract string BatchId { get; }
    /// <summary>Ids earlier builds gave the same input (<see cref="BatchIds.ForFilesWithEarlier"/>): found imported under one, it is not imported again.</summary>
    public virtual IReadOnlyList<string> EarlierBatchIds => [];
    public virtual RatingScale Scale => RatingScale.Default;
    /// <summary>Size of the input in bytes (0 when unknown) and how far reading has got, for progress.</summary>
    public virtual long TotalBytes => 0;
    public long BytesRead { get; protected set; }
    public abstract IEnumerable<RawEvent> ReadRows(CancellationToken cancellationToken);

    /// <summary>
    /// Throws (<see cref="FormatException"/>, <see cref="InvalidDataException"/>) when the source cannot be imported at all —
    /// a header without a user column, a <c>--map</c> naming no column — so the importer refuses it before it writes anything.
    /// </summary>
    public virtual void CheckColumns() { }
}

/// <summary>The event sources the importers know.</summary>
public static class EventSources
{
    /// <summary>MovieLens 100K <c>u.data</c>: user \t item \t rating \t unix seconds, no header, whole stars 1–5.</summary>
    public static EventSource MovieLens100k(string uData) =>
        new DelimitedFileSource(uData, '\t', hasHeader: false,
            ColumnMap.Parse("user=0,item=1,rating=2,timestamp=3"), RatingScale.WholeStars, "movielens-100k", expectedColumns: 4);

    /// <summary>MovieLens latest <c>ratings.csv</c>: userId,movieId,rating,timestamp with a header, half stars 0.5–5.</summary>
    public static EventSource MovieLensLatest(string ratingsCsv) =>
        new DelimitedFileSource(ratingsCsv, ',', hasHeader: true, ColumnMap.Default, RatingScale.HalfStars, "movielens-latest");

    /// <summary>A generic file: csv, tsv (with a header row unless <paramref name="hasHeader"/> is false) or ndjson.</summary>
    public static EventSource File(string path, string format, ColumnMap map, RatingScale scale, bool hasHeader = true, char? delimiter = null) =>
        SeparatorOf(format, delimiter) is { } separator
            ? new DelimitedFileSource(path, separator, hasHeader, map, scale, format)
            : new NdjsonFileSource(path, map, scale);

    /// <summary>
    /// The field separator of a file of <paramref name="format"/> read with <paramref name="delimiter"/> (<c>--delimiter</c>;
    /// null: the format's own, ',' for csv, tab for tsv), or null for ndjson, which has none: a --delimiter there is refused,
    /// as is a format other than csv, tsv or ndjson. Event and catalogue imports both read their options through it.
    /// </summary>
    public static char? SeparatorOf(string format, char? delimiter) => format switch
    {
        "csv" => delimiter ?? ',',
        "tsv" => delimiter ?? '\t',
        "ndjson" when delimiter is not null => throw new FormatException("--delimiter applies to csv and tsv files, not ndjson."),
        "ndjson" => null,
        _ => throw new FormatException($"--format must be csv, tsv or ndjson, not '{format}'."),
    };

    /// <summary>A --delimiter value: one character, or the names tab / comma / semicolon / pipe.</summary>
    public static char ParseDelimiter(string value) => value.ToLowerInvariant() switch
    {
        "tab" or "\\t" => '\t',
        "comma" => ',',
        "semicolon" => ';',
        "pipe" => '|',
        _ when value.Length == 1 && value[0] is not ('"' or '\r' or '\n') => value[0],
        _ => throw new FormatException($"--delimiter must be one character (or tab, comma, semicolon, pipe), not '{value}'."),
    };

    /// <summary>The format a file name suggests: .tsv/.tab → tsv, .ndjson/.jsonl/.json → ndjson, else csv.</summary>
    public static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".tsv" or ".tab" => "tsv",
        ".ndjson" or ".jsonl" or ".json" => "ndjson",
        _ => "csv",
    };

    /// <summary>Rows already in memory (e.g. posted to the HTTP API); the batch id hashes their text.</summary>
    public static EventSource Rows(string name, IReadOnlyList<RawEvent> rows, RatingScale? scale = null) => new MemorySource(name, rows, scale ?? RatingScale.Default);

    private sealed class MemorySource(string name, IReadOnlyList<RawEvent> rows, RatingScale scale) : EventSource
    {
        public override string Name => name;
        public override string BatchId { get; } = BatchIds.ForText($"rows|{name}|{scale}", rows.Select(r => r.Raw));
        public override RatingScale Scale => scale;
        public override IEnumerable<RawEvent> ReadRows(CancellationToken cancellationToken) => rows;
    }
}

/// <summary>CSV or TSV, one row a line, with or without a header.</summary>
public sealed class DelimitedFileSource : EventSource
{
    private readonly string _path;
    private readonly char _delimiter;
    private readonly bool _hasHeader;
    private readonly ColumnMap _map;
    private readonly int? _expectedColumns;

    public DelimitedFileSource(string path, char delimiter, bool hasHeader, ColumnMap map, RatingScale scale, string kind, int? expectedColumns = null)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        _path = path;
        _delimiter = delimiter;
        _hasHeader = hasHeader;
        _map = map;
        _expectedColumns = expectedColumns;
        Scale = scale;
        Name = $"{kind}:{Path.GetFileName(path)}";
        TotalBytes = new FileInfo(path).Length;
        var (id, earlier) = BatchIds.ForFilesWithEarlier($"events|{kind}|{(int)delimiter}|{hasHeader}|{map}|{scale}", path);
        BatchId = id;
        EarlierBatchIds = [earlier];
    }

    public override string Name { get; }
    public override string BatchId { get; }
    public override IReadOnlyList<string> EarlierBatchIds { get; }
    public override RatingScale Scale { get; }
    public override long TotalBytes { get; }

    public override void CheckColumns()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        ReadHeader(new LineReader(stream), out _);
    }

    /// <summary>The header (null without one) and the column of each field.</summary>
    private (List<string>? Header, Dictionary<string, int> Columns) ReadHeader(LineReader reader, out long line)
    {
        line = 0;
        if (!_hasHeader) return (null, _map.Resolve(null));
        string? first;
        bool tooLong;
        do { first = reader.ReadLine(out tooLong); line++; } while (first is { Length: 0 });
        if (tooLong) throw new InvalidDataException($"{_path}:{line}: the header row is longer than {reader.MaxChars:N0} characters; is this a delimited file?");
        // No line at all is a failed or truncated export, not a day without events (a header with no rows is that).
        if (first is null) throw new InvalidDataException($"{_path}: the file is empty: no header row (a file of no events still has its header).");
        var fields = new List<string>(16);
        if (!Delimited.TrySplit(first, _delimiter, fields)) throw new InvalidDataException($"{_path}:{line}: the header row is not valid {(_delimiter == ',' ? "CSV" : "TSV")}.");
        return (fields, _map.Resolve(fields));
    }

    public override IEnumerable<RawEvent> ReadRows(CancellationToken cancellationToken)
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var reader = new LineReader(stream);
        var fields = new List<string>(16);
        var (header, columns) = ReadHeader(reader, out var line);
        var expected = header?.Count ?? _expectedColumns ?? columns.Values.Max() + 1;
        var exact = header is not null || _expectedColumns is not null;
        int C(string field) => columns[field];
        var (iEvent, iUser, iContent, iTime, iType, iView, iRating, iScale, iDevice, iCountry, iExperiment, iVariant) =
            (C("eventId"), C("userId"), C("contentId"), C("timestamp"), C("eventType"), C("viewSeconds"), C("rating"), C("ratingScaleMax"),
             C("device"), C("country"), C("experiment"), C("variant"));
        var (iScore, iModel) = (C("score"), C("model"));

        while (reader.ReadLine(out var tooLong) is { } text)
        {
            line++;
            if ((line & 0x3FFF) == 0)
            {
                BytesRead = stream.Position;
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (text.Length == 0) continue;
            var row = new RawEvent { Line = line, Raw = text, RawBytes = reader.LastLineBytes };
            if (tooLong)
                row.ParseError = reader.TooLongReason(text);
            else if (!Delimited.TrySplit(text, _delimiter, fields))
                row.ParseError = "a quote is left open or text follows a closing quote.";
            else if (exact ? fields.Count != expected : fields.Count < expected)
                row.ParseError = $"expected {expected} columns, found {fields.Count}.";
            else
            {
                string? F(int i) => i >= 0 ? fields[i] : null;
                row.EventId = F(iEvent);
                row.UserId = F(iUser);
                row.ContentId = F(iContent);
                row.Timestamp = F(iTime);
                row.EventType = F(iType);
                row.ViewSeconds = F(iView);
                row.Rating = F(iRating);
                row.RatingScaleMax = F(iScale);
                row.Device = F(iDevice);
                row.Country = F(iCountry);
                row.Experiment = F(iExperiment);
                row.Variant = F(iVariant);
                row.Score = F(iScore);
                row.Model = F(iModel);
            }
            yield return row;
        }
        BytesRead = TotalBytes;
    }
}

/// <summary>One JSON object a line; properties found by their usual names or by the column map.</summary>
public sealed class NdjsonFileSource : EventSource
{
    private readonly string _path;
    private readonly Dictionary<string, string> _propertyToField;

    public NdjsonFileSource(string path, ColumnMap map, RatingScale scale)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        _path = path;
        Scale = scale;
        Name = $"ndjson:{Path.GetFileName(path)}";
        TotalBytes = new FileInfo(path).Length;
        var (id, earlier) = BatchIds.ForFilesWithEarlier($"events|ndjson|{map}|{scale}", path);
        BatchId = id;
        EarlierBatchIds = [earlier];
        _propertyToField = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (field, column) in map.Explicit)
        {
            if (int.TryParse(column, out _)) throw new FormatException($"--map {field}={column}: NDJSON columns are property names, not numbers.");
            _propertyToField[column] = field;
        }
        foreach (var (field, names) in ColumnMap.Fields)
            if (!map.Explicit.ContainsKey(field))
                foreach (var n in names) _propertyToField.TryAdd(n, field);
    }

    public override string Name { get; }
    public override string BatchId { get; }
    public override IReadOnlyList<string> EarlierBatchIds { get; }
    public override RatingScale Scale { get; }
    public override long TotalBytes { get; }

    public override IEnumerable<RawEvent> ReadRows(CancellationToken cancellationToken)
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var reader = new LineReader(stream);
        long line = 0;
        while (reader.ReadLine(out var tooLong) is { } text)
        {
            line++;
            if ((line & 0x3FFF) == 0)
            {
                BytesRead = stream.Position;
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (string.IsNullOrWhiteSpace(text)) continue;
            var row = tooLong ? new RawEvent { Line = line, Raw = text, ParseError = reader.TooLongReason(text, jsonLines: true) } : Parse(line, text);
            row.RawBytes = reader.LastLineBytes;
            yield return row;
        }
        BytesRead = TotalBytes;
    }

    private RawEvent Parse(long line, string text)
    {
        var row = new RawEvent { Line = line, Raw = text };
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                row.ParseError = "the line is JSON but not an object.";
                return row;
            }
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!_propertyToField.TryGetValue(property.Name, out var field)) continue;
                row.Set(field, JsonFieldText.Of(property.Value), property.Name);
            }
        }
        catch (JsonException e)
        {
            row.ParseError = $"not valid JSON ({e.Message.Split('.')[0]}).";
        }
        return row;
    }
}
