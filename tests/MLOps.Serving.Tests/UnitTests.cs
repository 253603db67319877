using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Recommenders;
using MLOps.Serving.Model;
using MLOps.Serving.Events;
using MLOps.Serving.Experiments;
using MLOps.Serving.Search;

namespace MLOps.Serving.Tests;

public sealed class UnitTests
{
    [Fact]
    public void Bucket_IsStableAndUniform()
    {
        Assert.Equal(ExperimentService.Bucket("exp", "user-1"), ExperimentService.Bucket("exp", "user-1"));
        Assert.NotEqual(ExperimentService.Bucket("exp", "user-1"), ExperimentService.Bucket("exp2", "user-1"));
        var experiment = new ExperimentDefinition { Id = "e", Variants = [new() { Name = "a", Share = 90 }, new() { Name = "b", Share = 10 }] };
        var b = Enumerable.Range(0, 20_000).Count(u => ExperimentService.Assign(experiment, $"u{u}").Name == "b");
        Assert.InRange(b, 1_800, 2_200);
    }

    [Fact]
    public void WilsonAndNewcombe_MatchPublishedValues()
    {
        // Newcombe (1998), Table II example (a): 56/70 vs 48/80 -> difference 0.2, 95% CI 0.0524 to 0.3339.
        var d = ExperimentService.Newcombe(56, 70, 48, 80);
        Assert.Equal(0.0524, d.Low, 3);
        Assert.Equal(0.3339, d.High, 3);
        var w = ExperimentService.Wilson(81, 263); // Wilson interval of 81/263: 0.2553 to 0.3662
        Assert.Equal(0.2553, w.Low, 3);
        Assert.Equal(0.3662, w.High, 3);
    }

