using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MLOps.Core;

/// <summary>
/// <c>GET|HEAD /health</c>: liveness, no key — the process answers. Readiness (a model is loaded) is serving's <c>/ready</c>.
/// HEAD because load balancers probe with it (Azure Front Door's default); it was a 405.
/// </summary>
public static class HealthApi
{
    /// <summary>The methods of the probe routes (<c>/health</c>, <c>/ready</c>).</summary>
    public static readonly string[] ProbeMethods = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/health", ProbeMethods, () => TypedResults.Ok(new { status = "ok" })).WithName("Health").WithTags("Health");
        return app;
    }
}
