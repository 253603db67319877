using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Registry;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

/// <summary>The local host's seeded store and models, and the Functions host's services over the same store.</summary>
public sealed class FunctionsServingFixture : IAsyncLifetime
{
    public ServingFixture Local { get; } = new();
    public FunctionsHttpHost Functions { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Local.InitializeAsync();
        Functions = await FunctionsHttpHost.StartAsync(Local.Store, Local.Settings, Local.Models);
        var models = Functions.Services.GetRequiredService<ModelHost>();
        await ServingFixture.WaitUntilAsync(() => models.Current?.Champion is not null);
    }

    public async ValueTask DisposeAsync()
    {
        await Functions.DisposeAsync();
        await Local.DisposeAsync();
    }
}

/// <summary>The thin triggers reach the core: the same request gives the same answer on both hosts, roles included.</summary>
public sealed class FunctionsHandlerTests(FunctionsServingFixture fixture) : IClassFixture<FunctionsServingFixture>
{
    private async Task<(int Status, string Body)> LocalAsync(string url, string? key)
    {
        var response = await fixture.Local.Client(key).GetAsync(url, TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.Recommendations), "/api/users/u3/recommendations?k=10")]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.Rows), "/api/users/u7/rows?rows=4&perRow=5")]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.Similar), "/api/items/m12/similar?k=5")]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.Search), "/api/search?q=dark%20knigth&user=u3&k=5")]
    [InlineData(nameof(MLOps.Functions.DriftFunctions.ListDriftAlerts), "/api/drift/alerts")]
    public async Task ReadRoute_FunctionAnswersExactlyAsTheLocalHost(string function, string url)
    {
        var viaFunction = await fixture.Functions.InvokeAsync(function, url, fixture.Local.ReadKey);
        var viaLocal = await LocalAsync(url, fixture.Local.ReadKey);
        Assert.Equal(200, viaFunction.Status);
        Assert.Equal(viaLocal, (viaFunction.Status, viaFunction.Body));
    }

    [Fact]
    public async Task Recommendations_KnownUser_ComeFromTheChampionWithReasons()
    {
        var response = await fixture.Functions.InvokeAsync(nameof(MLOps.Functions.ServingFunctions.Recommendations), "/api/users/u3/recommendations?k=10", fixture.Local.ReadKey);
        var body = JsonDocument.Parse(response.Body).RootElement;
        Assert.False(body.GetProperty("coldStart").GetBoolean());
        Assert.Equal(10, body.GetProperty("items").GetArrayLength());
        Assert.All(body.GetProperty("items").EnumerateArray(), i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("reason").GetString())));
    }

    [Theory]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.Recommendations), "/api/users/u3/recommendations", null, HttpStatusCode.Unauthorized)]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.Recommendations), "/api/users/u3/recommendations", "not-a-key", HttpStatusCode.Unauthorized)]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.PostEvents), "/api/events", "read", HttpStatusCode.Forbidden)]
    [InlineData(nameof(MLOps.Functions.ServingFunctions.ExperimentResults), "/api/experiments/home-v2/results", "write", HttpStatusCode.Forbidden)]
    [InlineData(nameof(MLOps.Functions.RegistryFunctions.PromoteModel), "/api/models/recommender/promote", "write", HttpStatusCode.Forbidden)]
    [InlineData(nameof(MLOps.Functions.DriftFunctions.AcknowledgeDriftAlert), "/api/drift/alerts/x/acknowledge", "read", HttpStatusCode.Forbidden)]
    [InlineData(nameof(MLOps.Functions.OrchestrationHttpFunctions.StartOrchestration), "/api/orchestrations/RetrainPipeline", null, HttpStatusCode.Unauthorized)]
    public async Task WithoutKeyOrWithAWeakerRole_TheFunctionRefusesWithAProblem(string function, string url, string? key, HttpStatusCode expected)
    {
        var presented = key switch { "read" => fixture.Local.ReadKey, "write" => fixture.Local.WriteKey, _ => key };
        var response = await fixture.Functions.InvokeAsync(function, url, presented, jsonBody: "{}");
        Assert.Equal((int)expected, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
    }

    [Fact]
    public async Task BadParameter_Is400ProblemNamingTheField_AsOnTheLocalHost()
    {
        const string url = "/api/users/u1/recommendations?k=100000";
        var response = await fixture.Functions.InvokeAsync(nameof(MLOps.Functions.ServingFunctions.Recommendations), url, fixture.Local.ReadKey);
        Assert.Equal(400, response.Status);
        Assert.True(JsonDocument.Parse(response.Body).RootElement.GetProperty("errors").TryGetProperty("k", out _), response.Body);
        var local = await LocalAsync(url, fixture.Local.ReadKey);
        Assert.Equal((local.Status, WithoutTraceId(local.Body)), (response.Status, WithoutTraceId(response.Body)));
    }

    [Fact]
    public async Task StartOrchestration_AdminKeyUnknownName_ReachesTheCoreHandler_404AsOnTheLocalHost()
    {
        const string url = "/api/orchestrations/NoSuchPipeline";
        var viaFunction = await fixture.Functions.InvokeAsync(nameof(MLOps.Functions.OrchestrationHttpFunctions.StartOrchestration), url, fixture.Local.AdminKey);
        var local = await fixture.Local.Client(fixture.Local.AdminKey).PostAsync(url, null, TestContext.Current.CancellationToken);
        Assert.Equal(404, viaFunction.Status);
        Assert.Contains("RetrainPipeline", viaFunction.Body); // the handler lists the orchestrations it knows
        Assert.Equal(((int)local.StatusCode, WithoutTraceId(await local.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))),
            (viaFunction.Status, WithoutTraceId(viaFunction.Body)));
    }

    /// <summary>
    /// The Functions host runs the endpoint without ASP.NET routing, so the Accepts matcher's 415 never happened there: a
    /// text/plain promote body was read and applied. Now every JSON route answers the local host's 415, with or without a key
    /// (the local host's routing answers it before the key is looked at).
    /// </summary>
    [Theory]
    [InlineData(nameof(MLOps.Functions.RegistryFunctions.PromoteModel), "/api/models/content-type-check/promote", "{\"version\":2,\"force\":true}", true)]
    [InlineData(nameof(MLOps.Functions.RegistryFunctions.PromoteModel), "/api/models/content-type-check/promote", "{\"version\":2,\"force\":true}", false)]
    [InlineData(nameof(MLOps.Functions.RegistryFunctions.RollbackModel), "/api/models/content-type-check/rollback", "{}", true)]
    [InlineData(nameof(MLOps.Functions.DriftFunctions.AcknowledgeDriftAlert), "/api/drift/alerts/x/acknowledge", "{}", true)]
    [InlineData(nameof(MLOps.Functions.DriftFunctions.ResolveDriftAlert), "/api/drift/alerts/x/resolve", "{}", true)]
    [InlineData(nameof(MLOps.Functions.OrchestrationHttpFunctions.StartOrchestration), "/api/orchestrations/Purge", "{\"retentionDays\":36500}", true)]
    [InlineData(nameof(MLOps.Functions.OrchestrationHttpFunctions.RaiseOrchestrationEvent), "/api/orchestrations/instances/x/raiseEvent/approval", "{}", true)]
    public async Task JsonRoute_WithATextPlainBody_Is415NamingTheContentType_AsOnTheLocalHost(string function, string url, string body, bool withKey)
    {
        var ct = TestContext.Current.CancellationToken;
        var key = withKey ? fixture.Local.AdminKey : null;
        var registry = fixture.Functions.Services.GetRequiredService<ModelRegistry>();
        if ((await registry.ListVersionsAsync(CheckedModel, ct)).Count == 0)
        {
            for (var v = 1; v <= 2; v++)
                await registry.RegisterAsync(CheckedModel, new ModelVersionDraft { Type = "ease" }, new Dictionary<string, BinaryData> { ["m.bin"] = BinaryData.FromString("x") }, ct);
            await registry.PromoteAsync(CheckedModel, 1, new PromoteRequest { By = "setup", Force = true }, ct);
        }

        var viaFunction = await fixture.Functions.InvokeAsync(function, url, key, body, contentType: "text/plain");
        var local = await fixture.Local.Client(key).PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, "text/plain"), ct);

        Assert.Equal(415, viaFunction.Status);
        Assert.Equal("application/problem+json", viaFunction.ContentType);
        Assert.Equal("Content-Type", JsonDocument.Parse(viaFunction.Body).RootElement.GetProperty("field").GetString());
        Assert.Equal(((int)local.StatusCode, WithoutTraceId(await local.Content.ReadAsStringAsync(ct))), (viaFunction.Status, WithoutTraceId(viaFunction.Body)));
        Assert.Equal(1, (await registry.GetChampionAsync(CheckedModel, ct))!.Version); // the text/plain promote of v2 was not applied
    }

    /// <summary>
    /// <c>POST /api/events</c> took any type ending in "+json" ("text/x+json"), where the other JSON routes take only
    /// application/json or application/…+json (<c>JsonContentType.IsJson</c>). Now the same rule on both hosts; an empty
    /// batch gets past the type check to the batch's own 400, so nothing is stored.
    /// </summary>
    [Theory]
    [InlineData("text/x+json", 415)]
    [InlineData("text/json", 415)]
    [InlineData("application/jsonfoo", 415)]
    [InlineData("application/vnd.mlops.events+json; charset=utf-8", 400)]
    [InlineData("Application/JSON", 400)]
    public async Task Events_ContentType_IsTheJsonRoutesRule_OnBothHosts(string contentType, int expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var viaFunction = await fixture.Functions.InvokeAsync(nameof(MLOps.Functions.ServingFunctions.PostEvents), "/api/events", fixture.Local.WriteKey, "[]", contentType);
        var content = new StringContent("[]");
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var local = await fixture.Local.Client(fixture.Local.WriteKey).PostAsync("/api/events", content, ct);

        Assert.Equal(expected, viaFunction.Status);
        if (expected == 415) Assert.Equal("Content-Type", JsonDocument.Parse(viaFunction.Body).RootElement.GetProperty("field").GetString());
        Assert.Equal(((int)local.StatusCode, WithoutTraceId(await local.Content.ReadAsStringAsync(ct))), (viaFunction.Status, WithoutTraceId(viaFunction.Body)));
    }

    private const string CheckedModel = "content-type-check";

    /// <summary>Problem details carry the request's trace id, which differs between any two requests.</summary>
    private static string WithoutTraceId(string problem)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(problem)!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString();
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheSamePathsAsTheLocalHost()
    {
        static string[] Paths(string json) => JsonDocument.Parse(json).RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        var viaFunction = await fixture.Functions.InvokeAsync(nameof(MLOps.Functions.ServingFunctions.OpenApiDocument), "/openapi/v1.json");
        var viaLocal = await LocalAsync("/openapi/v1.json", null);
        Assert.Equal(200, viaFunction.Status);
        Assert.Contains("/api/orchestrations/instances/{id}", Paths(viaFunction.Body));
        Assert.Equal(Paths(viaLocal.Body), Paths(viaFunction.Body));
    }
}
