using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

public sealed class HotSwapTests
{
    [Fact]
    public async Task TenChampionSwapsUnderLoad_NoFailedRequest_AndEachVersionServed()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        await fixture.InitializeAsync();
        try
        {
            var ids = fixture.Catalog.Select(c => c.ContentId).ToList();
            for (var v = 10; v < 20; v++) fixture.Models.Add($"{v}", new CooccurrenceRecommender(ids, fixture.Events, $"kind{v}"));
            fixture.Models.LoadDelay = TimeSpan.FromMilliseconds(30); // loads take time; requests must not wait for them
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            var client = fixture.Client(fixture.ReadKey);
            var failures = 0;
            var served = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                var n = 0;
                while (!stop.IsCancellationRequested)
                {
                    var url = (n++ % 3) switch { 0 => $"/api/users/u{w}/recommendations", 1 => $"/api/users/u{w}/rows?rows=3", _ => "/api/items/m4/similar" };
                    var response = await client.GetAsync(url, CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref failures);
                    else if (n % 3 == 1)
                    {
                        var version = (await response.ReadAsync()).GetProperty("model").GetProperty("version").GetString()!;
                        served.AddOrUpdate(version, 1, (_, c) => c + 1);
                    }
                }
            }, ct)).ToArray();

            var before = host.SwapCount;
            for (var v = 10; v < 20; v++)
            {
                fixture.Models.Point("champion", $"{v}");
                await ServingFixture.WaitUntilAsync(() => host.Current!.Champion!.Ref.Version == $"{v}");
                // Each version must reach a client before the next swap (waiting on responses, not on a fixed
                // delay, keeps the check meaningful on a slow or busy machine).
                await ServingFixture.WaitUntilAsync(() => served.ContainsKey($"{v}"), timeoutMs: 30_000);
            }
            await stop.CancelAsync();
            await Task.WhenAll(load);
            Assert.Equal(0, failures);
            Assert.Equal(10, host.SwapCount - before);
            Assert.Equal(10, served.Keys.Count(k => int.Parse(k) >= 10));
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task FailedLoad_KeepsServingTheOldModel_AndReportsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        await fixture.InitializeAsync();
        try
        {
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            fixture.Models.Add("broken", null);
            fixture.Models.Point("champion", "broken");
            await ServingFixture.WaitUntilAsync(() => host.LastError is not null);
            Assert.Equal("1", host.Current!.Champion!.Ref.Version);
            var ready = await (await fixture.Client().GetAsync("/ready", ct)).ReadAsync();
            Assert.Contains("broken", ready.GetProperty("lastError").GetString());
            var recs = await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u1/rows?rows=2", ct);
            Assert.Equal(HttpStatusCode.OK, recs.StatusCode);
            Assert.Equal("1", (await recs.ReadAsync()).GetProperty("model").GetProperty("version").GetString());

            // A variant that loads fine meanwhile does not hide the champion's failure.
            fixture.Models.Add("5", new CooccurrenceRecommender(fixture.Catalog.Select(c => c.ContentId), fixture.Events, "variant"));
            fixture.Models.Point("challenger", "5");
            await ServingFixture.WaitUntilAsync(() => host.Current!.Variants.TryGetValue("challenger", out var v) && v.Ref.Version == "5");
            Assert.Contains("broken", host.LastError);
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task FailedLoad_IsRetriedWithBackoff_AndSwapsInOnceTheVersionLoads()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        fixture.Settings["ServingOptions:LoadRetryDelay"] = "00:00:00.200";
        await fixture.InitializeAsync();
        try
        {
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            fixture.Models.Add("3", null); // a transient failure: the version's artifact cannot be read yet
            fixture.Models.Point("champion", "3");
            await ServingFixture.WaitUntilAsync(() => host.LastError is not null);
            Assert.Equal("1", host.Current!.Champion!.Ref.Version);

            fixture.Models.Add("3", new CooccurrenceRecommender(fixture.Catalog.Select(c => c.ContentId), fixture.Events, "healed"));
            await ServingFixture.WaitUntilAsync(() => host.Current!.Champion!.Ref.Version == "3");
            Assert.Null(host.LastError);
            var ready = await fixture.Client().GetAsync("/ready", ct);
            Assert.Equal("healed", (await ready.ReadAsync()).GetProperty("model").GetProperty("kind").GetString());
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task EveryRefresh_RecordsTheVersionInUse_NotOnlyASwap()
    {
        // Azure Monitor sends a gauge only in an interval it was recorded in: "Model in use" needs it every poll.
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        await fixture.InitializeAsync();
        try
        {
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            await ServingFixture.WaitUntilAsync(() => host.Current?.Champion?.Ref.Version == "1" && host.Current.Variants.ContainsKey("challenger"));
            var recorded = new List<(long Version, string? Alias)>();
            using var listener = new System.Diagnostics.Metrics.MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MLOps.Core.Telemetry.Name && instrument.Name == "mlops.model.version") l.EnableMeasurementEvents(instrument);
            };
            var mine = new AsyncLocal<bool> { Value = true }; // this test's refreshes only, not the poll loop's or other tests'
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                if (!mine.Value) return;
                foreach (var tag in tags) if (tag.Key == "alias") lock (recorded) recorded.Add((value, tag.Value as string));
            });
            listener.Start();

            await host.RefreshAsync(ct); // nothing changed since the last poll
            await host.RefreshAsync(ct);

            Assert.Equal([(1L, "champion"), (2L, "challenger"), (1L, "champion"), (2L, "challenger")], recorded);
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(5, 480)]
    [InlineData(6, 600)]
    [InlineData(1000, 600)]
    public void RetryDelay_DoublesFromTheFirstDelay_UpToTenMinutes(int attempts, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ModelHost.RetryDelay(attempts, TimeSpan.FromSeconds(30)));

    [Fact]
    public async Task ArtifactSource_BootstrapsFromEvents_ThenSwapsWhenTheBlobIsRewritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture { UseTestModels = false };
        fixture.Settings["ServingOptions:ArtifactPath"] = "models/recommender/serving.bin";
        fixture.Settings["ServingOptions:Bootstrap"] = "ease";
        await fixture.InitializeAsync();
        try
        {
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            Assert.Equal("ease", host.Current!.Champion!.Kind);
            var first = host.Current.Champion.Ref.Version;
            var data = MLOps.Recommenders.TrainingData.FromEvents(fixture.Events, fixture.Catalog);
            var sar = MLOps.Recommenders.ModelTrainer.Train("sar", null, data);
            await MLOps.Recommenders.Artifacts.ModelArtifact.SaveAsync(fixture.Store, "models/recommender/serving.bin", sar, cancellationToken: ct);
            await ServingFixture.WaitUntilAsync(() => host.Current!.Champion!.Kind == "sar");
            Assert.NotEqual(first, host.Current!.Champion!.Ref.Version);
            var recs = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u2/rows?rows=2", ct)).ReadAsync();
            Assert.Equal("sar", recs.GetProperty("model").GetProperty("kind").GetString());
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task RegistryChampion_IsServed_AndAPromotionSwapsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture { UseTestModels = false };
        var (registry, first, second) = await StartWithRegistryChampionAsync(fixture, ct);
        try
        {
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            Assert.Equal($"{first}", host.Current!.Champion!.Ref.Version);
            await registry.PromoteAsync("recommender", second, new MLOps.Registry.PromoteRequest { By = "test", Force = true }, ct);
            await ServingFixture.WaitUntilAsync(() => host.Current!.Champion!.Ref.Version == $"{second}");
            Assert.Equal("sar", host.Current!.Champion!.Kind);
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task RegistryRollback_ServesThePreviousChampionAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture { UseTestModels = false };
        var (registry, first, second) = await StartWithRegistryChampionAsync(fixture, ct);
        try
        {
            var host = fixture.App.Services.GetRequiredService<ModelHost>();
            var client = fixture.Client(fixture.ReadKey);
            async Task<string> ServedVersion() => (await (await client.GetAsync("/api/users/u1/recommendations", ct)).ReadAsync()).GetProperty("model").GetProperty("version").GetString()!;
            await registry.PromoteAsync("recommender", second, new MLOps.Registry.PromoteRequest { By = "test", Force = true }, ct);
            await ServingFixture.WaitUntilAsync(() => host.Current!.Champion!.Ref.Version == $"{second}");
            Assert.Equal($"{second}", await ServedVersion());

            await registry.RollbackAsync("recommender", new MLOps.Registry.RollbackRequest { By = "test", Reason = "bad online metrics" }, ct);
            await ServingFixture.WaitUntilAsync(() => host.Current!.Champion!.Ref.Version == $"{first}");
            Assert.Equal($"{first}", await ServedVersion());
            Assert.Equal("ease", host.Current!.Champion!.Kind);
            var history = await registry.GetHistoryAsync("recommender", MLOps.Registry.ModelAliases.Champion, ct);
            Assert.Equal([("promote", (int?)first), ("promote", second), ("rollback", first)], history.Select(e => (e.Action, e.To)));
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task NoModel_NotReady_ButServesTrending()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        fixture.ConfigureServices = s => s.AddSingleton<IModelSource>(new NoModelSource());
        fixture.WaitForChampion = false;
        await fixture.InitializeAsync();
        try
        {
            var ready = await fixture.Client().GetAsync("/ready", ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            // The 503 says how to get a champion (the runbook's first look when serving answers trending only).
            Assert.Contains("RetrainPipeline", (await ready.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            var recs = await (await fixture.Client(fixture.ReadKey).GetAsync("/api/users/u1/recommendations?k=4", ct)).ReadAsync();
            Assert.True(recs.GetProperty("coldStart").GetBoolean());
            Assert.Equal("no-model", recs.GetProperty("coldStartReason").GetString());
            Assert.Equal(4, recs.GetProperty("items").GetArrayLength());
        }
        finally { await fixture.DisposeAsync(); }
    }

    /// <summary>Registers EASE (first, made champion) and SAR (second), both trained on the fixture's events, then starts serving.</summary>
    private static async Task<(MLOps.Registry.ModelRegistry Registry, int First, int Second)> StartWithRegistryChampionAsync(ServingFixture fixture, CancellationToken ct)
    {
        var registry = new MLOps.Registry.ModelRegistry(fixture.Store);
        var data = MLOps.Recommenders.TrainingData.FromEvents(fixture.Events, fixture.Catalog);
        async Task<int> Register(string kind) => (await registry.RegisterAsync("recommender", new MLOps.Registry.ModelVersionDraft { Type = kind },
            new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes(MLOps.Recommenders.Artifacts.ModelArtifact.ToBytes(MLOps.Recommenders.ModelTrainer.Train(kind, null, data))) }, ct)).Version;
        var first = await Register("ease");
        var second = await Register("sar");
        await registry.PromoteAsync("recommender", first, new MLOps.Registry.PromoteRequest { By = "test", Force = true }, ct);
        fixture.ConfigureServices = s => s.AddSingleton(registry);
        await fixture.InitializeAsync();
        return (registry, first, second);
    }
}
