using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Data;
using MLOps.Serving.Events;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

/// <summary>
/// The serving data was loaded once at startup: a title imported into the catalogue while serving stayed a 404 "not in
/// the catalogue" and unsearchable, and plays imported (or posted to another instance) were recommended again, until a
/// restart. The host now reloads it when the store changed (ServingOptions.DataRefreshInterval) and keeps its champion.
/// </summary>
public sealed class DataReloadTests
{
    [Fact]
    public async Task DataCommittedWhileServing_ReachesTheApi_AndTheChampionStays()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fixture = new ServingFixture();
        fixture.Settings["ServingOptions:DataRefreshInterval"] = "00:00:00.100";
        await fixture.InitializeAsync();
        var client = fixture.Client(fixture.ReadKey);
        var host = fixture.App.Services.GetRequiredService<ModelHost>();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/items/brand-new/similar", ct)).StatusCode);
        var before = await (await client.GetAsync("/api/users/u3/recommendations?k=5", ct)).ReadAsync();
        var top = before.GetProperty("items")[0].GetProperty("contentId").GetString()!;

        await CatalogStore.MergeAsync(fixture.Store, [new CatalogItem { ContentId = "brand-new", Title = "Quokka Odyssey", Genres = ["Comedy"] }], ct);
        // Another instance's POST (or an import): stored and committed, never appended to this host's state.
        var play = $"[{{\"userId\":\"u3\",\"contentId\":\"{top}\",\"timestamp\":\"2024-05-30T12:00:00Z\"}}]";
        await new EventIngest(fixture.Store, TimeProvider.System).IngestAsync(Encoding.UTF8.GetBytes(play), 1000, ct);
        await ServingFixture.WaitUntilAsync(() => host.Current?.Data.Items.TryGetIndex("brand-new", out _) == true
            && host.Current.Data.User("u3")?.History.Contains(host.Current.Data.Items.TryGetIndex(top, out var i) ? i : -1) == true);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/items/brand-new/similar", ct)).StatusCode);
        var search = await (await client.GetAsync("/api/search?q=quokka", ct)).ReadAsync();
        Assert.Equal("brand-new", search.GetProperty("items")[0].GetProperty("contentId").GetString());
        var after = await (await client.GetAsync("/api/users/u3/recommendations?k=5", ct)).ReadAsync();
        Assert.False(after.GetProperty("coldStart").GetBoolean());
        // The same model as before the reload (u3 is in the experiment's treatment: the variant's model is rebound too).
        Assert.Equal(before.GetProperty("model").GetProperty("version").GetString(), after.GetProperty("model").GetProperty("version").GetString());
        Assert.NotNull(host.Current!.Champion);
        Assert.DoesNotContain(top, after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("contentId").GetString()));
    }

    /// <summary>
    /// Events posted to this host are applied at once and committed with a manifest; that manifest made the next check
    /// reload all the data (6–7 s CPU at 2M events), so steady POST traffic cost a full reload every interval.
    /// </summary>
    [Fact]
    public async Task EventsPostedToThisHost_CauseNoReload_ACatalogueImportStillDoes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fixture = new ServingFixture();
        fixture.Settings["ServingOptions:DataRefreshInterval"] = "00:00:00.050";
        await fixture.InitializeAsync();
        var host = fixture.App.Services.GetRequiredService<ModelHost>();
        var loaded = host.Current!.Data;
        var unseen = Enumerable.Range(0, loaded.Items.Count).First(i => !loaded.User("u3")!.History.Contains(i));

        var post = await fixture.Client(fixture.WriteKey).PostAsync("/api/events", new StringContent(
            $"[{{\"userId\":\"u3\",\"contentId\":\"{loaded.Items[unseen]}\",\"timestamp\":\"2024-05-30T12:00:00Z\"}}]", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        // Checks that really ran after the commit (a sleep could pass with none on a busy machine); the first may have
        // read the store before the commit, so wait for more than one.
        var checks = host.DataChecks;
        await ServingFixture.WaitUntilAsync(() => host.DataChecks >= checks + 3);

        Assert.Same(loaded, host.Current!.Data);
        Assert.Contains(unseen, loaded.User("u3")!.History); // applied in memory

        await CatalogStore.MergeAsync(fixture.Store, [new CatalogItem { ContentId = "brand-new", Title = "Quokka Odyssey", Genres = ["Comedy"] }], ct);
        await ServingFixture.WaitUntilAsync(() => !ReferenceEquals(loaded, host.Current?.Data));
        Assert.True(host.Current!.Data.Items.TryGetIndex("brand-new", out _));
    }
}
