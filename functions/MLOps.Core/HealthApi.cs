using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MLOps.Core;

/// <summary><c>GET /health</c>: liveness, no key — the process answers. Readiness (a model is loaded) is serving's <c>/ready</c>.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).WithName("Health").WithTags("Health");
        return app;
    }
}
