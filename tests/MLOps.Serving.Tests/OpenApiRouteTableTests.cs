using System.Text.Json;

namespace MLOps.Serving.Tests;

/// <summary>
/// Every route of the API as /openapi/v1.json lists it, against what its handler answers (read from the handlers; docs/
/// interfaces.md, registry.md, drift.md, orchestration.md). Until 2026-12-07 the registry, drift alert and orchestration
/// routes listed only 200 / 202 / 401 / 403: no 400 / 404 / 409 / 415 / 422 / 501 problem, no start input body, and their
/// query parameters as bare strings without a word of what they take.
/// </summary>
public sealed class OpenApiRouteTableTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    /// <summary>Method, path, and every status the handler answers (401 / 403: the key check in front of every keyed route).</summary>
    public static TheoryData<string, string, string> Routes => new()
    {
        { "get", "/health", "200" },
        { "head", "/health", "200" },
        { "get", "/ready", "200,503" },
        { "head", "/ready", "200,503" },
        // Serving (ServingApi).
        { "get", "/api/users/{id}/recommendations", "200,400,401,403,503" },
        { "get", "/api/users/{id}/rows", "200,400,401,403,503" },
        { "get", "/api/items/{id}/similar", "200,400,401,403,404,503" },
        { "get", "/api/search", "200,400,401,403,503" },
        { "post", "/api/events", "202,400,401,403,408,413,415" },
        { "get", "/api/experiments/{id}/results", "200,401,403,404" },
        // Registry (RegistryApi): 400 bad name / version / at, 404 unknown model or version, 409 lost compare-and-swap,
        // 422 promotion refused; the bodies' 400 / 408 / 413, and the 415 for a body that is not JSON (JsonContentType).
        { "get", "/api/models", "200,401,403" },
        { "get", "/api/models/{name}", "200,400,401,403,404" },
        { "get", "/api/models/{name}/versions/{version}", "200,400,401,403,404" },
        { "get", "/api/models/{name}/history", "200,400,401,403,404" },
        { "post", "/api/models/{name}/promote", "200,400,401,403,404,408,409,413,415,422" },
        { "post", "/api/models/{name}/rollback", "200,400,401,403,404,408,409,413,415" },
        // Drift alerts (DriftApi): 400 bad status filter, top, continuation token or note, 404 unknown alert, 409 a transition its status does not allow.
        { "get", "/api/drift/alerts", "200,400,401,403" },
        { "get", "/api/drift/alerts/{id}", "200,401,403,404" },
        { "post", "/api/drift/alerts/{id}/acknowledge", "200,400,401,403,404,408,409,413,415" },
        { "post", "/api/drift/alerts/{id}/resolve", "200,400,401,403,404,408,409,413,415" },
        // Orchestrations (OrchestrationApi): 400 bad top or continuation token on the list, 404 unknown orchestration or instance, 409 finished / wrong state / concurrent
        // change / event not awaited, 501 a control the engine lacks.
        { "post", "/api/orchestrations/{name}", "202,400,401,403,404,408,413,415" },
        { "get", "/api/orchestrations/instances", "200,400,401,403" },
        { "get", "/api/orchestrations/instances/{id}", "200,400,401,403,404" },
        { "post", "/api/orchestrations/instances/{id}/raiseEvent/{eventName}", "202,400,401,403,404,408,409,413,415" },
        { "post", "/api/orchestrations/instances/{id}/terminate", "202,400,401,403,404,409" },
        { "post", "/api/orchestrations/instances/{id}/suspend", "202,400,401,403,404,409,501" },
        { "post", "/api/orchestrations/instances/{id}/resume", "202,400,401,403,404,409,501" },
        { "post", "/api/orchestrations/instances/{id}/rewind", "202,400,401,403,404,409,501" },
        { "delete", "/api/orchestrations/instances", "200,400,401,403" },
    };

    private async Task<JsonElement> DocumentAsync() =>
        await (await fixture.Client().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).ReadAsync();

    private static JsonElement Operation(JsonElement document, string method, string path) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method);

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryRoute_ListsExactlyTheStatusesItAnswers_ProblemsAsProblemJson(string method, string path, string statuses)
    {
        var responses = Operation(await DocumentAsync(), method, path).GetProperty("responses");

        Assert.Equal(statuses.Split(','), responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            Assert.True(response.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out _), $"{method} {path}: {response.Name}");
    }

    /// <summary>A route added without a row here would go unchecked; a row without its route checks nothing.</summary>
    [Fact]
    public async Task TheTable_NamesEveryOperationOfTheDocument()
    {
        var document = await DocumentAsync();
        var listed = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(method => $"{method.Name} {path.Name}")).Order(StringComparer.Ordinal);

        Assert.Equal(Routes.Select(row => $"{row.Data.Item1} {row.Data.Item2}").Order(StringComparer.Ordinal), listed);
    }

    /// <summary>Query parameters each handler reads, every one with a description (the generator's inferred ones had none).</summary>
    [Theory]
    [InlineData("get", "/api/models/{name}/history", "alias,at")]
    [InlineData("get", "/api/drift/alerts", "status,top")]
    [InlineData("post", "/api/orchestrations/{name}", "instanceId")]
    [InlineData("get", "/api/orchestrations/instances", "top")]
    [InlineData("post", "/api/orchestrations/instances/{id}/terminate", "reason")]
    [InlineData("post", "/api/orchestrations/instances/{id}/suspend", "reason")]
    [InlineData("post", "/api/orchestrations/instances/{id}/resume", "reason")]
    [InlineData("post", "/api/orchestrations/instances/{id}/rewind", "reason")]
    [InlineData("delete", "/api/orchestrations/instances", "olderThanDays")]
    public async Task Routes_DescribeTheQueryParametersTheyRead(string method, string path, string names)
    {
        var parameters = Query(Operation(await DocumentAsync(), method, path));

        Assert.Equal(names.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), parameters.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, parameter) in parameters)
            Assert.False(string.IsNullOrWhiteSpace(parameter.TryGetProperty("description", out var d) ? d.GetString() : null), $"{method} {path}: {name}");
    }

    [Fact]
    public async Task QueryParameters_CarryWhatTheHandlerAccepts()
    {
        var document = await DocumentAsync();
        var status = Query(Operation(document, "get", "/api/drift/alerts"))["status"].GetProperty("schema");
        var days = Query(Operation(document, "delete", "/api/orchestrations/instances"))["olderThanDays"].GetProperty("schema");
        var history = Query(Operation(document, "get", "/api/models/{name}/history"));
        var reason = Query(Operation(document, "post", "/api/orchestrations/instances/{id}/terminate"))["reason"].GetProperty("schema");

        Assert.Equal(["open", "acknowledged", "resolved"], status.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(("integer", 0, 36_500, 30), (days.GetProperty("type").GetString(), days.GetProperty("minimum").GetInt32(), days.GetProperty("maximum").GetInt32(), days.GetProperty("default").GetInt32()));
        Assert.Equal("date-time", history["at"].GetProperty("schema").GetProperty("format").GetString());
        Assert.Equal(["champion", "challenger", "previous"], history["alias"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2000, reason.GetProperty("maxLength").GetInt32());
    }

    /// <summary>The paged lists take top (1-1000, no default: every item) and answer and take the continuation token as a header.</summary>
    [Theory]
    [InlineData("/api/drift/alerts")]
    [InlineData("/api/orchestrations/instances")]
    public async Task PagedLists_DeclareTop_AndTheContinuationHeaderBothWays(string path)
    {
        var operation = Operation(await DocumentAsync(), "get", path);
        var top = Query(operation)["top"].GetProperty("schema");
        var header = Assert.Single(operation.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("in").GetString() == "header");

        Assert.Equal(("integer", 1, 1000, false), (top.GetProperty("type").GetString(), top.GetProperty("minimum").GetInt32(), top.GetProperty("maximum").GetInt32(), top.TryGetProperty("default", out _)));
        Assert.Equal("x-ms-continuation-token", header.GetProperty("name").GetString());
        Assert.True(operation.GetProperty("responses").GetProperty("200").GetProperty("headers").TryGetProperty("x-ms-continuation-token", out _));
    }

    /// <summary>The start's input is optional (the orchestration's defaults) and one of the registered input types.</summary>
    [Fact]
    public async Task Start_DescribesItsOptionalInputBody_OneSchemaPerInputType()
    {
        var document = await DocumentAsync();
        var body = Operation(document, "post", "/api/orchestrations/{name}").GetProperty("requestBody");

        Assert.False(body.TryGetProperty("required", out var required) && required.GetBoolean());
        var oneOf = body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("oneOf");
        Assert.Equal(["#/components/schemas/DriftMonitorInput", "#/components/schemas/PurgeInput", "#/components/schemas/RetrainInput"],
            oneOf.EnumerateArray().Select(s => s.GetProperty("$ref").GetString()));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("PurgeInput").GetProperty("properties").TryGetProperty("retentionDays", out _));
        Assert.True(schemas.GetProperty("RetrainInput").GetProperty("properties").TryGetProperty("candidates", out _));
        var payload = Operation(document, "post", "/api/orchestrations/instances/{id}/raiseEvent/{eventName}").GetProperty("requestBody");
        Assert.False(payload.TryGetProperty("required", out var payloadRequired) && payloadRequired.GetBoolean());
        Assert.True(payload.GetProperty("content").TryGetProperty("application/json", out _));
    }

    private static Dictionary<string, JsonElement> Query(JsonElement operation) =>
        operation.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").ToDictionary(p => p.GetProperty("name").GetString()!)
            : [];
}
