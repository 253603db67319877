using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MLOps.Core.Http;

/// <summary>
/// Headers on every response of the keyed API routes (serving, registry, drift alerts and pages, orchestrations), problems
/// included. <c>Cache-Control: private, no-store</c>: the answers are per user or the account's own state (lists that change
/// with each play, models, alerts, instances), and the key travels in <c>x-api-key</c>, which a shared cache (CDN, proxy) does
/// not treat as credentials the way it treats <c>Authorization</c>, so without it such a cache could hand one caller's answer
/// to anyone asking the same URL. <c>traceresponse</c> (W3C Trace Context): the request's trace id — the caller's own when it
/// sent <c>traceparent</c> — and the server span, the same value a problem body carries as <c>traceId</c>, so a 200 can be
/// matched to the host's logs and telemetry as well. An endpoint filter, so the Functions host, which runs the same
/// endpoints (<c>CoreEndpoints.Run</c>), sends them too; put it before <c>RequireRole</c> so that a 401 / 403 carries them.
/// </summary>
public static class ApiResponseHeaders
{
    public const string CacheControl = "private, no-store";
    public const string TraceResponse = "traceresponse";

    /// <summary>Sends the headers on every response of the routes, and declares them on each response in the OpenAPI document.</summary>
    public static TBuilder WithApiResponseHeaders<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            Set(context.HttpContext);
            return await next(context).ConfigureAwait(false);
        }).AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var response in (operation.Responses ?? []).Values.OfType<OpenApiResponse>())
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers["Cache-Control"] = Header($"Always '{CacheControl}': keyed answers (x-api-key, which shared caches do not treat as credentials), never stored.");
                response.Headers[TraceResponse] = Header("W3C Trace Context: 00-<trace id>-<server span>-<flags>, the caller's trace id when it sent traceparent; a problem's traceId.");
            }
            return Task.CompletedTask;
        });

    /// <summary>
    /// The same headers on the answers no endpoint (so no filter) runs for on the local host, under the given path prefixes:
    /// routing's 404 (no route) / 405 (wrong method) / 415 (<c>Accepts</c>), <see cref="RequestTargetLimit"/>'s 414, the exception
    /// handler's 500. Put it first in the pipeline: they are set when the response starts, and response-starting callbacks run
    /// last-registered first, so this one runs after the exception handler's (which clears the headers and sets its own
    /// <c>Cache-Control: no-cache,no-store</c>) and its value is the one sent. The trace is the request's activity, taken here.
    /// </summary>
    public static IApplicationBuilder UseApiResponseHeaders(this IApplicationBuilder app, params string[] pathPrefixes) =>
        app.Use(async (context, next) =>
        {
            if (pathPrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                var activity = Activity.Current;
                context.Response.OnStarting(() =>
                {
                    Set(context.Response.Headers, activity);
                    return Task.CompletedTask;
                });
            }
            await next(context).ConfigureAwait(false);
        });

    private static OpenApiHeader Header(string description) => new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };

    internal static void Set(HttpContext http) => Set(http.Response.Headers, Activity.Current);

    private static void Set(IHeaderDictionary headers, Activity? activity)
    {
        headers.CacheControl = CacheControl;
        if (activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id }) headers[TraceResponse] = id;
    }
}
