using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Core.Ingest;

/// <summary>One catalogue row as read from a source, before validation.</summary>
public sealed class RawCatalogRow
{
    public long Line { get; set; }
    public string Raw { get; set; } = "";
    /// <summary>The row's exact bytes when <see cref="Raw"/> is not a faithful decoding of them (not UTF-8); else null.</summary>
    public byte[]? RawBytes { get; set; }
    /// <summary>The file the row came from when it is not the source's main file (tags.csv beside movies.csv); null: the source's.</summary>
    public string? Source { get; set; }
    public string? ParseError { get; set; }
    public string? ContentId { get; set; }
    public string? Title { get; set; }
    public List<string> Genres { get; set; } = [];
    public string? ReleaseDate { get; set; }
    public int? Year { get; set; }
    /// <summary>The year as written when it is not a whole number: <see cref="CatalogImporter.Validate"/> reports it as <c>year:unparseable</c>.</summary>
    public string? UnparseableYear { get; set; }
    public string? MaturityRating { get; set; }
    public string? Description { get; set; }
    public List<string> Tags { get; set; } = [];
}

/// <summary>A catalogue source: rows plus a content-derived batch id.</summary>
public sealed record CatalogSource(string Name, string BatchId, Func<CancellationToken, IEnumerable<RawCatalogRow>> Rows)
{
    /// <summary>Ids earlier builds gave the same input (<see cref="BatchIds.ForFilesWithEarlier"/>): found imported under one, it is not imported again.</summary>
    public IReadOnlyList<string> EarlierBatchIds { get; init; } = [];

    /// <summary>A source over files: the batch id and the id earlier builds gave them, from one read.</summary>
    public static CatalogSource ForFiles(string name, string descriptor, string[] files, Func<CancellationToken, IEnumerable<RawCatalogRow>> rows)
    {
        var (id, earlier) = BatchIds.ForFilesWithEarlier(descriptor, files);
        return new CatalogSource(name, id, rows) { EarlierBatchIds = [earlier] };
    }
}

