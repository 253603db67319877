using System.Net;
using System.Text;
using System.Text.Json;

namespace MLOps.Serving.Tests;

/// <summary>
/// Seeded random malformed requests (bad ids, huge / negative / non-numeric k, broken JSON, wrong content types,
/// oversized bodies, unicode junk): never a 5xx, and every 4xx carries a problem body.
/// MLOPS_FUZZ_ITERATIONS overrides the count (10,000 by default).
/// </summary>
public sealed class FuzzTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private static readonly string[] Junk = ["", " ", "-1", "0", "99999999999999999999", "1e309", "NaN", "-0", "%00", "%FF%FE", "😀😀", "\u202e", "a%2Fb", "..%2F..", "null", "[]", "{}", "' OR 1=1 --", "<script>", "%E2%80%8B", "k=1&k=2", new string('x', 300)];

    [Fact]
    public async Task RandomMalformedRequests_Never5xx_Every4xxIsAProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("MLOPS_FUZZ_ITERATIONS"), out var n) ? n : 10_000;
        var random = new Random(20240501);
        var keys = new[] { fixture.ReadKey, fixture.WriteKey, fixture.AdminKey, null, "junk" };
        var clients = keys.Select(k => fixture.Client(k)).ToArray();
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < iterations; i++)
        {
            var request = Build(random);
            var response = await clients[random.Next(clients.Length)].SendAsync(request, ct);
            var code = (int)response.StatusCode;
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            Assert.True(code < 500, $"{request.Method} {request.RequestUri} -> {code}: {await response.Content.ReadAsStringAsync(ct)}");
            if (code >= 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                Assert.True(problem.RootElement.TryGetProperty("status", out _) || problem.RootElement.TryGetProperty("title", out _));
            }
        }
        TestContext.Current.SendDiagnosticMessage($"fuzz statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.Contains(400, statuses.Keys);
    }

    private string Pick(Random r) => Junk[r.Next(Junk.Length)];

    private string RandomText(Random r, int max)
    {
        var length = r.Next(max);
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++) text.Append((char)r.Next(1, 0xD7FF));
        return Uri.EscapeDataString(text.ToString());
    }

    private HttpRequestMessage Build(Random r)
    {
        var id = r.Next(3) switch { 0 => Uri.EscapeDataString(Pick(r)), 1 => RandomText(r, 20), _ => $"u{r.Next(100)}" };
        if (id.Length == 0) id = "%20";
        var k = r.Next(4) switch { 0 => Pick(r), 1 => r.Next(-1000, 1000).ToString(), 2 => long.MaxValue.ToString(), _ => RandomText(r, 5) };
        switch (r.Next(8))
        {
            case 0: return Get($"/api/users/{id}/recommendations?k={Uri.EscapeDataString(k)}&genres={RandomText(r, 10)}&diversity={Uri.EscapeDataString(Pick(r))}&exclude={RandomText(r, 10)}");
            case 1: return Get($"/api/users/{id}/rows?rows={Uri.EscapeDataString(k)}&perRow={Uri.EscapeDataString(Pick(r))}");
            case 2: return Get($"/api/items/{id}/similar?k={Uri.EscapeDataString(k)}");
            case 3: return Get($"/api/search?q={RandomText(r, 300)}&user={id}&k={Uri.EscapeDataString(k)}");
            case 4: return Get($"/api/experiments/{id}/results");
            default:
                var body = r.Next(7) switch
                {
                    0 => "{\"events\":[{" + RandomText(r, 50),
                    1 => "[" + string.Join(",", Enumerable.Range(0, r.Next(5)).Select(_ => $"{{\"userId\":{JsonSerializer.Serialize(Pick(r))},\"contentId\":\"m1\",\"timestamp\":{JsonSerializer.Serialize(Pick(r))},\"rating\":{r.Next(-5, 20)}}}")) + "]",
                    2 => new string('[', r.Next(1, 200)),
                    3 => Uri.UnescapeDataString(RandomText(r, 200)),
                    4 => r.Next(20) == 0 ? new string('a', (1 << 20) + 10) : "{\"events\":\"no\"}",
                    5 => "{\"events\":[" + string.Join(",", Enumerable.Range(0, r.Next(1, 3)).Select(_ => "{\"userId\":\"x\",\"contentId\":\"m2\",\"timestamp\":\"2024-05-02T00:00:00Z\",\"eventType\":" + JsonSerializer.Serialize(Pick(r)) + "}")) + "]}",
                    _ => JsonSerializer.Serialize(Pick(r)),
                };
                var type = r.Next(5) switch { 0 => "text/plain", 1 => "application/xml", _ => "application/json" };
                return new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = new StringContent(body, Encoding.UTF8, type) };
        }
    }

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);
}
