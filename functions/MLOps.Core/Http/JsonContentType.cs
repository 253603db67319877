using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MLOps.Core.Http;

/// <summary>
/// The one Content-Type rule of the routes that read a JSON body by hand (promote, rollback, alert actions, orchestration
/// start and raise event): a request that declares a Content-Type must declare JSON — <c>application/json</c> or <c>application/…+json</c>,
/// any parameters — else 415 naming <c>Content-Type</c>. A request without a Content-Type is read as JSON (none and no body:
/// the handler's defaults, or its 400 where the body is required). This is exactly what ASP.NET routing's Accepts matcher
/// answers on the local host, but the Functions host runs the endpoint without that matcher, so an endpoint filter —
/// which both hosts run — enforces it; <c>Accepts</c> stays for the OpenAPI document.
/// </summary>
public static class JsonContentType
{
    public const string Detail = "Send the body as application/json.";

    /// <summary>
    /// Documents the JSON body and refuses any other declared type. Call it before <c>RequireRole</c>: the local host's matcher
    /// answers 415 before any filter, so the Functions host must check the type before the key too.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<TBody>(this RouteHandlerBuilder builder, bool isOptional = false) where TBody : notnull =>
        builder.Accepts<TBody>(isOptional, "application/json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .AddEndpointFilter(async (context, next) => Problem(context.HttpContext.Request) ?? await next(context).ConfigureAwait(false));

    /// <summary>The 415 for a declared Content-Type that is not JSON, else null.</summary>
    public static ProblemHttpResult? Problem(HttpRequest request) =>
        string.IsNullOrEmpty(request.ContentType) || IsJson(request.ContentType) ? null
        : TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, detail: Detail,
            extensions: new Dictionary<string, object?> { ["field"] = "Content-Type" });

    /// <summary><c>application/json</c> or <c>application/…+json</c>, any parameters; "application/jsonfoo" and "text/json" are not.</summary>
    public static bool IsJson(string contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
        && (type.SubType.Equals("json", StringComparison.OrdinalIgnoreCase) || type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
}
