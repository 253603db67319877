using MLOps.Core.Data;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

/// <summary>
/// One title under two ids ("Chasing Amy" 1997 as a1 and a2, the way ML-100k's u.item lists 18 titles): everyone who watched
/// "Clerks" watched one of them, so the co-occurrence model ranks the other id first for a viewer of one. A served list treats
/// the two as one title: never listed when watched under either id, never listed twice.
/// </summary>
public sealed class TitleTwinsTests
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static ServingSnapshot Snapshot()
    {
        CatalogItem Title(string id, string title, int? year, string genre) => new() { ContentId = id, Title = title, Year = year, Genres = [genre] };
        var catalog = new List<CatalogItem>
        {
            Title("a1", "Chasing Amy", 1997, "Comedy"), Title("a2", "chasing amy!", 1997, "Comedy"),
            Title("r1", "Remake", 1990, "Drama"), Title("r2", "Remake", 2010, "Drama"), // the same name, another year: two titles
            Title("clerks", "Clerks", 1994, "Comedy"), Title("mallrats", "Mallrats", 1995, "Comedy"), Title("dogma", "Dogma", 1999, "Comedy"),
        };
        var events = new List<ViewingEvent>();
        void Watch(string user, params string[] ids)
        {
            for (var n = 0; n < ids.Length; n++)
                events.Add(new ViewingEvent { EventId = $"{user}-{n}", UserId = user, ContentId = ids[n], Timestamp = Start.AddHours(events.Count), EventType = EventType.Play, ViewSeconds = 1000 });
        }
        for (var u = 0; u < 6; u++) Watch($"fan{u}", "clerks", u % 2 == 0 ? "a2" : "a1", "a2", "r1", "r2");
        Watch("viewer", "clerks", "a1", "mallrats");
        Watch("newcomer", "clerks");
        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));
        var model = new CooccurrenceRecommender(catalog.Select(c => c.ContentId), events);
        return new ServingSnapshot(data, new ServingModel(new ModelRef("recommender", "1"), model, data.Items), new Dictionary<string, ServingModel>());
    }

    private static readonly ServingSnapshot Served = Snapshot();

    [Fact]
    public void Recommendations_NeverListATitleWatchedUnderAnotherId()
    {
        var ids = RecommendationService.Recommend(Served, new RecommendationRequest("viewer", 5, [], [])).Items.Select(i => i.ContentId).ToList();

        Assert.DoesNotContain("a2", ids);
        Assert.Contains("r1", ids); // same name, another year: another title
        Assert.Contains("r2", ids);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Recommendations_ListATitleOnce(bool excludeSeen)
    {
        var ids = RecommendationService.Recommend(Served, new RecommendationRequest("newcomer", 6, [], [], ExcludeSeen: excludeSeen)).Items.Select(i => i.ContentId).ToList();

        Assert.Single(ids, id => id is "a1" or "a2");
        Assert.Equal("a2", ids.First(id => id is "a1" or "a2")); // the better-scored id (watched by more)
    }

    [Fact]
    public void Rows_ListATitleOnceOnThePage_AndNotWhenWatched()
    {
        var newcomer = RecommendationService.Rows(Served, "newcomer", 8, 6).Rows.SelectMany(r => r.Items).Select(i => i.ContentId).ToList();
        var viewer = RecommendationService.Rows(Served, "viewer", 8, 6).Rows.SelectMany(r => r.Items).Select(i => i.ContentId).ToList();
        var unknown = RecommendationService.Rows(Served, "nobody", 8, 6).Rows.SelectMany(r => r.Items).Select(i => i.ContentId).ToList();

        Assert.Single(newcomer, id => id is "a1" or "a2");
        Assert.DoesNotContain("a2", viewer);
        Assert.Single(unknown, id => id is "a1" or "a2");
    }

    [Fact]
    public void Similar_NeverListsTheTitleItself_OrATitleTwice()
    {
        var ofAmy = RecommendationService.Similar(Served, Index("a1"), 6).Items.Select(i => i.ContentId).ToList();
        var ofClerks = RecommendationService.Similar(Served, Index("clerks"), 6).Items.Select(i => i.ContentId).ToList();

        Assert.DoesNotContain("a2", ofAmy);
        Assert.Single(ofClerks, id => id is "a1" or "a2");
    }

    /// <summary>Search lists a title once, under its best-scored id (a2: the same words as a1, more played), for anyone.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("viewer")]
    [InlineData("newcomer")]
    public async Task Search_ListsATitleOnce_UnderItsBestScoredId(string? user)
    {
        var ids = await SearchAsync("chasing amy", user, 10);

        Assert.Equal(["a2"], ids);
    }

    /// <summary>
    /// k titles, none twice: the twins score 6 (two title words), the remakes 3, so the top 3 were a2, a1, r1; the dropped
    /// id leaves its place to the next title, not a hole or a repeat.
    /// </summary>
    [Fact]
    public async Task Search_KTitles_EachOnce()
    {
        var ids = await SearchAsync("chasing amy remake", null, 3);

        Assert.Equal(3, ids.Count);
        Assert.Single(ids, id => id is "a1" or "a2");
        Assert.Contains("r1", ids);
        Assert.Contains("r2", ids);
    }

    private static async Task<List<string>> SearchAsync(string query, string? user, int k)
    {
        // SearchAsync reads only the snapshot it is given; the host feeds the background semantic index, off here.
        var search = new MLOps.Serving.Search.SearchService(null!, Microsoft.Extensions.Options.Options.Create(new ServingOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<MLOps.Serving.Search.SearchService>.Instance);
        var response = await search.SearchAsync(Served, query, user, k, TestContext.Current.CancellationToken);
        return response.Items.Select(i => i.ContentId).ToList();
    }

    [Fact]
    public void Twins_AreTheSameTitleAndYear()
    {
        var twins = Served.Data.Twins;
        Assert.Equal(1, twins.GroupCount);
        Assert.Equal(new[] { Index("a1"), Index("a2") }, twins.Of(Index("a1")).ToArray());
        Assert.True(twins.Of(Index("r1")).IsEmpty);
    }

    private static int Index(string id) => Served.Data.Items.TryGetIndex(id, out var i) ? i : throw new KeyNotFoundException(id);
}
