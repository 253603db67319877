using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Data;
using MLOps.Core.Security;
using MLOps.Local.Hosting;
using MLOps.Recommenders;
using MLOps.Serving.Model;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

/// <summary>A small seeded catalogue and event log: 8 genres, 240 titles, 80 users each favouring two genres.</summary>
public static class SyntheticData
{
    public static readonly string[] Genres = ["Drama", "Comedy", "Action", "Horror", "Romance", "Documentary", "Animation", "Thriller"];
    private static readonly string[] Words = ["Dark", "Knight", "Summer", "Love", "Night", "City", "Lost", "River", "Star", "Ghost", "Island", "Secret", "Winter", "Dragon", "Empire", "Garden", "Shadow", "Storm", "Silver", "Ocean"];

    public static (List<CatalogItem> Catalog, List<ViewingEvent> Events) Create(int seed = 42, int items = 240, int users = 80)
    {
        var random = new Random(seed);
        var catalog = new List<CatalogItem>();
        for (var i = 0; i < items; i++)
        {
            var g1 = Genres[i % Genres.Length];
            var g2 = Genres[(i * 7 + 3) % Genres.Length];
            catalog.Add(new CatalogItem
            {
                ContentId = $"m{i}",
                Title = $"{Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} {i}",
                Genres = g1 == g2 ? [g1] : [g1, g2],
                ReleaseDate = new DateOnly(2000, 1, 1).AddDays(i * 20),
                Description = $"A {g1.ToLowerInvariant()} story about the {Words[(i * 3) % Words.Length].ToLowerInvariant()}.",
                Tags = i % 5 == 0 ? ["classic"] : [],
            });
        }
        catalog.Add(new CatalogItem { ContentId = "interstellar", Title = "Interstellar", Genres = ["Documentary"], Description = "Space travel through a wormhole.", Tags = ["space"] });
        var events = new List<ViewingEvent>();
        var start = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        for (var u = 0; u < users; u++)
        {
            var liked = new[] { u % Genres.Length, (u / Genres.Length + 1 + u) % Genres.Length };
            var count = 10 + random.Next(20);
            for (var n = 0; n < count; n++)
            {
                var genre = liked[random.Next(2)];
                var item = genre + Genres.Length * random.Next(items / Genres.Length / 2); // skewed to low ids
                events.Add(new ViewingEvent
                {
                    EventId = $"e{u}-{n}",
                    UserId = $"u{u}",
                    ContentId = $"m{item}",
                    Timestamp = start.AddHours(random.Next(24 * 30)),
                    EventType = EventType.Play,
                    ViewSeconds = 1000,
                });
            }
        }
        return (catalog, events);
    }

    public static async Task WriteAsync(IBlobStore store, IReadOnlyCollection<CatalogItem> catalog, IEnumerable<ViewingEvent> events)
    {
        await CatalogStore.MergeAsync(store, catalog);
        foreach (var day in events.GroupBy(e => DateOnly.FromDateTime(e.Timestamp.UtcDateTime)))
            await store.WriteTextAsync(MLOps.Core.StoreLayout.EventBatch(day.Key, "seed"),
                string.Concat(day.Select(e => JsonSerializer.Serialize(e, StoreJson.Options) + "\n")));
    }
}

/// <summary>Item-to-item co-occurrence (users who watched both), as a stand-in for the trained models.</summary>
public sealed class CooccurrenceRecommender : IRecommender
{
    private readonly float[][] _rows;

    public CooccurrenceRecommender(IEnumerable<string> itemIds, IEnumerable<ViewingEvent> events, string kind = "cooccurrence", float bias = 0)
    {
        Items = new ItemIndex(itemIds);
        Kind = kind;
        _rows = Enumerable.Range(0, Items.Count).Select(_ => new float[Items.Count]).ToArray();
        foreach (var user in events.GroupBy(e => e.UserId))
        {
            var seen = user.Select(e => Items.TryGetIndex(e.ContentId, out var i) ? i : -1).Where(i => i >= 0).Distinct().ToArray();
            foreach (var a in seen)
                foreach (var b in seen)
                    if (a != b) _rows[a][b] += 1;
        }
        for (var i = 0; i < Items.Count; i++) _rows[i][i] += bias;
    }

    public string Kind { get; }
    public ItemIndex Items { get; }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        foreach (var h in history)
        {
            var row = _rows[h];
            for (var j = 0; j < scores.Length; j++) scores[j] += row[j];
        }
        for (var j = 0; j < scores.Length; j++) scores[j] += j * 1e-6f; // deterministic tie-break
    }
}

