using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MLOps.Functions.Http;

/// <summary>
/// The core's HTTP API exactly as the local host maps it (the same <c>MapXxxApi</c> calls), built inside the Functions
/// worker but never routed by it: the Functions host routes a request to an <c>[HttpTrigger]</c> function, and the
/// function runs the core endpoint of the same name. So both hosts share one implementation per route — binding,
/// validation, the handler and its <c>RequireRole</c> filter — and the OpenAPI document describes these endpoints.
/// </summary>
public sealed class CoreEndpoints : IEndpointRouteBuilder
{
    private readonly Lazy<IReadOnlyDictionary<string, RouteEndpoint>> _byName;

    public CoreEndpoints(IServiceProvider services, Action<IEndpointRouteBuilder> map)
    {
        ServiceProvider = services;
        map(this);
        DataSource = new CompositeEndpointDataSource(DataSources);
        _byName = new(() => Endpoints
            .Select(e => (Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName, Endpoint: e))
            .Where(e => e.Name is not null)
            .ToDictionary(e => e.Name!, e => e.Endpoint, StringComparer.Ordinal));
    }

    public IServiceProvider ServiceProvider { get; }

    public ICollection<EndpointDataSource> DataSources { get; } = new List<EndpointDataSource>();

    /// <summary>All of them as one source, for the services that read the application's endpoints.</summary>
    public EndpointDataSource DataSource { get; }

    public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);

    public IReadOnlyList<RouteEndpoint> Endpoints => DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();

    public RouteEndpoint Find(string name) =>
        _byName.Value.TryGetValue(name, out var endpoint) ? endpoint
        : throw new InvalidOperationException($"The core maps no endpoint named '{name}' (known: {string.Join(", ", _byName.Value.Keys.Order(StringComparer.Ordinal))}).");

    /// <summary>
    /// The result of running the core endpoint named like the calling function method (a function method is named
    /// after the endpoint it serves; a test checks that their routes and HTTP methods match).
    /// </summary>
    public IResult Run([CallerMemberName] string endpointName = "") => new EndpointResult(Find(endpointName));

    private sealed class EndpointResult(RouteEndpoint endpoint) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) =>
            (endpoint.RequestDelegate ?? throw new InvalidOperationException($"Endpoint '{endpoint.DisplayName}' has no request delegate."))(httpContext);
    }
}