    [Theory]
    [InlineData("interstellar", "interstelar", 1)]
    [InlineData("interstellar", "intersetllar", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ghost", "ghost", 0)]
    public void Distance_IsOptimalStringAlignment(string a, string b, int expected) =>
        Assert.Equal(expected, TextNormalizer.Distance(a, b, 3));

    [Fact]
    public void Tokens_FoldCaseAndAccents() =>
        Assert.Equal(["amelie", "2001", "l", "ete"], TextNormalizer.Tokens("Amélie (2001): L'Été"));

    /// <summary>Single letters joined by single dots are one word, in titles and queries alike; other lone letters stay words.</summary>
    [Theory]
    [InlineData("E.T. the Extra-Terrestrial", "et the extra terrestrial")]
    [InlineData("e.t.", "et")]
    [InlineData("E.T", "et")]
    [InlineData("L.A. Confidential", "la confidential")]
    [InlineData("S.W.A.T. (2003)", "swat 2003")]
    [InlineData("A.I. Artificial Intelligence", "ai artificial intelligence")]
    [InlineData("Mr. T", "mr t")]
    [InlineData("J. Edgar", "j edgar")]
    [InlineData("E. T.", "e t")]
    [InlineData("e..t", "e t")]
    [InlineData("1.2.3", "1 2 3")]
    [InlineData("Брат 2", "брат 2")]
    [InlineData("千と千尋の神隠し", "千と千尋の神隠し")]
    public void Tokens_JoinDottedAcronyms_KeepOtherScripts(string text, string expected) =>
        Assert.Equal(expected.Split(' '), TextNormalizer.Tokens(text));

    [Fact]
    public void Tokens_StopAtMax_WithAnAcronymPending() =>
        Assert.Equal(["a", "et"], TextNormalizer.Tokens("a E.T. b c", max: 2));

    [Theory]
    [InlineData("{\"userId\":\"a\",\"contentId\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\"}", null)]
    [InlineData("{\"userId\":\"a\",\"contentId\":\"b\",\"timestamp\":1700000000,\"eventType\":\"rate\",\"rating\":4}", null)]
    [InlineData("{\"contentId\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\"}", "userId")]
    [InlineData("{\"userId\":\"a\",\"contentId\":\"b\",\"timestamp\":\"2999-01-01T00:00:00Z\"}", "timestamp")]
    [InlineData("{\"userId\":\"a\",\"contentId\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventType\":\"binge\"}", "eventType")]
    [InlineData("{\"userId\":\"a\",\"contentId\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventType\":\"rate\"}", "rating")]
    [InlineData("{\"userId\":\"a\",\"contentId\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"viewSeconds\":-4}", "viewSeconds")]
    [InlineData("{\"user\":\"a\",\"item\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"rating\":7}", "rating")]
    [InlineData("{\"userId\":{\"a\":1},\"contentId\":\"b\",\"timestamp\":\"2024-01-01T00:00:00Z\"}", "userId")]
    [InlineData("[1]", "line")]
    public void Validate_NamesTheField(string json, string? field)
    {
        using var doc = JsonDocument.Parse(json);
        var problems = new List<RowProblem>();
        var e = new EventValidator(new ValidationOptions(), new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)).Validate(EventIngest.ToRaw(1, doc.RootElement), problems);
        Assert.Equal(field, problems.FirstOrDefault()?.Field);
        if (field is null) Assert.Equal("a", e!.UserId);
    }

    [Fact]
    public void Ranking_TopKAndDiversify()
    {
        float[] scores = [0.1f, 0.9f, float.NegativeInfinity, 0.5f, 0.7f];
        Assert.Equal([1, 4, 3], Ranking.TopK(scores, 3));
        Assert.Equal([1, 4, 3, 0], Ranking.TopK(scores, 10));
        var (catalog, events) = SyntheticData.Create(items: 16, users: 4);
        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));
        Assert.Equal(data.Count, data.TrendingOrder.Length);
        Assert.True(data.Trending[data.TrendingOrder[0]] >= data.Trending[data.TrendingOrder[^1]]);
    }
    /// <summary>A user's first fresh play extends the loaded history (it used to replace it, and exclude-seen then recommended watched titles).</summary>
    [Fact]
    public void Append_FirstFreshPlay_KeepsTheLoadedHistory()
    {
        var catalog = Enumerable.Range(0, 3).Select(i => new CatalogItem { ContentId = $"t{i}", Title = $"T{i}", Genres = ["Drama"] }).ToList();
        var at = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var events = new[] { "t0", "t1" }.Select((id, i) => new ViewingEvent { EventId = $"e{i}", UserId = "u", ContentId = id, Timestamp = at.AddHours(i) }).ToList();
        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));
        data.Append([new ViewingEvent { EventId = "e2", UserId = "u", ContentId = "t2", Timestamp = at.AddDays(1) }]);
        Assert.Equal(["t0", "t1", "t2"], data.User("u")!.History.ToArray().Select(i => data.Items[i]));
    }

    /// <summary>
    /// A user with more titles than the scored history keeps them all in the seen set: exclude-seen used to forget
    /// everything before the latest 1,000 (ml-latest-small's user 68, 1,260 ratings, got 100 of 100 watched titles).
    /// </summary>
    [Fact]
    public void LongHistory_EveryTitleStaysSeen_AlsoAfterFreshPlays()
    {
        var count = ServingData.MaxHistory + 300;
        var catalog = Enumerable.Range(0, count + 5).Select(i => new CatalogItem { ContentId = $"t{i}", Title = $"T{i}", Genres = ["Drama"] }).ToList();
        var at = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var events = Enumerable.Range(0, count).Select(i => new ViewingEvent { EventId = $"e{i}", UserId = "u", ContentId = $"t{i}", Timestamp = at.AddMinutes(i) }).ToList();
        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));
        data.Append([new ViewingEvent { EventId = "fresh", UserId = "u", ContentId = $"t{count}", Timestamp = at.AddDays(10) }]);

        var user = data.User("u")!;
        Assert.Equal(ServingData.MaxHistory, user.History.Length); // the model scores the latest 1,000
        Assert.All(Enumerable.Range(0, count + 1), i => Assert.True(user.HasSeen(data.Items.TryGetIndex($"t{i}", out var x) ? x : -1), $"t{i}"));
        var scores = new float[data.Count];
        user.MaskSeen(scores);
        Assert.Equal(4, scores.Count(float.IsFinite)); // t1301..t1304: the only titles left to recommend
    }

    /// <summary>
    /// A title the model did not learn (EASE past max_items) gets neighbours from the serving data, marked cold, not the
    /// catalogue in index order with score 0 (81 % of ml-latest-small's titles did).
    /// </summary>
    [Fact]
    public void Similar_ForATitleOutsideThePartialModel_IsCold_NotTheCatalogueInIndexOrder()
    {
        var genres = new[] { "Drama", "Drama", "Comedy", "Horror", "Horror", "Horror" };
        var catalog = genres.Select((g, i) => new CatalogItem { ContentId = $"t{i}", Title = $"T{i}", Genres = [g] }).ToList();
        var at = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var views = new[] { 12, 10, 8, 2, 1, 1 }; // t3..t5 fall outside max_items = 3
        var events = views.SelectMany((n, i) => Enumerable.Range(0, n).Select(u => new ViewingEvent
            { EventId = $"e{i}-{u}", UserId = $"u{u}", ContentId = $"t{i}", Timestamp = at.AddHours(i * 20 + u) })).ToList();
        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));
        var model = ModelTrainer.Train("ease", new Dictionary<string, double> { ["max_items"] = 3 }, TrainingData.FromEvents(events, catalog));
        var snapshot = new ServingSnapshot(data, new ServingModel(new ModelRef("recommender", "1"), model, data.Items), new Dictionary<string, ServingModel>());
        data.Items.TryGetIndex("t3", out var t3);
        data.Items.TryGetIndex("t0", out var t0);

        var similar = RecommendationService.Similar(snapshot, t3, 2);
        Assert.True(similar.ColdStart);
        Assert.Equal(["t4", "t5"], similar.Items.Select(i => i.ContentId).Order(StringComparer.Ordinal)); // watched by its viewers, and Horror too
        Assert.False(RecommendationService.Similar(snapshot, t0, 2).ColdStart); // a modelled title still uses the model
    }

    /// <summary>A catalogue with release years only (ml-latest) still has new releases: the newest year's titles.</summary>
    [Fact]
    public void NewReleases_FromReleaseYearsWhenThereAreNoDates()
    {
        var years = new[] { 1995, 2017, 2018, 2018 };
        var catalog = years.Select((y, i) => new CatalogItem { ContentId = $"t{i}", Title = $"T{i} ({y})", Year = y, Genres = ["Drama"] }).ToList();
        var at = new DateTimeOffset(2018, 9, 1, 0, 0, 0, TimeSpan.Zero);
        var events = catalog.Select((c, i) => new ViewingEvent { EventId = $"e{i}", UserId = "u", ContentId = c.ContentId, Timestamp = at.AddHours(i) }).ToList();

        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));

        Assert.Equal(new DateOnly(2018, 1, 1), data.NewestRelease);
        Assert.Equal(["t2", "t3"], data.NewReleaseOrder.Where(i => data.IsNew[i]).Select(i => data.Items[i]).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("releasedOn", System.Text.Json.JsonSerializer.Serialize(catalog[0], MLOps.Storage.StoreJson.Options), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Outside the model, what the title's viewers also watched ranks first (from the serving data), before titles that
    /// merely share its genre; those follow with a genre reason.
    /// </summary>
    [Fact]
    public void Similar_OutsideTheModel_PrefersWhatItsViewersAlsoWatched()
    {
        var genres = new[] { "Drama", "Horror", "Comedy", "Horror" };
        var catalog = genres.Select((g, i) => new CatalogItem { ContentId = $"t{i}", Title = $"T{i}", Genres = [g] }).ToList();
        var at = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var watched = new (string User, int Item)[] { ("a", 0), ("b", 0), ("c", 0), ("d", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2), ("c", 3) };
        var events = watched.Select((w, n) => new ViewingEvent { EventId = $"e{n}", UserId = w.User, ContentId = $"t{w.Item}", Timestamp = at.AddHours(n) }).ToList();
        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));
        var model = ModelTrainer.Train("ease", new Dictionary<string, double> { ["max_items"] = 1 }, TrainingData.FromEvents(events, catalog));
        var snapshot = new ServingSnapshot(data, new ServingModel(new ModelRef("recommender", "1"), model, data.Items), new Dictionary<string, ServingModel>());
        data.Items.TryGetIndex("t1", out var t1);

        var similar = RecommendationService.Similar(snapshot, t1, 3);

        Assert.True(similar.ColdStart); // not from the model
        Assert.Equal(["t2", "t0", "t3"], similar.Items.Select(i => i.ContentId)); // t2: both viewers; t0: both, but 4 viewers; t3: genre only
        Assert.Equal("Viewers of T1 also watched this", similar.Items[0].Reason);
        Assert.NotEqual("Viewers of T1 also watched this", similar.Items[2].Reason);
    }
}