/// <summary>An in-memory registry: aliases point at versions; a version can be made to fail loading.</summary>
public sealed class TestModelSource : IModelSource
{
    private readonly Dictionary<string, IRecommender> _versions = new();
    private readonly Dictionary<string, string> _aliases = new();
    private readonly Lock _gate = new();
    public TimeSpan LoadDelay { get; set; }
    /// <summary>While true, resolving an alias never answers (a frozen store) until the caller cancels.</summary>
    public bool ResolveHangs { get; set; }

    public void Add(string version, IRecommender? recommender) { lock (_gate) _versions[version] = recommender!; }
    public void Point(string alias, string version) { lock (_gate) _aliases[alias] = version; }

    public async Task<ModelRef?> ResolveAsync(string name, string aliasOrVersion, CancellationToken cancellationToken)
    {
        if (ResolveHangs) await Task.Delay(Timeout.Infinite, cancellationToken);
        lock (_gate)
            return _aliases.TryGetValue(aliasOrVersion, out var v) ? new ModelRef(name, v)
                : _versions.ContainsKey(aliasOrVersion) ? new ModelRef(name, aliasOrVersion) : null;
    }

    public async Task<IRecommender> LoadAsync(ModelRef model, CancellationToken cancellationToken)
    {
        await Task.Delay(LoadDelay, cancellationToken);
        lock (_gate)
            return _versions.TryGetValue(model.Version, out var r) && r is not null ? r : throw new InvalidDataException($"artifact of {model.Version} is corrupt");
    }
}

/// <summary>A running local host (TestServer) over a seeded folder store, with keys of each role and a champion "1".</summary>
public sealed class ServingFixture : IAsyncLifetime
{
    public FolderBlobStore Store { get; } = TestEnvironment.NewFolderStore("serving");
    public TestModelSource Models { get; } = new();
    public WebApplication App { get; private set; } = null!;
    public string ReadKey { get; private set; } = "";
    public string WriteKey { get; private set; } = "";
    public string AdminKey { get; private set; } = "";
    public List<CatalogItem> Catalog { get; private set; } = [];
    public List<ViewingEvent> Events { get; private set; } = [];
    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["ServingOptions:PollInterval"] = "00:00:00.050",
        ["ServingOptions:RecommendationsExperiment"] = "home-v2",
        ["ServingOptions:Experiments:0:Id"] = "home-v2",
        ["ServingOptions:Experiments:0:Variants:0:Name"] = "control",
        ["ServingOptions:Experiments:0:Variants:0:Model"] = "champion",
        ["ServingOptions:Experiments:0:Variants:0:Share"] = "50",
        ["ServingOptions:Experiments:0:Variants:1:Name"] = "treatment",
        ["ServingOptions:Experiments:0:Variants:1:Model"] = "challenger",
        ["ServingOptions:Experiments:0:Variants:1:Share"] = "50",
    };
    public Action<IServiceCollection>? ConfigureServices { get; set; }
    public bool WaitForChampion { get; set; } = true;
    public bool UseTestModels { get; set; } = true;

    public async ValueTask InitializeAsync()
    {
        (Catalog, Events) = SyntheticData.Create();
        await SyntheticData.WriteAsync(Store, Catalog, Events);
        var keys = new ApiKeyStore(Store);
        var now = DateTimeOffset.UtcNow;
        ReadKey = (await keys.CreateAsync(ApiRole.Read, "test", now)).Key;
        WriteKey = (await keys.CreateAsync(ApiRole.Write, "test", now)).Key;
        AdminKey = (await keys.CreateAsync(ApiRole.Admin, "test", now)).Key;
        var ids = Catalog.Select(c => c.ContentId).Where(id => id != "interstellar").ToList(); // a title the models never saw
        Models.Add("1", new CooccurrenceRecommender(ids, Events));
        Models.Add("2", new CooccurrenceRecommender(ids, Events, "cooccurrence-b", bias: 0.5f));
        Models.Point("champion", "1");
        Models.Point("challenger", "2");
        App = LocalHost.Build(Store.Root, configure: builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(Settings);
            if (UseTestModels) builder.Services.AddSingleton<IModelSource>(Models);
            ConfigureServices?.Invoke(builder.Services);
        });
        await App.StartAsync();
        var host = App.Services.GetRequiredService<ModelHost>();
        await WaitUntilAsync(() => WaitForChampion ? host.Current?.Champion is not null : host.Current is not null);
    }

    public HttpClient Client(string? key = null)
    {
        var client = App.GetTestClient();
        if (key is not null) client.DefaultRequestHeaders.Add("x-api-key", key);
        return client;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException("Condition not met in time.");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

internal static class Json
{
    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>());
}
