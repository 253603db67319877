using System.Globalization;
using System.Security.Cryptography;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Tests;

namespace MLOps.Core.Tests;

public class SyntheticGeneratorTests
{
    private static readonly GeneratorOptions Small = new() { Users = 300, Items = 200, Events = 20_000, Days = 40, Seed = 11 };

    private static string Hash(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    private static List<string[]> Rows(string dir) =>
        File.ReadLines(Path.Combine(dir, SyntheticGenerator.EventsFileName)).Skip(1).Select(l => l.Split(',')).ToList();

    [Fact]
    public void Generate_SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        var a = TestEnvironment.NewTempFolder("gen");
        var b = TestEnvironment.NewTempFolder("gen");
        var c = TestEnvironment.NewTempFolder("gen");
        SyntheticGenerator.Generate(Small, a);
        SyntheticGenerator.Generate(Small, b);
        SyntheticGenerator.Generate(Small with { Seed = 12 }, c);
        Assert.Equal(Hash(Path.Combine(a, "events.csv")), Hash(Path.Combine(b, "events.csv")));
        Assert.Equal(Hash(Path.Combine(a, "catalog.ndjson")), Hash(Path.Combine(b, "catalog.ndjson")));
        Assert.NotEqual(Hash(Path.Combine(a, "events.csv")), Hash(Path.Combine(c, "events.csv")));
    }

    [Fact]
    public void Generate_NoRepeatViews_UsersSeldomDrawATitleTwice()
    {
        static double RepeatShare(GeneratorOptions options)
        {
            var dir = TestEnvironment.NewTempFolder("gen");
            SyntheticGenerator.Generate(options, dir);
            var rows = Rows(dir);
            return 1 - (double)rows.Select(r => (r[1], r[2])).Distinct().Count() / rows.Count;
        }
        var repeating = RepeatShare(Small with { Items = 1_000 });
        var fresh = RepeatShare(Small with { Items = 1_000, RepeatViews = false });
        Assert.True(repeating > 0.2, $"default model repeats {repeating:P1} of views");
        Assert.True(fresh < 0.05, $"no-repeat model still repeats {fresh:P1} of views");
    }

    /// <summary>
    /// Communities give users item-level neighbours: a user's 5 most similar users (cosine of watched titles) stand
    /// out from the average user by far more than popularity alone makes them.
    /// </summary>
    [Fact]
    public void Generate_Communities_UsersHaveStandOutNeighbours_AndStayDeterministic()
    {
        static double NeighbourContrast(string dir)
        {
            var sets = Rows(dir).GroupBy(r => r[1]).Select(g => g.Select(r => r[2]).ToHashSet()).ToList();
            return sets.Average(a =>
            {
                var similarities = sets.Where(b => !ReferenceEquals(a, b)).Select(b => a.Count(b.Contains) / Math.Sqrt(a.Count * b.Count)).OrderDescending().ToList();
                return similarities.Take(5).Average() / similarities.Average();
            });
        }
        var options = Small with { Users = 120, Items = 600, Events = 6_000, RepeatViews = false };
        var plain = TestEnvironment.NewTempFolder("gen");
        var grouped = TestEnvironment.NewTempFolder("gen");
        var again = TestEnvironment.NewTempFolder("gen");
        SyntheticGenerator.Generate(options, plain);
        SyntheticGenerator.Generate(options with { Communities = 4, CommunityShare = 0.7 }, grouped);
        SyntheticGenerator.Generate(options with { Communities = 4, CommunityShare = 0.7 }, again);

        var (without, with) = (NeighbourContrast(plain), NeighbourContrast(grouped));
        Assert.True(with > 1.25 * without, $"top-5 neighbour contrast {with:F2} with communities vs {without:F2} without");
        Assert.Equal(Hash(Path.Combine(grouped, "events.csv")), Hash(Path.Combine(again, "events.csv")));
    }

    [Theory]
    [InlineData(-1, 0.4, "--communities")]
    [InlineData(4, 1.5, "--community-share")]
    public void Generate_BadCommunityOptions_SayWhichOption(int communities, double share, string option) =>
        Assert.Contains(option, Assert.Throws<ArgumentException>(() => (Small with { Communities = communities, CommunityShare = share }).Validate()).Message);

    [Fact]
    public void Generate_IsRealistic_ZipfPopularityEveningPeakAndAllRowsValid()
    {
        var dir = TestEnvironment.NewTempFolder("gen");
        var summary = SyntheticGenerator.Generate(Small, dir);
        var rows = Rows(dir);
        Assert.Equal(20_000, summary.Events);
        Assert.Equal(20_000, rows.Count);

        // Zipf-like: the 10% most watched titles take far more than 10% of the views.
        var perItem = rows.GroupBy(r => r[2]).Select(g => g.Count()).OrderDescending().ToList();
        Assert.True(perItem.Take(Small.Items / 10).Sum() > 0.35 * rows.Count, "head of the popularity curve is too flat");
        // Daily seasonality: 19-22h UTC busier than 2-5h.
        var hours = rows.Select(r => DateTimeOffset.Parse(r[3], CultureInfo.InvariantCulture).Hour).ToList();
        Assert.True(hours.Count(h => h is >= 19 and <= 22) > 4 * hours.Count(h => h is >= 2 and <= 5));
        // Timestamps are in order and every row passes validation.
        Assert.True(rows.Select(r => r[3]).SequenceEqual(rows.Select(r => r[3]).Order(StringComparer.Ordinal)));
        var validator = new EventValidator(new ValidationOptions(), DateTimeOffset.UtcNow);
        var problems = new List<RowProblem>();
        var source = EventSources.File(Path.Combine(dir, "events.csv"), "csv", ColumnMap.Default, RatingScale.Default);
        Assert.All(source.ReadRows(TestContext.Current.CancellationToken), r => Assert.NotNull(validator.Validate(r, problems)));
        // The catalogue has genres, dates, maturity ratings and descriptions.
        var items = File.ReadLines(Path.Combine(dir, "catalog.ndjson")).Select(l => System.Text.Json.JsonSerializer.Deserialize<CatalogItem>(l, MLOps.Storage.StoreJson.Options)!).ToList();
        Assert.Equal(Small.Items, items.Count);
        Assert.All(items, i => Assert.True(i.Genres.Count > 0 && i.ReleaseDate is not null && i.MaturityRating is not null && i.Description is not null));
    }

