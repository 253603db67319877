using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Data;
using MLOps.Recommenders;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

/// <summary>A loaded model is run through the request path (every user's list computed) before it serves.</summary>
public sealed class WarmUpTests
{
    /// <summary>Scores like its inner model once <see cref="Gate"/> opens, counting the calls.</summary>
    private sealed class GatedRecommender(IRecommender inner) : IRecommender
    {
        private int _calls;
        public ManualResetEventSlim Gate { get; } = new(false);
        public int Calls => Volatile.Read(ref _calls);
        public string Kind => inner.Kind;
        public ItemIndex Items => inner.Items;

        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            Interlocked.Increment(ref _calls);
            Gate.Wait(TimeSpan.FromSeconds(30));
            inner.Score(history, scores);
        }
    }

    private static IRecommender Cooccurrence(ServingFixture fixture) =>
        new CooccurrenceRecommender(fixture.Catalog.Select(c => c.ContentId).Where(id => id != "interstellar"), fixture.Events);

    [Fact]
    public async Task Startup_ReadyWaitsForTheWarmUp_AfterWhichNoUsersListIsComputedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture { WaitForChampion = false };
        GatedRecommender? gated = null;
        fixture.ConfigureServices = _ => fixture.Models.Add("1", gated = new GatedRecommender(Cooccurrence(fixture)));
        await fixture.InitializeAsync();
        try
        {
            var client = fixture.Client(fixture.ReadKey);
            await ServingFixture.WaitUntilAsync(() => gated!.Calls > 0); // before: nothing scored until a request came
            var ready = await client.GetAsync("/ready", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("Warming up recommender 1 (champion)", (await ready.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

            gated!.Gate.Set();
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            await ServingFixture.WaitUntilAsync(() => host.Current?.Champion is not null);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready", ct)).StatusCode);
            var scored = gated.Calls;
            foreach (var user in fixture.Events.Select(e => e.UserId).Distinct())
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/users/{user}/recommendations?k=5", ct)).StatusCode);
            Assert.Equal(scored, gated.Calls);
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task PromotedVersion_IsWarmedUpBeforeItIsSwappedIn()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        await fixture.InitializeAsync();
        try
        {
            var client = fixture.Client(fixture.ReadKey);
            var gated = new GatedRecommender(Cooccurrence(fixture));
            fixture.Models.Add("3", gated);
            fixture.Models.Point("champion", "3");
            await ServingFixture.WaitUntilAsync(() => gated.Calls > 0);
            var ready = await client.GetAsync("/ready", ct);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("1", (await ready.ReadAsync()).GetProperty("model").GetProperty("version").GetString()); // the old one serves meanwhile

            gated.Gate.Set();
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            await ServingFixture.WaitUntilAsync(() => host.Current?.Champion?.Ref.Version == "3");
            var scored = gated.Calls;
            foreach (var user in fixture.Events.Select(e => e.UserId).Distinct())
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/users/{user}/recommendations?k=5", ct)).StatusCode);
            Assert.Equal(scored, gated.Calls);
        }
        finally { await fixture.DisposeAsync(); }
    }

    /// <summary>A host whose champion v1 scores only while its gate is open, started with the gate open.</summary>
    private static async Task<(ServingFixture Fixture, ModelHost Host, GatedRecommender Gated)> StartGatedAsync()
    {
        var fixture = new ServingFixture();
        fixture.Settings["ServingOptions:DataRefreshInterval"] = "00:00:00.100";
        fixture.Settings["ServingOptions:WarmUpBudget"] = "00:05:00"; // the gate must not run it out
        GatedRecommender? gated = null;
        fixture.ConfigureServices = _ =>
        {
            fixture.Models.Add("1", gated = new GatedRecommender(Cooccurrence(fixture)));
            gated.Gate.Set();
        };
        await fixture.InitializeAsync();
        return (fixture, fixture.App.Services.GetRequiredService<ModelHost>(), gated!);
    }

    /// <summary>Closes the gate and imports a title: the data reload that follows waits in its warm-up of v1.</summary>
    private static async Task HoldADataReloadAsync(ServingFixture fixture, GatedRecommender gated, CancellationToken ct)
    {
        gated.Gate.Reset();
        var before = gated.Calls;
        await CatalogStore.MergeAsync(fixture.Store, [new CatalogItem { ContentId = "brand-new", Title = "Quokka Odyssey", Genres = ["Comedy"] }], ct);
        await ServingFixture.WaitUntilAsync(() => gated.Calls > before); // before the reload warm-up: nothing scored until a request came
    }

    /// <summary>
    /// A data reload rebinds the models to the new data with empty candidate lists: it was swapped in cold, so every user's
    /// first request after it computed their list again. It is now warmed up while the old data still serves.
    /// </summary>
    [Fact]
    public async Task DataReload_IsWarmedUpBeforeItIsSwappedIn()
    {
        var ct = TestContext.Current.CancellationToken;
        var (fixture, host, gated) = await StartGatedAsync();
        try
        {
            var client = fixture.Client(fixture.ReadKey);
            var loaded = host.Current!.Data;
            await HoldADataReloadAsync(fixture, gated, ct);
            Assert.Same(loaded, host.Current!.Data); // the old data serves meanwhile
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready", ct)).StatusCode);

            gated.Gate.Set();
            await ServingFixture.WaitUntilAsync(() => !ReferenceEquals(loaded, host.Current?.Data));
            Assert.True(host.Current!.Data.Items.TryGetIndex("brand-new", out _));
            Assert.Equal("1", host.Current.Champion?.Ref.Version);
            var scored = gated.Calls;
            foreach (var user in fixture.Events.Select(e => e.UserId).Distinct())
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/users/{user}/recommendations?k=5", ct)).StatusCode);
            Assert.Equal(scored, gated.Calls);
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task APromotionRefreshedDuringADataReload_IsNotUndoneByIt()
    {
        // The reload rebinds and warms up the models it read; a refresh that swapped a new champion in meanwhile was put
        // back by the reload's swap, then loaded and swapped again by the next poll: two swaps (and loads) for one promotion.
        var ct = TestContext.Current.CancellationToken;
        var (fixture, host, gated) = await StartGatedAsync();
        try
        {
            var loaded = host.Current!.Data;
            await HoldADataReloadAsync(fixture, gated, ct);
            var swaps = host.SwapCount;

            fixture.Models.Add("3", Cooccurrence(fixture));
            fixture.Models.Point("champion", "3");
            var refresh = host.RefreshAsync(ct);
            await Task.WhenAny(refresh, Task.Delay(1000, ct)); // unguarded, the refresh swapped v3 in during this time
            gated.Gate.Set();
            await refresh;
            await ServingFixture.WaitUntilAsync(() => !ReferenceEquals(loaded, host.Current?.Data) && host.Current?.Champion?.Ref.Version == "3");
            var checks = host.DataChecks;
            await ServingFixture.WaitUntilAsync(() => host.DataChecks > checks + 1); // a poll (reload check, then refresh) since

            Assert.True(host.Current!.Data.Items.TryGetIndex("brand-new", out _));
            Assert.Equal("3", host.Current.Champion?.Ref.Version);
            Assert.Equal(1, host.SwapCount - swaps);
        }
        finally { await fixture.DisposeAsync(); }
    }
}
