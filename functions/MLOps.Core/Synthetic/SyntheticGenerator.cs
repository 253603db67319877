using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Core.Synthetic;

/// <summary>What to generate (all defaults give a small but realistic dataset).</summary>
public sealed record GeneratorOptions
{
    public int Users { get; init; } = 1_000;
    public int Items { get; init; } = 500;
    public int Events { get; init; } = 100_000;
    public int Days { get; init; } = 60;
    public long Seed { get; init; } = 42;
    /// <summary>First day of the data (UTC).</summary>
    public DateOnly Start { get; init; } = new(2025, 1, 1);
    /// <summary>Zipf exponent of title popularity (1 = classic Zipf).</summary>
    public double ZipfExponent { get; init; } = 1.0;
    /// <summary>Share of events that carry a rating (event type rate).</summary>
    public double RatedShare { get; init; } = 0.3;
    /// <summary>
    /// Taste communities (0 = off): each user joins one, and each community shares a few favourite titles across
    /// genres, so viewing has item-level co-occurrence that collaborative models can learn and popularity cannot
    /// (without it, taste is genre-level only and popularity is hard to beat).
    /// </summary>
    public int Communities { get; init; }
    /// <summary>Share of a community member's views drawn from the community's favourites.</summary>
    public double CommunityShare { get; init; } = 0.4;
    /// <summary>
    /// Whether a user may draw a title again (the original model). Off: a title already watched is redrawn (up to
    /// 20 times), as on a real service where few titles are watched twice.
    /// </summary>
    public bool RepeatViews { get; init; } = true;
    public DriftSpec? Drift { get; init; }

    public void Validate()
    {
        if (Users < 1) throw new ArgumentException("--users must be at least 1.");
        if (Items < 1) throw new ArgumentException("--items must be at least 1.");
        if (Events < 0) throw new ArgumentException("--events must not be negative.");
        if (Days < 1) throw new ArgumentException("--days must be at least 1.");
        if (!(ZipfExponent >= 0 && ZipfExponent <= 3)) throw new ArgumentException("--zipf must be between 0 and 3.");
        if (Communities < 0 || Communities > Users) throw new ArgumentException($"--communities must be between 0 and the number of users ({Users}).");
        if (!(CommunityShare >= 0 && CommunityShare <= 1)) throw new ArgumentException("--community-share must be between 0 and 1.");
        if (Drift is { } d)
            foreach (var e in d.Entries)
            {
                if (e.FromDay >= Days) throw new ArgumentException($"--drift {e.Kind}: from={e.FromDay} is past the last day ({Days - 1}).");
                if (e.Genre is { } g && !SyntheticGenerator.Genres.Any(x => string.Equals(x.Name, g, StringComparison.OrdinalIgnoreCase)))
                    throw new ArgumentException($"--drift genre-surge: genre '{g}' is not one of {string.Join(", ", SyntheticGenerator.Genres.Select(x => x.Name))}.");
            }
    }
}

/// <summary>What the generator wrote (also saved as <c>generator.json</c> beside the data).</summary>
public sealed record GeneratorSummary
{
    public required GeneratorOptions Options { get; init; }
    public required long Events { get; init; }
    public required int Users { get; init; }
    public required int Items { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public required string EventsFile { get; init; }
    public required string CatalogFile { get; init; }
    public double Seconds { get; init; }
}

/// <summary>
/// Synthetic viewing data for a streaming service, deterministic from the seed (same options → same bytes):
/// a catalogue with genres, release dates, maturity ratings, runtimes and short descriptions; users with latent
/// genre tastes, activity levels, a home country and a main device; titles with Zipf-like popularity; events
/// spread over the days with a weekly rhythm and evening peaks, view times and ratings that follow taste and title
/// quality; optional planted drift (<see cref="DriftSpec"/>). Writes <c>events.csv</c>, <c>catalog.ndjson</c> and
/// <c>generator.json</c>.
/// </summary>
public static class SyntheticGenerator
{
    public const string EventsFileName = "events.csv";
    public const string CatalogFileName = "catalog.ndjson";
    public const string SummaryFileName = "generator.json";
    public const string EventsHeader = "eventId,userId,contentId,timestamp,eventType,viewSeconds,rating,ratingScaleMax,device,country";

