using MLOps.Storage;

namespace MLOps.Core.Ingest;

/// <summary>A dataset import: its catalogue batch and its events batch.</summary>
public sealed record DatasetImport(string Dataset, IngestResult Catalog, IngestResult Events);

/// <summary>Imports the MovieLens datasets: catalogue first (so events can be checked against it later), then ratings.</summary>
public static class MovieLensImporter
{
    public const string MovieLens100k = "movielens-100k";
    public const string MovieLensLatest = "movielens";

    /// <summary><c>u.item</c> then <c>u.data</c> of an ml-100k folder.</summary>
    public static async Task<DatasetImport> ImportMovieLens100kAsync(IBlobStore store, string dir, IProgress<IngestProgress>? progress = null,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var uData = Require(dir, "u.data");
        var uItem = Require(dir, "u.item");
        var catalog = await new CatalogImporter(store, time).ImportAsync(CatalogImporter.MovieLens100k(uItem), cancellationToken).ConfigureAwait(false);
        var events = await new EventIngestor(store, time).IngestAsync(EventSources.MovieLens100k(uData), progress, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new DatasetImport(MovieLens100k, catalog, events);
    }

    /// <summary><c>movies.csv</c> (+ <c>tags.csv</c>) then <c>ratings.csv</c> of an ml-latest(-small) folder.</summary>
    public static async Task<DatasetImport> ImportMovieLensLatestAsync(IBlobStore store, string dir, IProgress<IngestProgress>? progress = null,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var ratings = Require(dir, "ratings.csv");
        var movies = Require(dir, "movies.csv");
        RequireRatingsHeader(ratings);
        var catalog = await new CatalogImporter(store, time).ImportAsync(CatalogImporter.MovieLensLatest(movies, Path.Combine(dir, "tags.csv")), cancellationToken).ConfigureAwait(false);
        var events = await new EventIngestor(store, time).IngestAsync(EventSources.MovieLensLatest(ratings), progress, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new DatasetImport(MovieLensLatest, catalog, events);
    }

    /// <summary>Which dataset a folder holds: movielens-100k (u.data), movielens (ratings.csv), or null.</summary>
    public static string? Detect(string dir) =>
        File.Exists(Path.Combine(dir, "u.data")) ? MovieLens100k
        : File.Exists(Path.Combine(dir, "ratings.csv")) ? MovieLensLatest
        : null;

    /// <summary>Checked before anything is written: without its header the generic column advice ("--map …") would not apply to this verb.</summary>
    private static void RequireRatingsHeader(string ratingsCsv)
    {
        using var reader = new StreamReader(ratingsCsv, System.Text.Encoding.UTF8);
        CatalogImporter.RequireHeader(ratingsCsv, new LineReader(reader, 4096).ReadLine(out _) ?? "", "userId,movieId,rating,timestamp");
    }

    private static string Require(string dir, string file)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such folder.");
        var path = Path.Combine(dir, file);
        if (File.Exists(path)) return path;
        // The usual slips: the folder that holds the datasets, or the other MovieLens layout.
        var ml100kFile = file is "u.data" or "u.item";
        var hint = Detect(dir) switch
        {
            MovieLens100k when !ml100kFile => " It holds MovieLens 100K (u.data): import it as movielens-100k.",
            MovieLensLatest when ml100kFile => " It holds MovieLens latest (ratings.csv): import it as movielens.",
            _ => "",
        };
        if (hint.Length == 0)
        {
            var inside = Directory.EnumerateDirectories(dir).Where(d => File.Exists(Path.Combine(d, file)))
                .Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList();
            if (inside.Count > 0) hint = $" Folders inside it that have one: {string.Join(", ", inside)} (e.g. {Path.Combine(dir, inside[0])}).";
        }
        throw new FileNotFoundException($"{dir} has no {file}: is this the right dataset folder?{hint}", path);
    }
}