    [Fact]
    public void Generate_RatingsFollowTaste_UsersRateTheirFavouriteGenresHigher()
    {
        var dir = TestEnvironment.NewTempFolder("gen");
        SyntheticGenerator.Generate(Small with { Events = 40_000 }, dir);
        var rows = Rows(dir);
        var genres = File.ReadLines(Path.Combine(dir, "catalog.ndjson"))
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<CatalogItem>(l, MLOps.Storage.StoreJson.Options)!)
            .ToDictionary(i => i.ContentId, i => i.Genres[0]);
        // A user's most watched genre (their taste) gets better ratings from them than their other genres.
        var rated = rows.Where(r => r[6].Length > 0).Select(r => (User: r[1], Genre: genres[r[2]], Rating: double.Parse(r[6], CultureInfo.InvariantCulture))).ToList();
        var favourite = rows.GroupBy(r => r[1]).ToDictionary(g => g.Key, g => g.GroupBy(r => genres[r[2]]).MaxBy(x => x.Count())!.Key);
        var inTaste = rated.Where(r => favourite[r.User] == r.Genre).Average(r => r.Rating);
        var outOfTaste = rated.Where(r => favourite[r.User] != r.Genre).Average(r => r.Rating);
        Assert.True(inTaste > outOfTaste + 0.1, $"favourite-genre mean {inTaste:0.00} vs others {outOfTaste:0.00}");
    }

    [Fact]
    public void Generate_PlantedDrift_ShowsFromItsDay()
    {
        var dir = TestEnvironment.NewTempFolder("gen");
        var options = Small with
        {
            Events = 40_000,
            Drift = DriftSpec.Parse("genre-surge:genre=Horror,factor=6,from=20;rating-scale:max=10,from=30;account-burst:user=u5,events=300,countries=12,from=35;volume:factor=0.4,from=25"),
        };
        var summary = SyntheticGenerator.Generate(options, dir);
        var rows = Rows(dir);
        Assert.Equal(40_300, summary.Events);
        var genres = File.ReadLines(Path.Combine(dir, "catalog.ndjson"))
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<CatalogItem>(l, MLOps.Storage.StoreJson.Options)!)
            .ToDictionary(i => i.ContentId, i => i.Genres);
        int Day(string[] r) => (DateTimeOffset.Parse(r[3], CultureInfo.InvariantCulture) - new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)).Days;
        double HorrorShare(IEnumerable<string[]> rs) => rs.Average(r => genres[r[2]].Contains("Horror") ? 1.0 : 0.0);

        Assert.True(HorrorShare(rows.Where(r => Day(r) >= 20)) > 1.8 * HorrorShare(rows.Where(r => Day(r) < 20)), "genre surge not visible");
        Assert.All(rows.Where(r => r[6].Length > 0), r => Assert.Equal(Day(r) >= 30 ? "10" : "5", r[7]));
        var perDay = rows.GroupBy(Day).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(perDay.Where(p => p.Key is >= 25 and < 35).Average(p => p.Value) < 0.5 * perDay.Where(p => p.Key < 20).Average(p => p.Value));
        var burstCountries = rows.Where(r => r[1] == "u5" && Day(r) >= 35).Select(r => r[9]).Distinct().Count();
        Assert.True(burstCountries >= 8, $"account burst came from only {burstCountries} countries");
    }

    [Theory]
    [InlineData("surge:genre=Horror", "unknown kind")]
    [InlineData("genre-surge:factor=2", "needs genre")]
    [InlineData("volume:factor=x,from=3", "not a number")]
    [InlineData("volume:speed=2", "unknown key")]
    [InlineData("rating-scale:max=1", "≥ 2")]
    public void DriftSpec_BadSpec_SaysWhatIsWrong(string spec, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => DriftSpec.Parse(spec)).Message);

    [Fact]
    public void Apportion_SumsExactly() =>
        Assert.Equal(1001, SyntheticGenerator.Apportion(1001, [1, 1.3, 0.7, 2]).Sum());

    [Fact]
    public async Task GeneratedData_ImportsCleanly_AndStatsAddUp()
    {
        var dir = TestEnvironment.NewTempFolder("gen");
        SyntheticGenerator.Generate(Small, dir);
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;
        var catalog = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, "catalog.ndjson")), ct);
        var events = await new EventIngestor(store).IngestAsync(EventSources.File(Path.Combine(dir, "events.csv"), "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
        Assert.Equal((200, 0), (catalog.Accepted, catalog.Quarantined));
        Assert.Equal((20_000, 0), (events.Accepted, events.Quarantined));

        var stats = await DataStatistics.ComputeAsync(store, ct);
        Assert.Equal(20_000, stats.Events);
        Assert.Equal(40, stats.Days);
        Assert.Equal(200, stats.CatalogItems);
        Assert.Equal(stats.Rated, stats.RatingHistogram.Values.Sum());
        Assert.Equal(stats.Events, stats.EventTypes.Values.Sum());
        Assert.Equal(2, stats.Imports);
        Assert.Equal(0, stats.Quarantined);
    }
}