    /// <summary>Genres with their share of the catalogue (MovieLens names, so drift specs read the same on both).</summary>
    public static readonly (string Name, double Weight)[] Genres =
    [
        ("Drama", 20), ("Comedy", 17), ("Action", 10), ("Thriller", 8), ("Romance", 7), ("Adventure", 5), ("Crime", 5),
        ("Sci-Fi", 4), ("Horror", 4), ("Documentary", 4), ("Animation", 3), ("Children", 3), ("Fantasy", 3), ("Mystery", 2),
        ("Musical", 1.5), ("War", 1.5), ("Western", 1), ("Film-Noir", 1),
    ];

    private static readonly (string Code, double Weight)[] Countries =
        [("US", 38), ("GB", 9), ("DE", 8), ("IN", 9), ("BR", 8), ("FR", 7), ("CA", 5), ("ES", 4), ("MX", 4), ("JP", 4), ("AU", 2), ("NL", 2)];

    /// <summary>Where a hijacked account appears from during an account burst.</summary>
    private static readonly string[] BurstCountries =
        ["US", "GB", "DE", "IN", "BR", "FR", "CA", "ES", "MX", "JP", "AU", "NL", "SE", "NO", "PL", "IT", "KR", "AR", "ZA", "NG", "EG", "TR", "RU", "CN", "ID", "PH", "VN", "TH", "CO", "CL"];

    private static readonly (string Name, double Weight)[] Devices = [("tv", 45), ("mobile", 30), ("web", 15), ("tablet", 10)];

    /// <summary>Share of a day's viewing per UTC hour: quiet at night, a lunch bump, an evening peak.</summary>
    private static readonly double[] HourWeights = [3, 2, 1.2, 0.8, 0.6, 0.6, 1, 1.6, 2.2, 2.6, 3, 3.4, 4, 4, 3.8, 4, 4.6, 5.4, 6.6, 8, 9, 8.6, 6.6, 4.6];

    private static readonly string[] Adjectives =
        ["Silent", "Broken", "Golden", "Last", "Hidden", "Crimson", "Endless", "Distant", "Frozen", "Wild", "Secret", "Electric", "Lonely", "Burning", "Midnight", "Hollow", "Bright", "Fallen", "Savage", "Gentle"];
    private static readonly string[] Nouns =
        ["Harbor", "Kingdom", "Signal", "Garden", "River", "Empire", "Witness", "Frontier", "Echo", "Orchard", "Voyage", "Station", "Promise", "Shadow", "Crown", "Island", "Machine", "Summer", "Letter", "Storm"];
    private static readonly string[] Topics =
        ["a family secret", "an unlikely friendship", "a heist gone wrong", "the last days of a small town", "a rivalry that spans decades",
         "a journey across the sea", "a detective with nothing to lose", "first love", "a city under siege", "a stolen invention",
         "two strangers on a night train", "a team of misfits", "a message from the future", "a musician's comeback", "a haunted inheritance"];

    private static readonly Dictionary<string, string[]> GenreTags = new()
    {
        ["Drama"] = ["character study", "emotional", "based on a true story"], ["Comedy"] = ["feel-good", "witty", "quirky"],
        ["Action"] = ["explosive", "car chase", "fight scenes"], ["Thriller"] = ["suspense", "twist ending", "tense"],
        ["Romance"] = ["love story", "heartwarming"], ["Adventure"] = ["epic", "treasure hunt"], ["Crime"] = ["heist", "gangsters", "noir"],
        ["Sci-Fi"] = ["space", "time travel", "dystopia"], ["Horror"] = ["scary", "gore", "haunted house"], ["Documentary"] = ["true story", "nature", "history"],
        ["Animation"] = ["pixar-like", "hand-drawn"], ["Children"] = ["family", "kids"], ["Fantasy"] = ["magic", "dragons"], ["Mystery"] = ["whodunit", "clever"],
        ["Musical"] = ["songs", "dance"], ["War"] = ["battle", "soldiers"], ["Western"] = ["cowboys", "frontier"], ["Film-Noir"] = ["black and white", "femme fatale"],
    };

