using MLOps.Tests;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MLOps.Core.Data;
using MLOps.Serving.Experiments;
using MLOps.Serving.Model;
using MLOps.Serving.Search;
using MLOps.Storage;

namespace MLOps.Serving.Tests;

/// <summary>Serving while something it depends on is missing: the data, or an experiment variant's model.</summary>
public sealed class ServingDegradedTests
{
    [Fact]
    public async Task DataThatFailedToLoad_IsNotReady_AndIsRetriedUntilItLoads()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture { WaitForChampion = false };
        var embeddings = new CountingEmbeddings();
        // Runs after the seed data is written and before the host starts: the catalogue is unreadable at startup.
        fixture.ConfigureServices = services =>
        {
            fixture.Store.WriteTextAsync(CatalogStore.CurrentPath, "{not json\n").GetAwaiter().GetResult();
            services.AddSingleton<IEmbeddingClient>(embeddings);
        };
        await fixture.InitializeAsync();
        try
        {
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            Assert.NotNull(host.DataError);
            var ready = await fixture.Client().GetAsync("/ready", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("serving data failed to load", (await ready.ReadAsync()).GetProperty("detail").GetString());

            await fixture.Store.WriteTextAsync(CatalogStore.CurrentPath,
                string.Concat(fixture.Catalog.Select(c => JsonSerializer.Serialize(c, StoreJson.Options) + "\n")), cancellationToken: ct);
            await ServingFixture.WaitUntilAsync(() => host.DataError is null && host.Current?.Champion is not null);

            var again = await fixture.Client().GetAsync("/ready", ct);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(fixture.Catalog.Count, (await again.ReadAsync()).GetProperty("items").GetInt32());
            var recs = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u1/recommendations?k=3", ct)).ReadAsync();
            Assert.False(recs.GetProperty("coldStart").GetBoolean());
            // The semantic index is built over the loaded catalogue, not over the empty stand-in of the failed load.
            var search = fixture.App.Services.GetRequiredService<SearchService>();
            await ServingFixture.WaitUntilAsync(() => search.SemanticReady);
            Assert.Equal(fixture.Catalog.Count, embeddings.Texts);
        }
        finally { await fixture.DisposeAsync(); }
    }

    /// <summary>A store whose listing of the event log waits for the test: the window in which a load has not read the log yet.</summary>
    private sealed class GatedEventsStore(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public TaskCompletionSource Listing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (prefix.StartsWith(MLOps.Core.StoreLayout.Events, StringComparison.Ordinal))
            {
                Listing.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }
            await foreach (var blob in Inner.ListAsync(prefix, cancellationToken)) yield return blob;
        }
    }

    [Fact]
    public async Task EventsPostedWhileTheDataLoads_CountForTheirUsersOnceItHasLoaded()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = MLOps.Tests.TestEnvironment.NewFolderStore("serving-load-race");
        var (catalog, events) = SyntheticData.Create();
        await SyntheticData.WriteAsync(folder, catalog, events);
        var store = new GatedEventsStore(folder);
        var host = new ModelHost(store, new TestModelSource(), Options.Create(new ServingOptions { PollInterval = TimeSpan.FromSeconds(30) }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelHost>.Instance);
        await host.StartAsync(ct);
        try
        {
            await store.Listing.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            // Stored by the events endpoint after the load read the log's listing: the loaded data cannot hold it.
            host.Append([new ViewingEvent { EventId = "late-1", UserId = "late-user", ContentId = "m7", Timestamp = DateTimeOffset.UtcNow, EventType = EventType.Play }]);
            store.Release.SetResult();
            var snapshot = await host.WaitForSnapshotAsync(ct);

            var user = snapshot.Data.User("late-user");
            Assert.NotNull(user);
            Assert.True(snapshot.Data.Items.TryGetIndex("m7", out var m7));
            Assert.Equal([m7], user.History);
        }
        finally { await host.StopAsync(CancellationToken.None); }
    }

    private sealed class CountingEmbeddings : IEmbeddingClient
    {
        private int _texts;
        public int Texts => Volatile.Read(ref _texts);

        public Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _texts, texts.Count);
            return Task.FromResult(texts.Select(FakeAzureOpenAI.Embed).ToArray());
        }
    }

    [Fact]
    public async Task VariantWhoseModelIsNotLoaded_ServesTheChampionOutsideTheExperiment()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        fixture.Settings["ServingOptions:Experiments:0:Variants:1:Model"] = "nightly"; // an alias that resolves to nothing
        fixture.Settings["ServingOptions:ExposureSampleRate"] = "0";
        await fixture.InitializeAsync();
        try
        {
            var experiment = fixture.App.Services.GetRequiredService<IOptions<ServingOptions>>().Value.Experiments[0];
            var users = Enumerable.Range(0, 40).Select(u => $"u{u}").ToList();
            var treated = users.Where(u => ExperimentService.Assign(experiment, u).Name == "treatment").ToList();
            Assert.NotEmpty(treated);
            var client = fixture.Client(fixture.ReadKey);
            foreach (var user in users)
            {
                var recs = await (await client.GetAsync($"/api/users/{user}/recommendations?k=3", ct)).ReadAsync();
                Assert.Equal("1", recs.GetProperty("model").GetProperty("version").GetString());
                var experimentField = recs.GetProperty("experiment");
                if (treated.Contains(user)) Assert.Equal(JsonValueKind.Null, experimentField.ValueKind);
                else Assert.Equal("control", experimentField.GetProperty("variant").GetString());
            }
            await fixture.App.Services.GetRequiredService<ExposureLog>().FlushAsync(ct);
            var exposures = await EventLog.ReadAsync(fixture.Store, cancellationToken: ct).Where(e => e.EventType == EventType.Exposure).ToListAsync(ct);
            Assert.NotEmpty(exposures);
            Assert.All(exposures, e => Assert.Equal("control", e.Variant));
        }
        finally { await fixture.DisposeAsync(); }
    }
}
