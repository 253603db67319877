using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions;
using MLOps.Functions.Http;
using MLOps.Local.Hosting;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

/// <summary>
/// DESIGN.md: the HTTP routes are the same on both hosts. The Azure host cannot run here, so its routes are read from
/// the [HttpTrigger] attributes (host.json sets routePrefix "", so a trigger's Route is the public path) and compared
/// with the local host's endpoint data sources; then each function's route is checked against the core endpoint it runs.
/// </summary>
public sealed partial class FunctionsRouteParityTests
{
    public sealed record HttpFunction(MethodInfo Method, string Name, IReadOnlyList<string> Verbs, string Route);

    public static IReadOnlyList<HttpFunction> HttpFunctions() =>
        typeof(ServingFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>(),
                Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Function is not null && x.Trigger is not null)
            .Select(x => new HttpFunction(x.Method, x.Function!.Name, x.Trigger!.Methods?.Select(v => v.ToUpperInvariant()).ToList() ?? [], x.Trigger.Route ?? x.Function.Name))
            .ToList();

    /// <summary>"GET /api/models/{name}/versions/{version}": constraints, optional and catch-all marks and slashes at the ends dropped; parameter names kept (they bind).</summary>
    public static string Key(string verb, string route) =>
        $"{verb.ToUpperInvariant()} /{RouteParameter().Replace(route.Trim('/'), m => "{" + m.Groups["name"].Value + "}")}";

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    private static IEnumerable<string> Keys(IEnumerable<RouteEndpoint> endpoints) =>
        endpoints.SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(v => Key(v, e.RoutePattern.RawText ?? "")));

    [Fact]
    public async Task EveryLocalHostRoute_IsAFunctionsRoute_AndViceVersa()
    {
        await using var app = LocalHost.Build(TestEnvironment.NewTempFolder("parity"), configure: b => b.WebHost.UseTestServer());
        var local = Keys(((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()).ToHashSet(StringComparer.Ordinal);
        var functions = HttpFunctions().SelectMany(f => f.Verbs.Select(v => Key(v, f.Route))).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("GET /api/users/{id}/recommendations", local); // the reading above found the routes at all
        var onlyLocal = local.Except(functions).Order(StringComparer.Ordinal).ToList();
        var onlyFunctions = functions.Except(local).Order(StringComparer.Ordinal).ToList();
        Assert.True(onlyLocal.Count == 0 && onlyFunctions.Count == 0,
            $"Missing on the Functions host: [{string.Join(", ", onlyLocal)}]; missing on the local host: [{string.Join(", ", onlyFunctions)}].");
    }

    [Fact]
    public async Task EveryHttpFunction_RunsACoreEndpointWithItsOwnRouteAndMethod()
    {
        await using var functionsHost = await FunctionsHttpHost.StartAsync(TestEnvironment.NewFolderStore("parity-fn"), start: false);
        var core = functionsHost.Endpoints;
        var mismatches = new List<string>();
        foreach (var function in HttpFunctions())
        {
            var endpoint = core.Find(function.Method.Name);
            var expected = function.Verbs.Select(v => Key(v, function.Route)).Order(StringComparer.Ordinal);
            var actual = Keys([endpoint]).Order(StringComparer.Ordinal);
            if (!expected.SequenceEqual(actual)) mismatches.Add($"{function.Name}: trigger [{string.Join(", ", expected)}] runs endpoint [{string.Join(", ", actual)}]");
        }
        Assert.True(mismatches.Count == 0, string.Join("; ", mismatches));
    }

    [Fact]
    public void HostJson_RoutePrefixIsEmpty_SoTriggerRoutesArePublicPaths()
    {
        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "functions", "MLOps.Functions", "host.json")));
        Assert.Equal("", hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        // The Functions host reserves "admin/…" and "runtime/…" for itself; no public route may start there.
        Assert.DoesNotContain(HttpFunctions(), f => f.Route.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || f.Route.StartsWith("runtime", StringComparison.OrdinalIgnoreCase));
    }
}