/// <summary>
/// Validates catalogue rows, writes the accepted items as an immutable snapshot <c>catalog/snapshots/&lt;batch&gt;.ndjson</c>,
/// merges them into <c>catalog/current.ndjson</c>, quarantines the rest and records the batch manifest.
/// Catalogues are small (thousands of titles), so a batch is held in memory.
/// </summary>
public sealed partial class CatalogImporter(IBlobStore store, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Reads and validates every row, then writes; cancelled while reading (the long part) it throws
    /// <see cref="ImportInterruptedException"/> having written nothing. The writes that follow are not cancelled
    /// half-way: the snapshot, the merge and the manifest are a few small blobs.
    /// </summary>
    public async Task<IngestResult> ImportAsync(CatalogSource source, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var now = _time.GetUtcNow();
        var quarantine = new QuarantineWriter(store, source.BatchId, source.Name, "catalog");
        var items = new List<CatalogItem>();
        var firstLine = new Dictionary<string, long>(StringComparer.Ordinal);
        var problems = new List<RowProblem>();
        long rows = 0;
        var checkedEarlier = false;
        try
        {
            // Also under the ids earlier builds gave the same files: re-importing an old file must not roll newer titles back.
            if (await EventIngestor.FindImportedAsync(store, source.BatchId, source.EarlierBatchIds, cancellationToken).ConfigureAwait(false) is { } existing)
                return existing;
            checkedEarlier = true;
            ReadRows();
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new ImportInterruptedException("catalog", source.Name, source.BatchId, rows, items.Count, quarantine.Count, cancellationToken, e, stillChecking: !checkedEarlier);
        }
        return await WriteAsync(source, items, quarantine, rows, now, clock).ConfigureAwait(false);

        // Validates every row into items and quarantine; no blob is written before the last row is read.
        void ReadRows()
        {
            foreach (var raw in source.Rows(cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows++;
                var item = Validate(raw, now, problems);
                if (item is not null && !firstLine.TryAdd(item.ContentId, raw.Line))
                {
                    problems.Add(new RowProblem("contentId", Reasons.Duplicate, $"content id '{item.ContentId}' already appeared in this batch{RowProblem.DuplicateOf(firstLine[item.ContentId])}."));
                    item = null;
                }
                if (item is null) quarantine.Add(raw.Line, raw.Raw, problems, raw.Source, raw.RawBytes);
                else items.Add(item);
            }
        }
    }

    /// <summary>The batch's snapshot, the merge into the current catalogue, its quarantine and its manifest (not cancelled: see <see cref="ImportAsync"/>).</summary>
    private async Task<IngestResult> WriteAsync(CatalogSource source, List<CatalogItem> items, QuarantineWriter quarantine, long rows, DateTimeOffset now, Stopwatch clock)
    {
        var cancellationToken = CancellationToken.None;
        var blobs = 0;
        if (items.Count > 0)
        {
            await store.TryCreateAsync(CatalogStore.SnapshotPath(source.BatchId), CatalogStore.Serialize(items), cancellationToken).ConfigureAwait(false);
            await CatalogStore.MergeAsync(store, items, cancellationToken).ConfigureAwait(false);
            blobs += 2;
        }
        blobs += await quarantine.FlushAsync(cancellationToken).ConfigureAwait(false);
        var result = new IngestResult
        {
            Batch = source.BatchId,
            Kind = "catalog",
            Source = source.Name,
            RowsRead = rows,
            Accepted = items.Count,
            Quarantined = quarantine.Count,
            Reasons = quarantine.Reasons,
            BlobsWritten = blobs,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            ImportedAt = now,
        };
        return await EventIngestor.CommitAsync(store, result, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Titles are shown in rows and lists: longer than this is a broken column, not a title.</summary>
    public const int MaxTitleChars = 500;
    /// <summary>Descriptions feed search and are served with every title: a synopsis, not a document.</summary>
    public const int MaxDescriptionChars = 10_000;

    /// <summary>The item, or null with the reasons in <paramref name="problems"/> (cleared first).</summary>
    public static CatalogItem? Validate(RawCatalogRow raw, DateTimeOffset now, List<RowProblem> problems)
    {
        problems.Clear();
        if (raw.ParseError is { } error)
        {
            problems.Add(new RowProblem("line", Reasons.UnparseableLine, error));
            return null;
        }
        var id = raw.ContentId?.Trim();
        if (string.IsNullOrEmpty(id)) problems.Add(new RowProblem("contentId", Reasons.Missing, "no contentId."));
        else if (id.Length > 128 || EventValidator.HasUnprintable(id)) problems.Add(new RowProblem("contentId", Reasons.Invalid, "contentId must be 1 to 128 printable characters (no control characters, no bytes that are not UTF-8)."));
        var title = raw.Title?.Trim();
        if (string.IsNullOrEmpty(title)) problems.Add(new RowProblem("title", Reasons.Missing, "no title."));
        else if (title.Length > MaxTitleChars || title.Any(char.IsControl))
            problems.Add(new RowProblem("title", Reasons.Invalid, $"title must be 1 to {MaxTitleChars} characters without control characters (tabs, line breaks); found {title.Length} characters."));
        var description = string.IsNullOrWhiteSpace(raw.Description) ? null : raw.Description.Trim();
        if (description is { Length: > MaxDescriptionChars })
            problems.Add(new RowProblem("description", Reasons.Invalid, $"description must be at most {MaxDescriptionChars:N0} characters; found {description.Length:N0}."));
        DateOnly? release = null;
        if (!string.IsNullOrWhiteSpace(raw.ReleaseDate))
        {
            if (DateOnly.TryParseExact(raw.ReleaseDate.Trim(), ["yyyy-MM-dd", "dd-MMM-yyyy", "d-MMM-yyyy", "yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) release = d;
            else problems.Add(new RowProblem("releaseDate", Reasons.Unparseable, $"'{raw.ReleaseDate}' is not a date (yyyy-MM-dd or dd-MMM-yyyy)."));
        }
        if (raw.UnparseableYear is { } notAYear)
            problems.Add(new RowProblem("year", Reasons.Unparseable, $"year '{TextClip.Clip(notAYear, 32)}' is not a whole number."));
        var year = raw.Year ?? release?.Year;
        var latestYear = now.Year + 5;
        if (year is < 1870 || year > latestYear)
            problems.Add(new RowProblem(raw.Year is null ? "releaseDate" : "year", Reasons.OutOfRange, $"year {year} is outside 1870..{latestYear}."));
        if (problems.Count > 0) return null;
        return new CatalogItem
        {
            ContentId = id!,
            Title = title!,
            // "Drama, Comedy" is two genres, not one called so (lists are '|'-separated, but a comma is the common slip);
            // no genre name holds a comma. Tags may, so they are split on '|' only.
            Genres = Clean([.. raw.Genres.SelectMany(g => g.Split(','))]),
            ReleaseDate = release,
            Year = year,
            MaturityRating = string.IsNullOrWhiteSpace(raw.MaturityRating) ? null : raw.MaturityRating.Trim(),
            Description = description,
            Tags = Clean(raw.Tags),
        };
    }

    private static List<string> Clean(List<string> values) =>
        values.Select(v => v.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    // ---- sources ----

    /// <summary>The 19 genre flags of MovieLens 100K <c>u.item</c>, in column order (u.genre), with "Children's" spelt as in ml-latest.</summary>
    public static readonly string[] MovieLens100kGenres =
    [
        "unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    /// <summary>MovieLens 100K <c>u.item</c>: id|title|release date|video release|IMDb URL|19 genre flags (Latin-1).</summary>
    public static CatalogSource MovieLens100k(string uItem)
    {
        if (!System.IO.File.Exists(uItem)) throw new FileNotFoundException($"{uItem}: no such file.", uItem);
        return CatalogSource.ForFiles("movielens-100k:u.item", "catalog|movielens-100k", [uItem], ct => ReadMovieLens100k(uItem, ct));
    }

    private static IEnumerable<RawCatalogRow> ReadMovieLens100k(string path, CancellationToken cancellationToken)
    {
        using var stream = new StreamReader(path, System.Text.Encoding.Latin1);
        var reader = new LineReader(stream);
        long line = 0;
        while (reader.ReadLine(out var tooLong) is { } text)
        {
            line++;
            cancellationToken.ThrowIfCancellationRequested();
            if (text.Length == 0) continue;
            var row = new RawCatalogRow { Line = line, Raw = text };
            var fields = text.Split('|');
            if (tooLong) row.ParseError = reader.TooLongReason(text);
            else if (fields.Length != 5 + MovieLens100kGenres.Length)
                row.ParseError = $"expected {5 + MovieLens100kGenres.Length} fields, found {fields.Length}.";
            else
            {
                row.ContentId = fields[0];
                (row.Title, var year) = MovieTitle.Split(fields[1]);
                row.ReleaseDate = fields[2];
                row.Year = string.IsNullOrWhiteSpace(fields[2]) ? year : null;
                for (var g = 1; g < MovieLens100kGenres.Length; g++)
                    if (fields[5 + g] == "1") row.Genres.Add(MovieLens100kGenres[g]);
            }
            yield return row;
        }
    }

    /// <summary>MovieLens latest <c>movies.csv</c> (movieId,title,genres) with the tags of <c>tags.csv</c> when present.</summary>
    public static CatalogSource MovieLensLatest(string moviesCsv, string? tagsCsv = null)
    {
        if (!System.IO.File.Exists(moviesCsv)) throw new FileNotFoundException($"{moviesCsv}: no such file.", moviesCsv);
        var files = tagsCsv is not null && System.IO.File.Exists(tagsCsv) ? new[] { moviesCsv, tagsCsv } : [moviesCsv];
        return CatalogSource.ForFiles("movielens-latest:movies.csv", "catalog|movielens-latest", files,
            ct => ReadMovieLensLatest(moviesCsv, files.Length > 1 ? tagsCsv : null, ct));
    }

    private static IEnumerable<RawCatalogRow> ReadMovieLensLatest(string moviesCsv, string? tagsCsv, CancellationToken cancellationToken)
    {
        var (tags, badTags) = tagsCsv is null ? ([], []) : ReadTags(tagsCsv);
        foreach (var bad in badTags) yield return bad; // quarantined with their reason, not skipped
        using var stream = System.IO.File.OpenRead(moviesCsv);
        var reader = new LineReader(stream);
        var fields = new List<string>(4);
        long line = 1;
        if (reader.ReadLine(out _) is not { } header) yield break;
        RequireHeader(moviesCsv, header, "movieId,title,genres");
        while (reader.ReadLine(out var tooLong) is { } text)
        {
            line++;
            cancellationToken.ThrowIfCancellationRequested();
            if (text.Length == 0) continue;
            var row = new RawCatalogRow { Line = line, Raw = text, RawBytes = reader.LastLineBytes };
            if (tooLong) row.ParseError = reader.TooLongReason(text);
            else if (!Delimited.TrySplit(text, ',', fields)) row.ParseError = "a quote is left open or text follows a closing quote.";
            else if (fields.Count != 3) row.ParseError = $"expected 3 columns, found {fields.Count}.";
            else
            {
                row.ContentId = fields[0];
                (row.Title, row.Year) = MovieTitle.Split(fields[1]);
                if (fields[2] != "(no genres listed)") row.Genres.AddRange(fields[2].Split('|'));
                if (tags.TryGetValue(fields[0].Trim(), out var t)) row.Tags.AddRange(t);
            }
            yield return row;
        }
    }

    private const string TagsSource = "movielens-latest:tags.csv";

    /// <summary>Tags per movie, most applied first (ties by name), and the rows that could not be read (as rows to quarantine).</summary>
    private static (Dictionary<string, List<string>> Tags, List<RawCatalogRow> Bad) ReadTags(string tagsCsv)
    {
        var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var bad = new List<RawCatalogRow>();
        var fields = new List<string>(4);
        using var stream = System.IO.File.OpenRead(tagsCsv);
        var reader = new LineReader(stream);
        if (reader.ReadLine(out _) is { } header) RequireHeader(tagsCsv, header, "userId,movieId,tag,timestamp");
        long line = 1;
        while (reader.ReadLine(out var tooLong) is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            if (tooLong)
            {
                bad.Add(new RawCatalogRow { Line = line, Raw = text, RawBytes = reader.LastLineBytes, Source = TagsSource, ParseError = reader.TooLongReason(text) });
                continue;
            }
            if (!Delimited.TrySplit(text, ',', fields) || fields.Count != 4)
            {
                bad.Add(new RawCatalogRow { Line = line, Raw = text, RawBytes = reader.LastLineBytes, Source = TagsSource, ParseError = "expected 4 columns (userId,movieId,tag,timestamp)." });
                continue;
            }
            var tag = fields[2].Trim();
            if (tag.Length == 0)
            {
                bad.Add(new RawCatalogRow { Line = line, Raw = text, RawBytes = reader.LastLineBytes, Source = TagsSource, ParseError = "the tag is empty." });
                continue;
            }
            if (!counts.TryGetValue(fields[1].Trim(), out var perMovie)) counts[fields[1].Trim()] = perMovie = new(StringComparer.OrdinalIgnoreCase);
            perMovie[tag] = perMovie.GetValueOrDefault(tag) + 1;
        }
        return (counts.ToDictionary(c => c.Key, c => c.Value.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToList()), bad);
    }

    /// <summary>A MovieLens file's first line must be its header: a file without one would lose its first record silently.</summary>
    internal static void RequireHeader(string path, string header, string expected)
    {
        if (!string.Equals(header.Trim().TrimStart('\uFEFF'), expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: the first line must be the header '{expected}', found '{TextClip.Clip(header, 80)}'.");
    }

    /// <summary>
    /// A catalogue file: NDJSON of catalogue items (camelCase, as stored) or CSV with a header
    /// (contentId,title,genres,releaseDate,year,maturityRating,description,tags; genres and tags separated by '|').
    /// <paramref name="delimiter"/> (<c>--delimiter</c>) is read as event imports read it (<see cref="EventSources.SeparatorOf"/>).
    /// </summary>
    public static CatalogSource FromFile(string path, string? format = null, char? delimiter = null)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        format ??= EventSources.FormatOf(path);
        if (EventSources.SeparatorOf(format, delimiter) is not { } separator)
            return CatalogSource.ForFiles($"ndjson:{Path.GetFileName(path)}", "catalog|ndjson", [path], ct => ReadNdjson(path, ct));
        // Read with another separator the same bytes are another catalogue, so another batch; the format's own separator
        // keeps the descriptor (hence the batch ids) imports had before --delimiter existed.
        var descriptor = separator == EventSources.SeparatorOf(format, null) ? $"catalog|{format}" : $"catalog|{format}|{(int)separator}";
        return CatalogSource.ForFiles($"{format}:{Path.GetFileName(path)}", descriptor, [path], ct => ReadDelimited(path, separator, ct));
    }

    private static IEnumerable<RawCatalogRow> ReadNdjson(string path, CancellationToken cancellationToken)
    {
        using var stream = System.IO.File.OpenRead(path);
        var reader = new LineReader(stream);
        long line = 0;
        while (reader.ReadLine(out var tooLong) is { } text)
        {
            line++;
            cancellationToken.ThrowIfCancellationRequested();
            if (string.IsNullOrWhiteSpace(text)) continue;
            var row = new RawCatalogRow { Line = line, Raw = text, RawBytes = reader.LastLineBytes };
            if (tooLong)
            {
                row.ParseError = reader.TooLongReason(text, jsonLines: true);
                yield return row;
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) row.ParseError = "the line is JSON but not an object.";
                else
                {
                    // A property present with a value that cannot be what it names is an error of the row, never a silent null.
                    var problems = new List<string>();
                    row.ContentId = Scalar(root, "contentId", problems) ?? Scalar(root, "id", problems) ?? Scalar(root, "itemId", problems) ?? Scalar(root, "movieId", problems);
                    row.Title = Scalar(root, "title", problems);
                    row.ReleaseDate = Scalar(root, "releaseDate", problems);
                    if (Scalar(root, "year", problems) is { } year)
                    {
                        if (int.TryParse(year, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var y)) row.Year = y;
                        else row.UnparseableYear = year;
                    }
                    row.MaturityRating = Scalar(root, "maturityRating", problems);
                    row.Description = Scalar(root, "description", problems);
                    row.Genres = List(root, "genres", problems);
                    row.Tags = List(root, "tags", problems);
                    if (problems.Count > 0) row.ParseError = string.Join("; ", problems) + ".";
                }
            }
            catch (JsonException e)
            {
                row.ParseError = $"not valid JSON ({e.Message.Split('.')[0]}).";
            }
            yield return row;
        }
    }

    /// <summary>A text or number property as text; null when absent or JSON null; anything else is a problem of the row.</summary>
    private static string? Scalar(JsonElement obj, string name, List<string> problems)
    {
        foreach (var p in obj.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.String: return p.Value.GetString();
                    case JsonValueKind.Number: return p.Value.GetRawText();
                    case JsonValueKind.Null: return null;
                    default:
                        problems.Add($"{p.Name} must be text or a number, not {p.Value.ValueKind.ToString().ToLowerInvariant()}");
                        return null;
                }
        return null;
    }

    /// <summary>An array of texts, or one "a|b" text; absent or null is empty; any other value or element is a problem of the row.</summary>
    private static List<string> List(JsonElement obj, string name, List<string> problems)
    {
        foreach (var p in obj.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.Array:
                        if (p.Value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
                            problems.Add($"{p.Name} must hold only texts");
                        return p.Value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();
                    case JsonValueKind.String: return p.Value.GetString()!.Split('|').ToList();
                    case JsonValueKind.Null: return [];
                    default:
                        problems.Add($"{p.Name} must be an array of texts or one text");
                        return [];
                }
        return [];
    }

    private static IEnumerable<RawCatalogRow> ReadDelimited(string path, char delimiter, CancellationToken cancellationToken)
    {
        using var stream = System.IO.File.OpenRead(path);
        var lines = new LineReader(stream);
        var fields = new List<string>(8);
        if (lines.ReadLine(out _) is not { } headerLine || !Delimited.TrySplit(headerLine, delimiter, fields))
            throw new InvalidDataException($"{path}: no valid header row.");
        var header = fields.Select(f => f.Trim()).ToList();
        int Col(params string[] names) => header.FindIndex(h => names.Any(n => string.Equals(h, n, StringComparison.OrdinalIgnoreCase)));
        var (iId, iTitle, iGenres, iRelease, iYear, iMaturity, iDescription, iTags) =
            (Col("contentId", "content_id", "itemId", "item_id", "movieId", "id"), Col("title"), Col("genres"), Col("releaseDate", "release_date"),
             Col("year"), Col("maturityRating", "maturity_rating", "maturity"), Col("description"), Col("tags"));
        if (iId < 0 || iTitle < 0)
        {
            // Echoed to a terminal: control characters (a binary file's escape bytes) are shown as '?', and the list is clipped.
            var found = new string(string.Join(", ", header).Select(c => char.IsControl(c) ? '?' : c).ToArray());
            var binary = header.Any(h => h.Any(c => c == '\uFFFD' || (char.IsControl(c) && c is not '\t')));
            throw new InvalidDataException($"{path}: the header needs contentId and title columns (found {TextClip.Clip(found, 200)})"
                + (binary ? "; the file does not look like text." : "." + Delimited.OtherDelimiterHint(header)));
        }
        var records = new DelimitedRecords(lines, delimiter, header.Count, firstLine: 2);
        while (records.TryRead(out var record))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = record.Text;
            if (text.Length == 0) continue;
            var row = new RawCatalogRow { Line = record.Line, Raw = record.Raw, RawBytes = record.RawBytes };
            if (record.TooLong) row.ParseError = lines.TooLongReason(text);
            else if (!Delimited.TrySplit(text, delimiter, fields)) row.ParseError = "a quote is left open or text follows a closing quote.";
            else if (fields.Count != header.Count) row.ParseError = $"expected {header.Count} columns, found {fields.Count}.";
            else
            {
                string? F(int i) => i >= 0 ? fields[i] : null;
                row.ContentId = F(iId);
                row.Title = F(iTitle);
                row.Genres = F(iGenres)?.Split('|').ToList() ?? [];
                row.ReleaseDate = F(iRelease);
                if (F(iYear) is { Length: > 0 } y)
                {
                    if (int.TryParse(y, CultureInfo.InvariantCulture, out var year)) row.Year = year;
                    else row.UnparseableYear = y;
                }
                row.MaturityRating = F(iMaturity);
                row.Description = F(iDescription);
                row.Tags = F(iTags)?.Split('|').ToList() ?? [];
            }
            yield return row;
        }
    }
}
