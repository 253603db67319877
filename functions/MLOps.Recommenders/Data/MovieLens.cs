using System.Globalization;
using System.Text;
using MLOps.Core.Data;

namespace MLOps.Recommenders;

/// <summary>
/// Reads the MovieLens files directly (for benchmarks): ML-100k (<c>u.data</c>, <c>u.item</c>) and the ml-latest family
/// (<c>ratings.csv</c>, <c>movies.csv</c>, optional <c>tags.csv</c>). Ratings are kept; timestamps are Unix seconds.
/// </summary>
public static class MovieLens
{
    private static readonly string[] Genres100k =
        ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
         "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"];

    /// <summary>Loads "movielens-100k" or "movielens" (ml-latest / ml-latest-small) from a folder.</summary>
    public static TrainingData Load(string dataset, string folder) => dataset switch
    {
        "movielens-100k" => Load100k(folder),
        "movielens" => LoadLatest(folder),
        _ => throw new ArgumentException($"--dataset must be movielens-100k or movielens, not '{dataset}'.", nameof(dataset)),
    };

    public static TrainingData Load100k(string folder)
    {
        var data = RequireFile(folder, "u.data");
        var itemFile = RequireFile(folder, "u.item");
        var catalog = new List<CatalogItem>();
        foreach (var line in File.ReadLines(itemFile, Encoding.Latin1))
        {
            if (line.Length == 0) continue;
            var f = line.Split('|');
            if (f.Length < 24) throw new InvalidDataException($"{itemFile}: expected 24 '|'-separated fields, got {f.Length}.");
            var genres = new List<string>();
            for (var g = 0; g < 19; g++) if (f[5 + g] == "1") genres.Add(Genres100k[g]);
            DateOnly? release = DateOnly.TryParseExact(f[2], "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
            catalog.Add(new CatalogItem { ContentId = f[0], Title = f[1], Genres = genres, ReleaseDate = release });
        }
        var rows = new List<(string, string, float, long)>();
        foreach (var line in File.ReadLines(data))
        {
            if (line.Length == 0) continue;
            var f = line.Split('\t');
            if (f.Length < 4) throw new InvalidDataException($"{data}: expected user, item, rating, timestamp separated by tabs.");
            rows.Add((f[0], f[1], float.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture)));
        }
        return Build(rows, catalog);
    }

    public static TrainingData LoadLatest(string folder)
    {
        var ratings = RequireFile(folder, "ratings.csv");
        var movies = RequireFile(folder, "movies.csv");
        var tags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var tagFile = Path.Combine(folder, "tags.csv");
        if (File.Exists(tagFile))
            foreach (var f in ReadCsv(tagFile))
                if (f.Count >= 3)
                {
                    if (!tags.TryGetValue(f[1], out var list)) tags[f[1]] = list = [];
                    var tag = f[2].Trim().ToLowerInvariant();
                    if (tag.Length > 0 && !list.Contains(tag)) list.Add(tag);
                }
        var catalog = new List<CatalogItem>();
        foreach (var f in ReadCsv(movies))
        {
            if (f.Count < 3) throw new InvalidDataException($"{movies}: expected movieId,title,genres.");
            var genres = f[2] == "(no genres listed)" ? [] : f[2].Split('|', StringSplitOptions.RemoveEmptyEntries);
            catalog.Add(new CatalogItem { ContentId = f[0], Title = f[1], Genres = genres, Tags = tags.GetValueOrDefault(f[0]) ?? [] });
        }
        var rows = new List<(string, string, float, long)>();
        foreach (var f in ReadCsv(ratings))
        {
            if (f.Count < 4) throw new InvalidDataException($"{ratings}: expected userId,movieId,rating,timestamp.");
            rows.Add((f[0], f[1], float.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture)));
        }
        return Build(rows, catalog);
    }

    private static TrainingData Build(List<(string User, string Item, float Rating, long Time)> rows, List<CatalogItem> catalog)
    {
        var numeric = Comparer<string>.Create(static (a, b) =>
            long.TryParse(a, out var x) && long.TryParse(b, out var y) ? x.CompareTo(y) : string.CompareOrdinal(a, b));
        var itemIds = catalog.Select(c => c.ContentId).Concat(rows.Select(r => r.Item)).Distinct(StringComparer.Ordinal).Order(numeric).ToArray();
        var userIds = rows.Select(r => r.User).Distinct(StringComparer.Ordinal).Order(numeric).ToArray();
        var items = new ItemIndex(itemIds);
        var users = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var u = 0; u < userIds.Length; u++) users[userIds[u]] = u;
        var byId = catalog.ToDictionary(c => c.ContentId, StringComparer.Ordinal);
        var aligned = itemIds.Select(id => byId.GetValueOrDefault(id)).ToArray();
        var interactions = rows.Select(r => { items.TryGetIndex(r.Item, out var i); return new Interaction(users[r.User], i, r.Rating, r.Time); });
        return new TrainingData(items, userIds, interactions, aligned);
    }

    private static string RequireFile(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        if (File.Exists(path)) return path;
        // The usual slip: the folder that holds the datasets (../shared/data) instead of one of them.
        var inside = Directory.Exists(folder)
            ? Directory.EnumerateDirectories(folder).Where(d => File.Exists(Path.Combine(d, name))).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList()
            : [];
        throw new FileNotFoundException($"MovieLens file '{path}' is missing"
            + (inside.Count > 0 ? $"; folders inside it that have one: {string.Join(", ", inside)} (e.g. {Path.Combine(folder, inside[0])})." : "."), path);
    }

    /// <summary>Minimal RFC 4180 reader (quoted fields with commas and doubled quotes); skips the header line.</summary>
    private static IEnumerable<List<string>> ReadCsv(string path)
    {
        var first = true;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            if (first) { first = false; continue; }
            if (line.Length == 0) continue;
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (var n = 0; n < line.Length; n++)
            {
                var c = line[n];
                if (quoted)
                {
                    if (c == '"' && n + 1 < line.Length && line[n + 1] == '"') { field.Append('"'); n++; }
                    else if (c == '"') quoted = false;
                    else field.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
                else field.Append(c);
            }
            fields.Add(field.ToString());
            yield return fields;
        }
    }
}