    private sealed class Item
    {
        public required string Id;
        public required int[] Genres;
        public double Quality;
        public double RuntimeSeconds;
    }

    private sealed class User
    {
        public required string Id;
        public required double[] Taste;
        public required double[] TasteCumulative;
        public required string Country;
        public required string Device;
        public int Community = -1;
        /// <summary>Titles already drawn (only tracked when repeat views are off).</summary>
        public HashSet<int>? Watched;
    }

    /// <summary>A taste community's favourite titles, drawn by popularity (weighted by its square root).</summary>
    private sealed record Community(int[] Items, double[] Cumulative);

    private readonly record struct Ev(long Second, int User, int Item, byte Type, int View, int Rating, int Scale, string Country, string Device);

    public static GeneratorSummary Generate(GeneratorOptions options, string outDir, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        var rng = new SplitMix(unchecked((ulong)options.Seed * 0x9E3779B97F4A7C15UL + 1));
        var genrePrior = Genres.Select(g => g.Weight).ToArray();
        var genreCumulative = SplitMix.Cumulative(genrePrior);
        var priorTotal = genrePrior.Sum();

        // ---- catalogue ----
        var items = new Item[options.Items];
        var catalog = new List<CatalogItem>(options.Items);
        for (var i = 0; i < options.Items; i++)
        {
            var genres = new List<int> { rng.Pick(genreCumulative) };
            var extra = rng.NextDouble() switch { < 0.45 => 0, < 0.85 => 1, _ => 2 };
            for (var k = 0; k < extra; k++)
            {
                var g = rng.Pick(genreCumulative);
                if (!genres.Contains(g)) genres.Add(g);
            }
            var main = Genres[genres[0]].Name;
            var age = Math.Min(60, -Math.Log(1 - rng.NextDouble()) * 10);
            var release = options.Start.AddDays(-(int)(age * 365.25) - 1);
            var runtime = main switch { "Documentary" => 80, "Children" or "Animation" => 88, _ => 105 } + rng.NextGaussian() * 15;
            items[i] = new Item
            {
                Id = $"m{i + 1}",
                Genres = [.. genres],
                Quality = rng.NextGaussian() * 0.5,
                RuntimeSeconds = Math.Clamp(runtime, 60, 200) * 60,
            };
            var title = rng.Next(3) switch
            {
                0 => $"The {Pick(rng, Adjectives)} {Pick(rng, Nouns)}",
                1 => $"{Pick(rng, Nouns)} of the {Pick(rng, Adjectives)} {Pick(rng, Nouns)}",
                _ => $"{Pick(rng, Adjectives)} {Pick(rng, Nouns)}",
            };
            if (rng.Chance(0.08)) title += " II";
            catalog.Add(new CatalogItem
            {
                ContentId = items[i].Id,
                Title = title,
                Genres = genres.Select(g => Genres[g].Name).ToList(),
                ReleaseDate = release,
                Year = release.Year,
                MaturityRating = Maturity(rng, main),
                Description = $"A {Pick(rng, Adjectives).ToLowerInvariant()} {main.ToLowerInvariant()} about {Pick(rng, Topics)}. {Math.Round(items[i].RuntimeSeconds / 60)} minutes.",
                Tags = genres.SelectMany(g => GenreTags[Genres[g].Name]).Where(_ => rng.Chance(0.4)).Distinct().Take(4).ToList(),
            });
        }

        // Zipf popularity over a random ranking of the titles.
        var ranking = Enumerable.Range(0, options.Items).ToArray();
        for (var i = ranking.Length - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (ranking[i], ranking[j]) = (ranking[j], ranking[i]);
        }
        var popularity = new double[options.Items];
        for (var r = 0; r < ranking.Length; r++) popularity[ranking[r]] = 1 / Math.Pow(r + 1, options.ZipfExponent);
        var globalCumulative = SplitMix.Cumulative(popularity);
        var byGenre = new (int[] Items, double[] Cumulative)[Genres.Length];
        for (var g = 0; g < Genres.Length; g++)
        {
            var members = Enumerable.Range(0, options.Items).Where(i => items[i].Genres.Contains(g)).ToArray();
            byGenre[g] = (members, SplitMix.Cumulative(members.Select(i => popularity[i])));
        }

        // ---- users ----
        var countryCumulative = SplitMix.Cumulative(Countries.Select(c => c.Weight));
        var deviceCumulative = SplitMix.Cumulative(Devices.Select(d => d.Weight));
        var users = new User[options.Users];
        var activity = new double[options.Users];
        for (var u = 0; u < options.Users; u++)
        {
            var taste = genrePrior.Select(w => 0.3 * w / priorTotal).ToArray();
            var favourites = 1 + rng.Next(3);
            var shares = Enumerable.Range(0, favourites).Select(_ => 0.2 + rng.NextDouble()).ToArray();
            for (var f = 0; f < favourites; f++) taste[rng.Pick(genreCumulative)] += 0.7 * shares[f] / shares.Sum();
            // Only genres that have titles can be watched.
            for (var g = 0; g < taste.Length; g++) if (byGenre[g].Items.Length == 0) taste[g] = 0;
            var sum = taste.Sum();
            for (var g = 0; g < taste.Length; g++) taste[g] /= sum;
            users[u] = new User
            {
                Id = $"u{u + 1}",
                Taste = taste,
                TasteCumulative = SplitMix.Cumulative(taste),
                Country = Countries[rng.Pick(countryCumulative)].Code,
                Device = Devices[rng.Pick(deviceCumulative)].Name,
            };
            activity[u] = Math.Exp(rng.NextGaussian());
        }
        var activityCumulative = SplitMix.Cumulative(activity);
        var communities = NewCommunities(rng, options, users, popularity);
        if (!options.RepeatViews) foreach (var user in users) user.Watched = [];

        // ---- events per day: weekly rhythm, slow growth, planted volume drift ----
        var drift = options.Drift?.Entries ?? [];
        var dayWeights = new double[options.Days];
        for (var d = 0; d < options.Days; d++)
        {
            var dow = options.Start.AddDays(d).DayOfWeek;
            var w = (dow is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1.25 : dow is DayOfWeek.Friday ? 1.1 : 1.0) * (1 + 0.003 * d);
            foreach (var e in drift) if (e.Kind == "volume" && d >= e.FromDay) w *= e.Factor!.Value;
            dayWeights[d] = w;
        }
        var perDay = Apportion(options.Events, dayWeights);
        var burst = drift.FirstOrDefault(e => e.Kind == "account-burst");
        var burstUser = burst is null ? -1 : burst.User is { } name ? Array.FindIndex(users, u => u.Id == name) : 0;
        if (burst is not null && burstUser < 0) throw new ArgumentException($"--drift account-burst: user '{burst.User}' does not exist (users are u1..u{options.Users}).");
        var burstPerDay = burst is null ? new long[options.Days]
            : Apportion(burst.Events!.Value, Enumerable.Range(0, options.Days).Select(d => d >= burst.FromDay ? 1.0 : 0.0).ToArray());
        var hourCumulative = SplitMix.Cumulative(HourWeights);

        var eventsPath = Path.Combine(outDir, EventsFileName);
        var start = new DateTimeOffset(options.Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        long written = 0;
        var total = perDay.Sum() + burstPerDay.Sum();
        using (var writer = new StreamWriter(eventsPath, false, new UTF8Encoding(false), 1 << 16))
        {
            writer.NewLine = "\n";
            writer.WriteLine(EventsHeader);
            var day = new List<Ev>();
            var line = new StringBuilder(160);
            for (var d = 0; d < options.Days; d++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                day.Clear();
                var surges = drift.Where(e => e.Kind == "genre-surge" && d >= e.FromDay).ToList();
                var scaleMax = drift.LastOrDefault(e => e.Kind == "rating-scale" && d >= e.FromDay)?.Max ?? 5;
                for (long n = 0; n < perDay[d]; n++)
                {
                    var u = rng.Pick(activityCumulative);
                    day.Add(Event(rng, users[u], u, d, surges, scaleMax, users[u].Country, options, items, byGenre, communities, globalCumulative, hourCumulative, deviceCumulative));
                }
                for (long n = 0; n < burstPerDay[d]; n++)
                {
                    var country = BurstCountries[rng.Next(Math.Min(burst!.Countries!.Value, BurstCountries.Length))];
                    day.Add(Event(rng, users[burstUser], burstUser, d, surges, scaleMax, country, options, items, byGenre, communities, globalCumulative, hourCumulative, deviceCumulative));
                }
                day.Sort((a, b) => a.Second.CompareTo(b.Second));
                foreach (var e in day)
                {
                    line.Clear();
                    var ts = start.AddSeconds(e.Second);
                    line.Append(CultureInfo.InvariantCulture, $"e{options.Seed}-{written + 1},{users[e.User].Id},{items[e.Item].Id},{ts:yyyy-MM-ddTHH:mm:ssZ},");
                    line.Append(e.Type == 1 ? "rate" : "play").Append(',').Append(e.View).Append(',');
                    if (e.Rating > 0) line.Append(e.Rating).Append(',').Append(e.Scale);
                    else line.Append(',');
                    line.Append(',').Append(e.Device).Append(',').Append(e.Country);
                    writer.WriteLine(line);
                    written++;
                }
                progress?.Report(total == 0 ? 1 : (double)written / total);
            }
        }

        var catalogPath = Path.Combine(outDir, CatalogFileName);
        using (var writer = new StreamWriter(catalogPath, false, new UTF8Encoding(false)))
        {
            writer.NewLine = "\n";
            foreach (var item in catalog) writer.WriteLine(JsonSerializer.Serialize(item, StoreJson.Options));
        }

        var summary = new GeneratorSummary
        {
            Options = options,
            Events = written,
            Users = options.Users,
            Items = options.Items,
            From = start,
            To = start.AddDays(options.Days),
            EventsFile = eventsPath,
            CatalogFile = catalogPath,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
        };
        File.WriteAllText(Path.Combine(outDir, SummaryFileName), JsonSerializer.Serialize(new { summary.Options, summary.Events, summary.Users, summary.Items, summary.From, summary.To, Drift = options.Drift?.ToString() }, StoreJson.Indented));
        return summary;
    }

    private static Ev Event(SplitMix rng, User user, int u, int day, List<DriftEntry> surges, int scaleMax, string country, GeneratorOptions options,
        Item[] items, (int[] Items, double[] Cumulative)[] byGenre, Community[] communities, double[] globalCumulative, double[] hourCumulative, double[] deviceCumulative)
    {
        // Genre from the user's taste; a surge mixes in extra mass on its genre: p'(g) ∝ p(g) + (factor − 1)·p(surge genre)·[g = surge].
        var genre = -1;
        foreach (var s in surges)
        {
            var g = Array.FindIndex(Genres, x => string.Equals(x.Name, s.Genre, StringComparison.OrdinalIgnoreCase));
            if (g < 0 || byGenre[g].Items.Length == 0) continue;
            var extra = (s.Factor!.Value - 1) * user.Taste[g];
            if (extra > 0 && rng.Chance(extra / (1 + extra))) genre = g;
        }
        if (genre < 0) genre = rng.Pick(user.TasteCumulative);
        var item = PickTitle(rng, user, genre, options, byGenre, communities, globalCumulative);
        if (user.Watched is { } watched)
        {
            for (var attempt = 0; attempt < 20 && watched.Contains(item); attempt++) item = PickTitle(rng, user, genre, options, byGenre, communities, globalCumulative);
            watched.Add(item);
        }
        var it = items[item];

        // Affinity: how much more than an average user this user likes the title's genres (log ratio to the mean taste).
        var affinity = 0.0;
        foreach (var g in it.Genres) affinity += user.Taste[g];
        affinity = Math.Clamp(Math.Log(affinity / it.Genres.Length * Genres.Length + 1e-3), -2, 2);
        var completion = 1 / (1 + Math.Exp(-(0.6 + affinity + it.Quality + rng.NextGaussian())));
        var view = (int)Math.Round(it.RuntimeSeconds * Math.Clamp(completion, 0.02, 1));
        var rating = 0;
        byte type = 0;
        if (rng.Chance(options.RatedShare))
        {
            type = 1;
            var stars = Math.Clamp(Math.Round(3.3 + 0.6 * affinity + it.Quality + 0.7 * rng.NextGaussian()), 1, 5);
            rating = scaleMax == 5 ? (int)stars : (int)Math.Clamp(Math.Round(stars * scaleMax / 5.0 + rng.NextGaussian() * 0.5), 1, scaleMax);
        }
        var hour = rng.Pick(hourCumulative);
        var second = (long)day * 86_400 + hour * 3_600 + rng.Next(3_600);
        var device = rng.Chance(0.75) ? user.Device : Devices[rng.Pick(deviceCumulative)].Name;
        return new Ev(second, u, item, type, view, rating, rating > 0 ? scaleMax : 0, country, device);
    }

    /// <summary>A title for one view: from the user's community's favourites, else the genre's popular titles, else any popular title.</summary>
    private static int PickTitle(SplitMix rng, User user, int genre, GeneratorOptions options, (int[] Items, double[] Cumulative)[] byGenre,
        Community[] communities, double[] globalCumulative)
    {
        if (user.Community >= 0 && rng.Chance(options.CommunityShare))
        {
            var community = communities[user.Community];
            return community.Items[rng.Pick(community.Cumulative)];
        }
        return rng.Chance(0.8) && byGenre[genre].Items.Length > 0 ? byGenre[genre].Items[rng.Pick(byGenre[genre].Cumulative)] : rng.Pick(globalCumulative);
    }

    /// <summary>
    /// Assigns every user a community and draws each community's favourites (10 % of the catalogue, at least 5).
    /// Draws nothing when communities are off, so older seeds still give the same bytes.
    /// </summary>
    private static Community[] NewCommunities(SplitMix rng, GeneratorOptions options, User[] users, double[] popularity)
    {
        if (options.Communities == 0) return [];
        var size = Math.Min(popularity.Length, Math.Max(5, (int)Math.Round(popularity.Length * 0.1)));
        var communities = new Community[options.Communities];
        for (var c = 0; c < communities.Length; c++)
        {
            var chosen = new HashSet<int>();
            while (chosen.Count < size) chosen.Add(rng.Next(popularity.Length));
            var members = chosen.Order().ToArray();
            communities[c] = new Community(members, SplitMix.Cumulative(members.Select(i => Math.Sqrt(popularity[i]))));
        }
        foreach (var user in users) user.Community = rng.Next(options.Communities);
        return communities;
    }

    /// <summary>Splits <paramref name="total"/> over the weights by largest remainder (deterministic, sums exactly).</summary>
    public static long[] Apportion(long total, double[] weights)
    {
        var sum = weights.Sum();
        var result = new long[weights.Length];
        if (sum <= 0 || total == 0) return result;
        var remainders = new (double Fraction, int Index)[weights.Length];
        long assigned = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = total * weights[i] / sum;
            result[i] = (long)Math.Floor(exact);
            assigned += result[i];
            remainders[i] = (exact - result[i], i);
        }
        foreach (var (_, i) in remainders.OrderByDescending(r => r.Fraction).ThenBy(r => r.Index).Take((int)(total - assigned))) result[i]++;
        return result;
    }

    private static string Maturity(SplitMix rng, string genre) => genre switch
    {
        "Children" or "Animation" => rng.Chance(0.6) ? "G" : "PG",
        "Horror" => rng.Chance(0.7) ? "R" : "TV-MA",
        "Documentary" => rng.Chance(0.5) ? "PG" : "TV-14",
        _ => rng.NextDouble() switch { < 0.2 => "PG", < 0.55 => "PG-13", < 0.85 => "R", _ => "TV-MA" },
    };

    private static string Pick(SplitMix rng, string[] values) => values[rng.Next(values.Length)];
}
