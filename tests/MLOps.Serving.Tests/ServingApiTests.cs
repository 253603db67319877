using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Data;
using MLOps.Serving.Experiments;
using MLOps.Serving.Model;
using MLOps.Storage;

namespace MLOps.Serving.Tests;

public sealed class ServingApiTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private static string[] Ids(JsonElement items) => items.EnumerateArray().Select(i => i.GetProperty("contentId").GetString()!).ToArray();

    private ServingData Data => fixture.App.Services.GetRequiredService<ModelHost>().Current!.Data;

    [Fact]
    public async Task Recommendations_KnownUser_ExcludeSeenAndExplainEachItem()
    {
        var response = await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u3/recommendations?k=10", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.False(body.GetProperty("coldStart").GetBoolean());
        var items = body.GetProperty("items");
        Assert.Equal(10, items.GetArrayLength());
        var seen = fixture.Events.Where(e => e.UserId == "u3").Select(e => e.ContentId).ToHashSet();
        Assert.DoesNotContain(Ids(items), seen.Contains);
        Assert.All(items.EnumerateArray(), i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("reason").GetString())));
        Assert.Contains(items.EnumerateArray(), i => i.GetProperty("reason").GetString()!.StartsWith("Because you", StringComparison.Ordinal));
        var scores = items.EnumerateArray().Select(i => i.GetProperty("score").GetDouble()).ToArray();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
    }

    [Fact]
    public async Task Recommendations_UnknownUser_ColdStartTrendingMarked()
    {
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/nobody-here/recommendations?k=5", TestContext.Current.CancellationToken)).ReadAsync();
        Assert.True(body.GetProperty("coldStart").GetBoolean());
        Assert.Equal("unknown-user", body.GetProperty("coldStartReason").GetString());
        Assert.Equal(Data.TrendingOrder.Take(5).Select(i => Data.Items[i]), Ids(body.GetProperty("items")));
    }

    [Fact]
    public async Task Recommendations_FiltersExclusionsAndDiversity_AreHonoured()
    {
        var client = fixture.Client(fixture.ReadKey);
        var ct = TestContext.Current.CancellationToken;
        var comedy = await (await client.GetAsync("/api/users/u3/recommendations?k=8&genres=Comedy", ct)).ReadAsync();
        Assert.All(comedy.GetProperty("items").EnumerateArray(), i => Assert.Contains("Comedy", i.GetProperty("genres").EnumerateArray().Select(g => g.GetString())));

        var plain = Ids((await (await client.GetAsync("/api/users/u3/recommendations?k=8", ct)).ReadAsync()).GetProperty("items"));
        var excluded = Ids((await (await client.GetAsync($"/api/users/u3/recommendations?k=8&exclude={plain[0]},{plain[1]}", ct)).ReadAsync()).GetProperty("items"));
        Assert.DoesNotContain(plain[0], excluded);
        Assert.DoesNotContain(plain[1], excluded);

        int DistinctGenres(string[] ids) => ids.SelectMany(id => Data.GenresOf(Data.Items.TryGetIndex(id, out var i) ? i : 0)).Distinct().Count();
        var diverse = Ids((await (await client.GetAsync("/api/users/u3/recommendations?k=8&diversity=0.8", ct)).ReadAsync()).GetProperty("items"));
        Assert.True(DistinctGenres(diverse) > DistinctGenres(plain), $"diverse {DistinctGenres(diverse)} vs plain {DistinctGenres(plain)} genres");
    }

    /// <summary>
    /// With excludeSeen=false the user's own titles are listed, and each was its own most genre-similar recent title:
    /// ML-100k, 315 users × k=100, 3,567 of 31,500 items read "Because you watched Jaws" on Jaws.
    /// </summary>
    [Fact]
    public async Task Recommendations_WithSeenTitles_NeverExplainATitleByItself()
    {
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u3/recommendations?k=40&excludeSeen=false", TestContext.Current.CancellationToken)).ReadAsync();
        var items = body.GetProperty("items").EnumerateArray().ToArray();
        var seen = fixture.Events.Where(e => e.UserId == "u3").Select(e => e.ContentId).ToHashSet();

        Assert.Contains(items, i => seen.Contains(i.GetProperty("contentId").GetString()!)); // the case under test is present
        Assert.All(items, i => Assert.NotEqual($"Because you watched {i.GetProperty("title").GetString()}", i.GetProperty("reason").GetString()));
    }

    [Theory]
    [InlineData("/api/users/u1/recommendations?k=0", "k")]
    [InlineData("/api/users/u1/recommendations?k=100000", "k")]
    [InlineData("/api/users/u1/recommendations?k=ten", "k")]
    [InlineData("/api/users/u1/recommendations?diversity=2", "diversity")]
    [InlineData("/api/users/u1/recommendations?genres=Westerns", "genres")]
    [InlineData("/api/users/u1/rows?perRow=-3", "perRow")]
    [InlineData("/api/users/u1/rows?genres=Westerns", "genres")]
    [InlineData("/api/items/m1/similar?k=-1", "k")]
    [InlineData("/api/search?q=", "q")]
    [InlineData("/api/search?q=%21%21%21", "q")]
    [InlineData("/api/search?q=night&user=u1&user=u2", "user")]
    [InlineData("/api/users/u1/recommendations?genre=Comedy", "genre")]
    [InlineData("/api/users/u1/recommendations?exclude_seen=false", "exclude_seen")]
    [InlineData("/api/users/u1/rows?per_row=3", "per_row")]
    [InlineData("/api/search?q=night&userId=u1", "userId")]
    public async Task BadParameters_Are400ProblemNamingTheField(string url, string field)
    {
        var response = await fixture.Client(fixture.ReadKey).GetAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadAsync();
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    /// <summary>
    /// The "New releases" row is ordered by release date, so its score is the release's recency, 0.5^(age / 180 days) before the
    /// catalogue's newest release: it was the trending value, which rose and fell down the row (0.45, 0.0001, 0.19 on ML-100k).
    /// </summary>
    [Theory]
    [InlineData("nobody-new")]
    [InlineData("u3")]
    public async Task NewReleasesRow_ScoresEachTitleByTheRecencyItIsOrderedBy(string user)
    {
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync($"/api/users/{user}/rows?rows=20&perRow=5", TestContext.Current.CancellationToken)).ReadAsync();
        var row = body.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "new-releases").GetProperty("items").EnumerateArray().ToList();

        var newest = fixture.Catalog.Max(c => c.ReleasedOn)!.Value;
        Assert.Equal(5, row.Count);
        foreach (var item in row)
        {
            var released = fixture.Catalog.Single(c => c.ContentId == item.GetProperty("contentId").GetString()).ReleasedOn!.Value;
            Assert.Equal(Math.Round(Math.Pow(0.5, (newest.DayNumber - released.DayNumber) / 180.0), 4), Math.Round(item.GetProperty("score").GetDouble(), 4));
        }
        var scores = row.Select(i => i.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
    }

    [Fact]
    public async Task RowsOperation_SaysWhatEachRowsScoreIs()
    {
        var document = await (await fixture.Client().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).ReadAsync();
        var description = document.GetProperty("paths").GetProperty("/api/users/{id}/rows").GetProperty("get").GetProperty("description").GetString();

        Assert.Contains("'New releases'", description, StringComparison.Ordinal);
        Assert.Contains("recency", description, StringComparison.Ordinal);
    }

    /// <summary>Unknown parameters that misspell none the route reads (cache busters, tracking tags) are still ignored.</summary>
    [Theory]
    [InlineData("/api/users/u1/recommendations?k=3&_=1733600000&utm_source=app&v=2")]
    [InlineData("/api/search?q=night&_=1&ref=home")]
    [InlineData("/api/users/u1/rows?rows=2&cb=7")]
    [InlineData("/api/users/u1/recommendations?k=3&gender=f&locale=en-GB&region=eu&device=tv&session=s1")]
    public async Task UnrelatedUnknownParameters_AreIgnored(string url)
    {
        var response = await fixture.Client(fixture.ReadKey).GetAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The message says what is actually wrong: a line break is a control character, a 45-letter word is too long.</summary>
    [Theory]
    [InlineData("/api/users/%0A/recommendations", "id", "Contains control characters.")]
    [InlineData("/api/users/%20%20/recommendations", "id", "Must not be blank.")]
    [InlineData("/api/search?q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "q", "Every word is longer than 40 characters")]
    [InlineData("/api/search?q=night&user=%0A", "user", "Contains control characters.")]
    [InlineData("/api/users/u1/recommendations?genre=Comedy", "genre", "Unknown parameter; did you mean 'genres'?")]
    public async Task BadParameters_MessageNamesTheRealProblem(string url, string field, string message)
    {
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync(url, TestContext.Current.CancellationToken)).ReadAsync();
        Assert.StartsWith(message, body.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_AContentTypeThatOnlyStartsLikeJson_Is415()
    {
        var content = new StringContent("[]", Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/jsonfoo");

        var response = await fixture.Client(fixture.WriteKey).PostAsync("/api/events", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    /// <summary>A body with a UTF-8 byte order mark (Windows tools write one) was a 400 "'0xEF' is an invalid start of a value".</summary>
    [Fact]
    public async Task Events_ABodyWithAUtf8ByteOrderMark_IsRead()
    {
        var json = "[{\"userId\":\"bom-user\",\"contentId\":\"m1\",\"timestamp\":1700000000}]";
        var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await fixture.Client(fixture.WriteKey).PostAsync("/api/events", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await response.ReadAsync()).GetProperty("accepted").GetInt32());
    }

    /// <summary>
    /// A new user who picked genres at sign-up gets a home page of those genres: rows ignored genres= (and took no other
    /// way to state tastes), so the page was trending titles and the catalogue's biggest genres.
    /// </summary>
    [Theory]
    [InlineData("brand-new-user", "Horror,Comedy")]
    [InlineData("u5", "Documentary")]
    [InlineData("u5", "Horror")]
    public async Task Rows_WithStatedGenres_ListOnlyThoseGenres(string user, string genres)
    {
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync($"/api/users/{user}/rows?rows=8&perRow=5&genres={genres}", TestContext.Current.CancellationToken)).ReadAsync();
        var rows = body.GetProperty("rows").EnumerateArray().ToList();
        var stated = genres.Split(',');

        Assert.NotEmpty(rows);
        Assert.All(rows.SelectMany(r => r.GetProperty("items").EnumerateArray()),
            i => Assert.Contains(i.GetProperty("genres").EnumerateArray().Select(g => g.GetString()), stated.Contains));
        var genreRows = rows.Select(r => r.GetProperty("id").GetString()!).Where(id => id.StartsWith("genre-", StringComparison.Ordinal)).ToList();
        Assert.Equal(stated.Select(g => $"genre-{g}"), genreRows); // a new user's in the order stated
        var ids = rows.SelectMany(r => Ids(r.GetProperty("items"))).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // "Because you watched X" rows stand on a watched title of those genres, not a Documentary list "because of" a cartoon.
        var anchors = rows.Select(r => r.GetProperty("id").GetString()!).Where(id => id.StartsWith("because-", StringComparison.Ordinal)).Select(id => id["because-".Length..]);
        Assert.All(anchors, a => Assert.Contains(fixture.Catalog.Single(c => c.ContentId == a).Genres, stated.Contains));
    }

    [Fact]
    public async Task Rows_PersonalizedPage_NoTitleTwice()
    {
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u5/rows?rows=8&perRow=6", TestContext.Current.CancellationToken)).ReadAsync();
        var rows = body.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(8, rows.Count);
        Assert.Equal("top-picks", rows[0].GetProperty("id").GetString());
        var ids = rows.SelectMany(r => Ids(r.GetProperty("items"))).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var rowIds = rows.Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Contains(rowIds, r => r.StartsWith("because-", StringComparison.Ordinal));
        Assert.Contains("trending", rowIds);
        // Genre rows follow the user's affinity: the first genre row is their strongest genre.
        var user = Data.User("u5")!;
        Assert.Equal($"genre-{Data.Genres[user.GenreOrder[0]]}", rowIds.First(r => r.StartsWith("genre-", StringComparison.Ordinal)));
        var seen = fixture.Events.Where(e => e.UserId == "u5").Select(e => e.ContentId).ToHashSet();
        Assert.DoesNotContain(ids, seen.Contains);
    }

    [Fact]
    public async Task Rows_ColdUser_TrendingFirstAndMarked()
    {
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/new-person/rows", TestContext.Current.CancellationToken)).ReadAsync();
        Assert.True(body.GetProperty("coldStart").GetBoolean());
        Assert.Equal("trending", body.GetProperty("rows")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Similar_KnownAndColdAndUnknownTitles()
    {
        var client = fixture.Client(fixture.ReadKey);
        var ct = TestContext.Current.CancellationToken;
        var known = await (await client.GetAsync("/api/items/m3/similar?k=5", ct)).ReadAsync();
        Assert.False(known.GetProperty("coldStart").GetBoolean());
        Assert.Equal(5, known.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain("m3", Ids(known.GetProperty("items")));

        // The champion never saw "interstellar": genre similarity answers, marked cold-start.
        var cold = await (await client.GetAsync("/api/items/interstellar/similar?k=3", ct)).ReadAsync();
        Assert.True(cold.GetProperty("coldStart").GetBoolean());
        Assert.All(cold.GetProperty("items").EnumerateArray(), i => Assert.Contains("Documentary", i.GetProperty("genres").EnumerateArray().Select(g => g.GetString())));

        var unknown = await client.GetAsync("/api/items/does-not-exist/similar", ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("id", (await unknown.ReadAsync()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Search_TypoPrefixAndFieldBoosts()
    {
        var client = fixture.Client(fixture.ReadKey);
        var ct = TestContext.Current.CancellationToken;
        foreach (var q in new[] { "interstellar", "Interstelar", "intersetllar", "inters" })
        {
            var body = await (await client.GetAsync($"/api/search?q={Uri.EscapeDataString(q)}&k=5", ct)).ReadAsync();
            Assert.Equal("interstellar", Ids(body.GetProperty("items"))[0]);
            Assert.Equal("lexical", body.GetProperty("mode").GetString());
        }
        // "wormhole" is only in the description; "space" only in tags: both still find it.
        Assert.Equal("interstellar", Ids((await (await client.GetAsync("/api/search?q=wormhole", ct)).ReadAsync()).GetProperty("items"))[0]);
        // A title match outranks a description match: "ghost" titles before titles whose description mentions ghosts.
        var ghost = Ids((await (await client.GetAsync("/api/search?q=ghost&k=3", ct)).ReadAsync()).GetProperty("items"));
        Assert.All(ghost, id => Assert.Contains("Ghost", fixture.Catalog.First(c => c.ContentId == id).Title));
    }

    [Fact]
    public async Task Search_KAboveTheDefaultPool_GetsKResults()
    {
        var ct = TestContext.Current.CancellationToken;
        // Every synthetic description says "story": far more than 100 titles match.
        Assert.True(fixture.Catalog.Count(c => c.Description!.Contains("story", StringComparison.Ordinal)) > 100);
        var body = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/search?q=story&k=100", ct)).ReadAsync();
        var ids = Ids(body.GetProperty("items"));
        Assert.Equal(100, ids.Length);
        Assert.Equal(100, ids.Distinct().Count());
    }

    /// <summary>Events accept "team/7" and trim " padded "; the user routes reach both (an encoded slash stayed "%2F").</summary>
    [Fact]
    public async Task UserIdsWithASlashOrPadding_AreTheUsersTheirEventsCreated()
    {
        var ct = TestContext.Current.CancellationToken;
        var batch = new[]
        {
            new { userId = "team/7", contentId = "m1", timestamp = "2024-05-22T10:00:00Z", eventType = "play", viewSeconds = 5000.0 },
            new { userId = " padded ", contentId = "m2", timestamp = "2024-05-22T10:00:00Z", eventType = "play", viewSeconds = 5000.0 },
        };
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Client(fixture.WriteKey).PostAsJsonAsync("/api/events", batch, ct)).StatusCode);
        var client = fixture.Client(fixture.ReadKey);

        var slash = await (await client.GetAsync("/api/users/team%2F7/recommendations?k=5", ct)).ReadAsync();
        Assert.Equal("team/7", slash.GetProperty("userId").GetString());
        Assert.NotEqual("unknown-user", slash.GetProperty("coldStartReason").ValueKind == JsonValueKind.String ? slash.GetProperty("coldStartReason").GetString() : null);
        Assert.DoesNotContain("m1", Ids(slash.GetProperty("items")));

        var padded = await (await client.GetAsync("/api/users/%20padded%20/rows?rows=1", ct)).ReadAsync();
        Assert.Equal("padded", padded.GetProperty("userId").GetString());
        Assert.NotEqual("unknown-user", padded.GetProperty("coldStartReason").ValueKind == JsonValueKind.String ? padded.GetProperty("coldStartReason").GetString() : null);
    }

    [Fact]
    public async Task HistoryTheModelNeverSaw_IsAColdStart_NotAnIndexOrderList()
    {
        var ct = TestContext.Current.CancellationToken;
        // "interstellar" is in the catalogue but not in the models (ServingFixture): the user's only title.
        var batch = new[] { new { userId = "space-fan", contentId = "interstellar", timestamp = "2024-05-22T10:00:00Z", eventType = "play", viewSeconds = 5000.0 } };
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Client(fixture.WriteKey).PostAsJsonAsync("/api/events", batch, ct)).StatusCode);
        var client = fixture.Client(fixture.ReadKey);

        var recs = await (await client.GetAsync("/api/users/space-fan/recommendations?k=5", ct)).ReadAsync();
        Assert.True(recs.GetProperty("coldStart").GetBoolean());
        Assert.Equal("history-unknown-to-model", recs.GetProperty("coldStartReason").GetString());
        var trending = Data.TrendingOrder.Select(i => Data.Items[i]).Where(id => id != "interstellar").Take(5).ToArray();
        Assert.Equal(trending, Ids(recs.GetProperty("items")));
        Assert.DoesNotContain(recs.GetProperty("items").EnumerateArray(), i => i.GetProperty("reason").GetString()!.StartsWith("Because you", StringComparison.Ordinal));

        var rows = await (await client.GetAsync("/api/users/space-fan/rows?rows=2", ct)).ReadAsync();
        Assert.Equal("history-unknown-to-model", rows.GetProperty("coldStartReason").GetString());
        Assert.Equal("trending", rows.GetProperty("rows")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Events_BatchesAlikeOnlyPastTheirFirst4000Characters_AreBothIngested()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.Client(fixture.WriteKey);
        var padding = new string('x', 4100); // an unknown property, ignored by the mapping, ahead of the fields that differ
        string Batch(string content) => $"[{{\"note\":\"{padding}\",\"userId\":\"long-rows\",\"timestamp\":\"2024-05-23T00:00:00Z\",\"contentId\":\"{content}\"}}]";

        var first = await (await client.PostAsync("/api/events", new StringContent(Batch("m20"), Encoding.UTF8, "application/json"), ct)).ReadAsync();
        var second = await (await client.PostAsync("/api/events", new StringContent(Batch("m21"), Encoding.UTF8, "application/json"), ct)).ReadAsync();

        Assert.NotEqual(first.GetProperty("batch").GetString(), second.GetProperty("batch").GetString());
        Assert.False(second.GetProperty("alreadyImported").GetBoolean());
        Assert.Equal(1, second.GetProperty("accepted").GetInt32());
        var stored = await EventLog.ReadAsync(fixture.Store, new DateOnly(2024, 5, 23), new DateOnly(2024, 5, 24), ct).Where(e => e.UserId == "long-rows").ToListAsync(ct);
        Assert.Equal(["m20", "m21"], stored.Select(e => e.ContentId).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// An empty <c>user=</c> (a client filling its template with no signed-in user) was a 400 "Must not be empty", while
    /// an empty <c>genres=</c> or <c>exclude=</c> already meant "none": it is the anonymous search now. A blank one
    /// (<c>user=%20</c>, which trims to empty as every id does) was still a 400 "Must not be blank": it is anonymous too.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("%20")]
    [InlineData("%20%20")]
    [InlineData("+")]
    public async Task Search_AnEmptyOrBlankUser_IsTheAnonymousSearch(string user)
    {
        var client = fixture.Client(fixture.ReadKey);
        var ct = TestContext.Current.CancellationToken;

        var response = await client.GetAsync($"/api/search?q=night&k=5&user={user}", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal(JsonValueKind.Null, body.GetProperty("userId").ValueKind);
        Assert.Equal(Ids((await (await client.GetAsync("/api/search?q=night&k=5", ct)).ReadAsync()).GetProperty("items")), Ids(body.GetProperty("items")));
    }

    [Fact]
    public async Task Search_ReRankedByUserAffinity()
    {
        var client = fixture.Client(fixture.ReadKey);
        var ct = TestContext.Current.CancellationToken;
        // Users with different favourite genres get the same hits in a different order, each favouring their genres.
        var hits = Ids((await (await client.GetAsync("/api/search?q=night&k=50", ct)).ReadAsync()).GetProperty("items"));
        var hitGenres = hits.SelectMany(id => Data.GenresOf(Data.Items.TryGetIndex(id, out var i) ? i : -1)).ToHashSet();
        var users = fixture.Events.Select(e => e.UserId).Distinct()
            .Select(u => (User: u, Genre: Data.Genres[Data.User(u)!.GenreOrder[0]])).Where(x => hitGenres.Contains(x.Genre)).ToList();
        var a = users[0];
        var b = users.First(x => x.Genre != a.Genre);
        async Task<string[]> Top(string user) => Ids((await (await client.GetAsync($"/api/search?q=night&k=3&user={user}", ct)).ReadAsync()).GetProperty("items"));
        var forA = await Top(a.User);
        var forB = await Top(b.User);
        Assert.NotEqual(forA, forB);
        Assert.Contains(a.Genre, Data.GenresOf(Data.Items.TryGetIndex(forA[0], out var ia) ? ia : -1));
        Assert.Contains(b.Genre, Data.GenresOf(Data.Items.TryGetIndex(forB[0], out var ib) ? ib : -1));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Events_ValidBatch_202DurableAndCountsForTheUser()
    {
        var ct = TestContext.Current.CancellationToken;
        var batch = new[]
        {
            new { userId = "fresh-user", contentId = "m10", timestamp = "2024-05-20T10:00:00Z", eventType = "play", viewSeconds = 3000.0 },
            new { userId = "fresh-user", contentId = "m18", timestamp = "2024-05-20T12:00:00Z", eventType = "play", viewSeconds = 2000.0 },
        };
        var response = await fixture.Client(fixture.WriteKey).PostAsJsonAsync("/api/events", new { events = batch }, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("quarantined").GetInt32());
        var stored = await EventLog.ReadAsync(fixture.Store, new DateOnly(2024, 5, 20), new DateOnly(2024, 5, 21), ct).Where(e => e.UserId == "fresh-user").ToListAsync(ct);
        Assert.Equal(2, stored.Count);
        // Fresh events count at once: the user is no longer cold and their titles are excluded.
        var recs = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/fresh-user/recommendations", ct)).ReadAsync();
        Assert.False(recs.GetProperty("coldStart").GetBoolean());
        Assert.DoesNotContain("m10", Ids(recs.GetProperty("items")));
    }

    [Fact]
    public async Task Events_BadRowsQuarantinedWithField_BadBatches400()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.Client(fixture.WriteKey);
        var mixed = "[{\"userId\":\"a\",\"contentId\":\"m1\",\"timestamp\":\"2024-05-21T00:00:00Z\"},{\"userId\":\"a\",\"contentId\":\"m1\",\"timestamp\":\"yesterday\"},{\"userId\":\"\",\"contentId\":\"m1\",\"timestamp\":\"2024-05-21T00:00:00Z\"},{\"userId\":\"a\",\"contentId\":\"m1\",\"timestamp\":\"2024-05-21T00:00:00Z\",\"rating\":11}]";
        var response = await client.PostAsync("/api/events", new StringContent(mixed, Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal(3, body.GetProperty("quarantined").GetInt32());
        Assert.Equal(["timestamp", "userId", "rating"], body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!).ToArray());
        var quarantine = await fixture.Store.ReadAsync($"quarantine/{body.GetProperty("batch").GetString()}.ndjson", ct);
        Assert.Equal(3, quarantine!.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var broken = await client.PostAsync("/api/events", new StringContent("{\"events\":[{", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.True((await broken.ReadAsync()).GetProperty("errors").TryGetProperty("body", out _));
        var wrongType = await client.PostAsync("/api/events", new StringContent("[]", Encoding.UTF8, "text/plain"), ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        var huge = await client.PostAsync("/api/events", new StringContent(new string(' ', 2 << 20), Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal("body", (await huge.ReadAsync()).GetProperty("field").GetString());
    }

    /// <summary>
    /// Every error gives the row both ways: <c>index</c> 0-based (events[index]) and <c>line</c> 1-based, the number the
    /// quarantine stores and messages name, so a duplicate's "duplicate of line N" is the row whose <c>line</c> is N
    /// (before, only the 0-based index was given, one less than the line the message named).
    /// </summary>
    [Fact]
    public async Task Events_Errors_GiveIndexAndLine_AndADuplicatesMessageNamesTheLine()
    {
        var ct = TestContext.Current.CancellationToken;
        var row = "{\"eventId\":\"idx-1\",\"userId\":\"idx-u\",\"contentId\":\"m1\",\"timestamp\":\"2024-05-21T00:00:00Z\"}";
        var body = $"[{row},{row.Replace("idx-1", "idx-2").Replace("2024-05-21", "tomorrow")},{row},{row.Replace("idx-1", "idx-3")},{row.Replace("idx-1", "idx-4").Replace("\"timestamp\"", "\"rating\":11,\"timestamp\"")}]";

        var response = await fixture.Client(fixture.WriteKey).PostAsync("/api/events", new StringContent(body, Encoding.UTF8, "application/json"), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var errors = (await response.ReadAsync()).GetProperty("errors").EnumerateArray()
            .Select(e => (Index: e.GetProperty("index").GetInt32(), Line: e.GetProperty("line").GetInt32(), Reason: e.GetProperty("reason").GetString(), Message: e.GetProperty("message").GetString()!)).ToList();
        Assert.Equal([(1, 2, "unparseable"), (2, 3, "duplicate"), (4, 5, "out_of_scale")], errors.Select(e => (e.Index, e.Line, e.Reason)));
        Assert.EndsWith("already appeared in this batch: duplicate of line 1.", errors[1].Message, StringComparison.Ordinal);
    }

    /// <summary>Text that is not Unicode (raw bytes that are not UTF-8, an escaped lone surrogate) is a bad row, not a 500.</summary>
    [Fact]
    public async Task Events_TextThatIsNotUnicode_QuarantinesItsRowNamingTheField()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.Client(fixture.WriteKey);
        var good = "{\"userId\":\"nu-ok\",\"contentId\":\"m1\",\"timestamp\":\"2024-05-21T00:00:00Z\"}"u8.ToArray();
        var badBytes = "{\"userId\":\"nu-"u8.ToArray().Concat(new byte[] { 0xFF, 0xFE }).Concat("\",\"contentId\":\"m1\",\"timestamp\":\"2024-05-21T00:00:00Z\"}"u8.ToArray()).ToArray();
        var surrogate = "{\"userId\":\"nu-x\",\"contentId\":\"m1\",\"device\":\"\\ud800\",\"timestamp\":\"2024-05-21T00:00:00Z\"}"u8.ToArray();
        var body = new byte[] { (byte)'[' }.Concat(good).Concat(","u8.ToArray()).Concat(badBytes).Concat(","u8.ToArray()).Concat(surrogate).Concat("]"u8.ToArray()).ToArray();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await client.PostAsync("/api/events", content, ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var result = await response.ReadAsync();
        Assert.Equal((1, 2), (result.GetProperty("accepted").GetInt32(), result.GetProperty("quarantined").GetInt32()));
        Assert.Equal(["userId", "device"], result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!).ToArray());
    }

    public static TheoryData<string, string, string?> Endpoints => new()
    {
        { "GET", "/api/users/u1/recommendations", null },
        { "GET", "/api/users/u1/rows", null },
        { "GET", "/api/items/m1/similar", null },
        { "GET", "/api/search?q=night", null },
        { "POST", "/api/events", "read" },
        { "GET", "/api/experiments/home-v2/results", "write" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpoint_401WithoutKey_403WithWeakerRole(string method, string url, string? weaker)
    {
        var ct = TestContext.Current.CancellationToken;
        HttpRequestMessage Request() => new(new HttpMethod(method), url) { Content = method == "POST" ? new StringContent("[]", Encoding.UTF8, "application/json") : null };
        var anonymous = await fixture.Client().SendAsync(Request(), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        var wrong = await fixture.Client("mlops_not-a-key").SendAsync(Request(), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        // Read is the weakest role: read endpoints have no weaker key to try.
        if (weaker is not null)
        {
            var forbidden = await fixture.Client(weaker == "read" ? fixture.ReadKey : fixture.WriteKey).SendAsync(Request(), ct);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }
    }

    /// <summary>Load balancers probe with HEAD (Azure Front Door's default): /health and /ready answered 405.</summary>
    [Fact]
    public async Task Probes_AnswerHead_WithoutAKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.Client();
        foreach (var path in new[] { "/health", "/ready" })
        {
            var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), ct);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }
    }

    [Fact]
    public async Task Ready_OpenApi_AndHealth()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = fixture.Client();
        var ready = await (await client.GetAsync("/ready", ct)).ReadAsync();
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("1", ready.GetProperty("model").GetProperty("version").GetString());
        var openapi = await (await client.GetAsync("/openapi/v1.json", ct)).ReadAsync();
        var paths = openapi.GetProperty("paths");
        foreach (var path in new[] { "/api/users/{id}/recommendations", "/api/users/{id}/rows", "/api/items/{id}/similar", "/api/search", "/api/events", "/api/experiments/{id}/results", "/ready" })
            Assert.True(paths.TryGetProperty(path, out _), path);
    }

    [Fact]
    public async Task Experiment_StableAssignment_ExposuresLogged_ResultsFromLaterEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var reader = fixture.Client(fixture.ReadKey);
        var variants = new Dictionary<string, string>();
        for (var u = 0; u < 40; u++)
        {
            var body = await (await reader.GetAsync($"/api/users/u{u}/recommendations?k=3", ct)).ReadAsync();
            variants[$"u{u}"] = body.GetProperty("experiment").GetProperty("variant").GetString()!;
            var again = await (await reader.GetAsync($"/api/users/u{u}/recommendations?k=3", ct)).ReadAsync();
            Assert.Equal(variants[$"u{u}"], again.GetProperty("experiment").GetProperty("variant").GetString());
        }
        Assert.InRange(variants.Values.Count(v => v == "treatment"), 10, 30);
        await fixture.App.Services.GetRequiredService<ExposureLog>().FlushAsync(ct);
        var exposures = await EventLog.ReadAsync(fixture.Store, cancellationToken: ct).Where(e => e.EventType == EventType.Exposure && e.Experiment == "home-v2").ToListAsync(ct);
        Assert.True(exposures.Count >= 40 * 3);

        // Every treatment user plays the first title they were shown; control users do nothing.
        var now = DateTimeOffset.UtcNow.AddMinutes(1);
        var plays = exposures.Where(e => e.Variant == "treatment").GroupBy(e => e.UserId)
            .Select(g => new { userId = g.Key, contentId = g.First().ContentId, timestamp = now.ToString("O"), eventType = "play" }).ToArray();
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Client(fixture.WriteKey).PostAsJsonAsync("/api/events", plays, ct)).StatusCode);
        var results = await (await fixture.Client(fixture.AdminKey).GetAsync("/api/experiments/home-v2/results", ct)).ReadAsync();
        var byName = results.GetProperty("variants").EnumerateArray().ToDictionary(v => v.GetProperty("variant").GetString()!);
        Assert.Equal(0, byName["control"].GetProperty("playThrough").GetDouble());
        Assert.Equal(1, byName["treatment"].GetProperty("playThrough").GetDouble());
        Assert.True(byName["treatment"].GetProperty("playThroughDifferenceInterval").GetProperty("low").GetDouble() > 0);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Client(fixture.AdminKey).GetAsync("/api/experiments/nope/results", ct)).StatusCode);
    }
}
