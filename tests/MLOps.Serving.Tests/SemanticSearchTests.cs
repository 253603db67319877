using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Serving.Search;

namespace MLOps.Serving.Tests;

/// <summary>
/// A local HTTP server speaking Azure OpenAI's embeddings wire format
/// (POST /openai/deployments/{deployment}/embeddings?api-version=…), with switchable failure modes.
/// Embeddings are bags of hashed words, so texts sharing words are close.
/// </summary>
public sealed class FakeAzureOpenAI : IAsyncDisposable
{
    private readonly WebApplication _app;
    public int Requests;
    public string? LastApiKey;
    /// <summary>0 = answer; otherwise reply with this status (429 includes Retry-After: 0).</summary>
    public int FailWith;

    public FakeAzureOpenAI()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/openai/deployments/{deployment}/embeddings", async (string deployment, HttpContext http) =>
        {
            Interlocked.Increment(ref Requests);
            LastApiKey = http.Request.Headers["api-key"].ToString();
            if (FailWith == 429)
            {
                http.Response.Headers["Retry-After"] = "0";
                http.Response.Headers["retry-after-ms"] = "5";
                return Results.Json(new { error = new { code = "429", message = "Requests to the Embeddings_Create Operation have exceeded call rate limit." } }, statusCode: 429);
            }
            if (FailWith != 0) return Results.Json(new { error = new { code = "InternalServerError", message = "boom" } }, statusCode: FailWith);
            using var body = await JsonDocument.ParseAsync(http.Request.Body);
            var input = body.RootElement.GetProperty("input");
            var texts = input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().Select(t => t.GetString()!).ToList() : [input.GetString()!];
            // As the service does: float arrays, or base64 of little-endian float32 when encoding_format is "base64" (the SDK's default).
            var base64 = body.RootElement.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
            var data = texts.Select((t, i) => new
            {
                @object = "embedding",
                index = i,
                embedding = base64 ? (object)Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Embed(t).AsSpan())) : Embed(t),
            }).ToList();
            return Results.Json(new { @object = "list", data, model = deployment, usage = new { prompt_tokens = 1, total_tokens = 1 } });
        });
    }

    public Uri Endpoint { get; private set; } = null!;

    public async Task StartAsync()
    {
        await _app.StartAsync();
        Endpoint = new Uri(_app.Urls.First());
    }

    public static float[] Embed(string text)
    {
        var v = new float[64];
        foreach (var token in TextNormalizer.Tokens(text))
        {
            var h = 0u;
            foreach (var ch in token) h = h * 31 + ch;
            v[h % 64] += 1;
        }
        return v;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed class SemanticSearchTests
{
    [Fact]
    public async Task AzureOpenAI_HybridSearch_ThenThrottling_RetriesAndFallsBackToLexical()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fake = new FakeAzureOpenAI();
        await fake.StartAsync();
        var fixture = new ServingFixture();
        fixture.ConfigureServices = s => s.AddSingleton<IEmbeddingClient>(new AzureOpenAIEmbeddingClient(
            new OpenAIEmbeddingOptions { Endpoint = fake.Endpoint.ToString(), Key = "test-key", Deployment = "emb", MaxRetries = 2, Timeout = TimeSpan.FromSeconds(10) }));
        await fixture.InitializeAsync();
        try
        {
            var search = fixture.App.Services.GetRequiredService<SearchService>();
            await ServingFixture.WaitUntilAsync(() => search.SemanticReady || search.SemanticError is not null);
            Assert.True(search.SemanticReady, search.SemanticError);
            Assert.Equal("test-key", fake.LastApiKey);
            var client = fixture.Client(fixture.ReadKey);

            var hybrid = await (await client.GetAsync("/api/search?q=wormhole%20space%20travel&k=3", ct)).ReadAsync();
            Assert.Equal("hybrid", hybrid.GetProperty("mode").GetString());
            Assert.False(hybrid.GetProperty("semanticFallback").GetBoolean());
            Assert.Equal("interstellar", hybrid.GetProperty("items")[0].GetProperty("contentId").GetString());

            fake.FailWith = 429;
            var before = fake.Requests;
            var throttled = await client.GetAsync("/api/search?q=ghost%20story&k=3", ct);
            Assert.Equal(HttpStatusCode.OK, throttled.StatusCode);
            var body = await throttled.ReadAsync();
            Assert.Equal("lexical", body.GetProperty("mode").GetString());
            Assert.True(body.GetProperty("semanticFallback").GetBoolean());
            Assert.True(body.GetProperty("items").GetArrayLength() > 0);
            Assert.Equal(3, fake.Requests - before); // first try + 2 retries

            fake.FailWith = 500;
            var failed = await (await client.GetAsync("/api/search?q=dragon&k=3", ct)).ReadAsync();
            Assert.True(failed.GetProperty("semanticFallback").GetBoolean());

            fake.FailWith = 0;
            var recovered = await (await client.GetAsync("/api/search?q=silver%20ocean&k=3", ct)).ReadAsync();
            Assert.Equal("hybrid", recovered.GetProperty("mode").GetString());
        }
        finally { await fixture.DisposeAsync(); }
    }

    /// <summary>A title imported while serving reaches the semantic index with the next data reload: only it is embedded.</summary>
    [Fact]
    public async Task TitleImportedWhileServing_IsEmbeddedAfterTheReload_AloneOfTheCatalogue()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fake = new FakeAzureOpenAI();
        await fake.StartAsync();
        var fixture = new ServingFixture();
        fixture.Settings["ServingOptions:DataRefreshInterval"] = "00:00:00.100";
        fixture.Settings["ServingOptions:PollInterval"] = "00:00:00.100";
        fixture.ConfigureServices = s => s.AddSingleton<IEmbeddingClient>(new AzureOpenAIEmbeddingClient(
            new OpenAIEmbeddingOptions { Endpoint = fake.Endpoint.ToString(), Key = "test-key", Deployment = "emb", MaxRetries = 0, Timeout = TimeSpan.FromSeconds(10) }));
        await fixture.InitializeAsync();
        try
        {
            var search = fixture.App.Services.GetRequiredService<SearchService>();
            var host = fixture.App.Services.GetRequiredService<MLOps.Serving.Model.ModelHost>();
            await ServingFixture.WaitUntilAsync(() => search.SemanticReady || search.SemanticError is not null);
            Assert.True(search.SemanticReady, search.SemanticError);
            var titles = search.SemanticTitles;
            var before = fake.Requests;

            await MLOps.Core.Data.CatalogStore.MergeAsync(fixture.Store,
                [new MLOps.Core.Data.CatalogItem { ContentId = "brand-new", Title = "Quokka Odyssey", Genres = ["Comedy"] }], ct);
            await ServingFixture.WaitUntilAsync(() => search.SemanticTitles == titles + 1);

            Assert.Equal(host.Current!.Data.Count, search.SemanticTitles);
            Assert.Equal(1, fake.Requests - before); // one batch: the new title alone
        }
        finally { await fixture.DisposeAsync(); }
    }
}
