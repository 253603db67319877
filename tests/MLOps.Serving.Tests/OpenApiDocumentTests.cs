using System.Text.Json;

namespace MLOps.Serving.Tests;

/// <summary>
/// What a client generated from /openapi/v1.json can call: the serving routes read their query parameters by hand (to
/// name the field in a 400), so the generator saw none of them — a generated search client had no way to send <c>q</c>,
/// the events route had no request body, and nothing said that routes need the <c>x-api-key</c> header.
/// </summary>
public sealed class OpenApiDocumentTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private async Task<JsonElement> DocumentAsync() =>
        await (await fixture.Client().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).ReadAsync();

    private static JsonElement Operation(JsonElement document, string path, string method) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method);

    private static Dictionary<string, JsonElement> QueryParameters(JsonElement operation) =>
        operation.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").ToDictionary(p => p.GetProperty("name").GetString()!)
            : [];

    [Theory]
    [InlineData("/api/users/{id}/recommendations", "k,genres,exclude,diversity,excludeSeen")]
    [InlineData("/api/users/{id}/rows", "rows,perRow,genres")]
    [InlineData("/api/items/{id}/similar", "k")]
    [InlineData("/api/search", "q,user,k")]
    public async Task ServingRoutes_ListTheirQueryParameters(string path, string names)
    {
        var parameters = QueryParameters(Operation(await DocumentAsync(), path, "get"));

        Assert.Equal(names.Split(',').Order(), parameters.Keys.Order());
    }

    [Fact]
    public async Task QueryParameters_CarryTheirTypeLimitsAndDefaults()
    {
        var document = await DocumentAsync();
        var search = QueryParameters(Operation(document, "/api/search", "get"));
        var recommendations = QueryParameters(Operation(document, "/api/users/{id}/recommendations", "get"));

        Assert.True(search["q"].GetProperty("required").GetBoolean());
        Assert.Equal(200, search["q"].GetProperty("schema").GetProperty("maxLength").GetInt32());
        var k = recommendations["k"].GetProperty("schema");
        Assert.Equal("integer", k.GetProperty("type").GetString());
        Assert.Equal((1, 100, 10), (k.GetProperty("minimum").GetInt32(), k.GetProperty("maximum").GetInt32(), k.GetProperty("default").GetInt32()));
        Assert.Equal("boolean", recommendations["excludeSeen"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("number", recommendations["diversity"].GetProperty("schema").GetProperty("type").GetString());
        Assert.False(recommendations["genres"].TryGetProperty("required", out var required) && required.GetBoolean());
    }

    /// <summary>
    /// A client generated from the document validates against the declared lengths, so each must fit in a URL the Functions host
    /// takes (4 KB) with the route's path at the longest id (128 characters): exclude declared 500 × 129 = 64,500 characters.
    /// </summary>
    [Fact]
    public async Task DeclaredQueryLengths_FitInAUrl()
    {
        var document = await DocumentAsync();
        var checkedAny = false;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object))
                foreach (var (name, parameter) in QueryParameters(operation.Value))
                {
                    if (!parameter.GetProperty("schema").TryGetProperty("maxLength", out var maxLength)) continue;
                    var longestPath = System.Text.RegularExpressions.Regex.Replace(path.Name, "{[^}]+}", new string('a', 128));
                    var url = longestPath.Length + 1 + name.Length + 1 + maxLength.GetInt32();
                    Assert.True(url <= MLOps.Core.Http.RequestTargetLimit.FunctionsHostMaxBytes, $"{path.Name} {name}: {url:N0} bytes at the declared maxLength");
                    checkedAny = true;
                }
        Assert.True(checkedAny);
    }

    [Fact]
    public async Task Events_DescribeTheirJsonBody()
    {
        var body = Operation(await DocumentAsync(), "/api/events", "post").GetProperty("requestBody");

        Assert.True(body.GetProperty("required").GetBoolean());
        var schema = body.GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal(2, schema.GetProperty("oneOf").GetArrayLength()); // an array of events, or {"events": [...]}
        Assert.Contains("userId", schema.ToString());
    }

    [Fact]
    public async Task KeyedRoutes_NameTheApiKeyHeader_OpenRoutesDoNot()
    {
        var document = await DocumentAsync();

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey");
        Assert.Equal(("apiKey", "header", "x-api-key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
        foreach (var (path, method) in new[] { ("/api/search", "get"), ("/api/events", "post"), ("/api/models/{name}/promote", "post"), ("/api/drift/alerts", "get") })
        {
            var operation = Operation(document, path, method);
            Assert.True(operation.GetProperty("security")[0].TryGetProperty("apiKey", out _), $"{method} {path}");
            Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{method} {path}: 401");
            Assert.True(operation.GetProperty("responses").TryGetProperty("403", out _), $"{method} {path}: 403");
        }
        foreach (var path in new[] { "/ready", "/health" })
            Assert.False(Operation(document, path, "get").TryGetProperty("security", out _), path);
    }

    /// <summary>A document name the host does not have was a text/plain 404, the one rejection that was not a problem.</summary>
    [Fact]
    public async Task UnknownDocument_IsA404ProblemNamingDocumentName()
    {
        var response = await fixture.Client().GetAsync("/openapi/v2.json", TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.Equal("documentName", problem.GetProperty("field").GetString());
        Assert.Contains("v1", problem.GetProperty("detail").GetString());
    }

    /// <summary>
    /// Numbers are numbers: with ASP.NET Core's web JSON defaults (numbers also read from strings) the document typed every
    /// number — a listed title's score and year, /ready's counts, registry versions — as number-or-string, so generated
    /// clients got string | number unions. The events body's timestamp is the one declared both ways (ISO text or unix time).
    /// </summary>
    [Fact]
    public async Task Numbers_AreNotAlsoStrings()
    {
        var both = new List<string>();
        void Walk(JsonElement node, string path)
        {
            if (node.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var child in node.EnumerateArray()) Walk(child, $"{path}[{i++}]");
                return;
            }
            if (node.ValueKind != JsonValueKind.Object) return;
            if (node.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array)
            {
                var types = type.EnumerateArray().Select(t => t.GetString()).ToHashSet();
                if (types.Contains("string") && (types.Contains("number") || types.Contains("integer")) && !path.EndsWith("/properties/timestamp", StringComparison.Ordinal))
                    both.Add(path);
            }
            foreach (var property in node.EnumerateObject()) Walk(property.Value, $"{path}/{property.Name}");
        }

        var document = await DocumentAsync();
        Walk(document, "");

        Assert.Empty(both);
        var score = document.GetProperty("components").GetProperty("schemas").GetProperty("RecommendedItem").GetProperty("properties").GetProperty("score");
        Assert.Equal("number", score.GetProperty("type").GetString());
    }

    /// <summary>The headers every serving response carries (ServingResponseHeadersTests) are in the document too.</summary>
    [Theory]
    [InlineData("/api/users/{id}/recommendations")]
    [InlineData("/api/users/{id}/rows")]
    [InlineData("/api/items/{id}/similar")]
    [InlineData("/api/search")]
    public async Task ServingResponses_DeclareTheirHeaders(string path)
    {
        var responses = Operation(await DocumentAsync(), path, "get").GetProperty("responses");

        Assert.All(responses.EnumerateObject(), response =>
        {
            var headers = response.Value.GetProperty("headers");
            Assert.True(headers.TryGetProperty("Cache-Control", out _), $"{response.Name}: {headers}");
            Assert.True(headers.TryGetProperty("traceresponse", out _), $"{response.Name}: {headers}");
        });
    }

    /// <summary>Every /api operation (serving, registry, drift alerts, orchestrations) declares the headers it sends (ApiResponseHeadersTests).</summary>
    [Fact]
    public async Task ApiResponses_DeclareTheirHeaders()
    {
        var paths = (await DocumentAsync()).GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)).ToList();

        Assert.Contains(paths, p => p.Name.StartsWith("/api/orchestrations", StringComparison.Ordinal));
        foreach (var path in paths)
        foreach (var operation in path.Value.EnumerateObject())
        foreach (var response in operation.Value.GetProperty("responses").EnumerateObject())
        {
            var where = $"{operation.Name} {path.Name} {response.Name}";
            Assert.True(response.Value.TryGetProperty("headers", out var headers), where);
            Assert.True(headers.TryGetProperty("Cache-Control", out _), where);
            Assert.True(headers.TryGetProperty("traceresponse", out _), where);
        }
    }

    /// <summary>
    /// The key check's 401 / 403 are described by the ProblemDetails schema every other problem uses (they were a bare object),
    /// and what the routes send fits it: each standard member they send is declared, with the kind they send.
    /// </summary>
    [Fact]
    public async Task KeyProblems_AreProblemDetails_AsSent()
    {
        var document = await DocumentAsync();
        const string reference = "#/components/schemas/ProblemDetails";
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject())
        foreach (var status in new[] { "401", "403" })
            if (operation.Value.GetProperty("responses").TryGetProperty(status, out var response))
                Assert.Equal(reference, response.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
        var declared = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails").GetProperty("properties");

        var ct = TestContext.Current.CancellationToken;
        var unauthorized = await fixture.Client().GetAsync("/api/models", ct);
        using var forbidden = new HttpRequestMessage(HttpMethod.Post, "/api/orchestrations/instances/x/terminate");
        var sent = new[] { (401, unauthorized), (403, await fixture.Client(fixture.ReadKey).SendAsync(forbidden, ct)) };
        foreach (var (status, answer) in sent)
        {
            Assert.Equal(status, (int)answer.StatusCode);
            var body = await answer.ReadAsync();
            Assert.Equal(status, body.GetProperty("status").GetInt32());
            foreach (var member in new[] { "type", "title", "status", "detail" })
            {
                var kind = body.GetProperty(member).ValueKind == System.Text.Json.JsonValueKind.Number ? "integer" : "string";
                Assert.Contains(kind, declared.GetProperty(member).GetProperty("type").EnumerateArray().Select(t => t.GetString()));
            }
        }
    }

    /// <summary>The closed sets a client switches on are enums: coldStartReason (or null), an item's reasonSource (or null) and search's mode.</summary>
    [Fact]
    public async Task ClosedSets_AreEnums()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        string?[] Values(JsonElement schema) => schema.GetProperty("enum").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToArray();
        string?[] Reasons(string type)
        {
            var property = schemas.GetProperty(type).GetProperty("properties").GetProperty("coldStartReason");
            var branches = property.GetProperty("oneOf").EnumerateArray().ToArray();
            Assert.Contains(branches, b => b.GetProperty("type").GetString() == "null");
            return Values(branches.Single(b => b.TryGetProperty("enum", out _)));
        }

        var expected = new string?[] { "unknown-user", "no-history", "no-model", "history-unknown-to-model" };
        Assert.Equal(expected, Reasons("RecommendationsResponse"));
        Assert.Equal(expected, Reasons("RowsResponse"));
        var source = schemas.GetProperty("RecommendedItem").GetProperty("properties").GetProperty("reasonSource").GetProperty("oneOf").EnumerateArray().ToArray();
        Assert.Contains(source, b => b.GetProperty("type").GetString() == "null");
        Assert.Equal(new string?[] { "model", "genre" }, Values(source.Single(b => b.TryGetProperty("enum", out _))));
        Assert.Equal(new string?[] { "lexical", "hybrid" }, Values(schemas.GetProperty("SearchResponse").GetProperty("properties").GetProperty("mode")));
    }
}
