using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MLOps.Core.Http;

/// <summary>
/// The longest request target (path and query string, as sent) the API reads: <see cref="MaxBytes"/>, the 8 KB that
/// Kestrel's default request-line limit allowed, refused with a 414 problem naming <c>query</c> (the path fits, the query
/// string makes it too long) or <c>url</c> (the path alone is too long). Kestrel refused such a line itself with an empty
/// 414 before any middleware ran, so the local host lets its line through up to <see cref="HardCap"/> for this check to
/// answer; past the cap Kestrel still refuses with its empty 414 (the line is buffered before the pipeline, so the cap is
/// what bounds memory). On Azure the Functions host is the front door and refuses URLs over its own limit (docs/deploy.md).
/// </summary>
public static class RequestTargetLimit
{
    public const int MaxBytes = 8 * 1024;

    /// <summary>
    /// The URL the Azure Functions host takes for an HTTP trigger (4 KB; it refuses a longer one before any function runs,
    /// docs/deploy.md): what the OpenAPI document may declare a query parameter to hold.
    /// </summary>
    public const int FunctionsHostMaxBytes = 4 * 1024;

    /// <summary>Kestrel's <c>MaxRequestLineSize</c> on the local host: the whole line ("GET " + target + " HTTP/1.1\r\n").</summary>
    public const int HardCap = 64 * 1024;

    /// <summary>Answers the 414 before routing, the API key or any handler; everything else goes on.</summary>
    public static IApplicationBuilder UseRequestTargetLimit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (Problem(context) is { } problem) await problem.ExecuteAsync(context).ConfigureAwait(false);
            else await next(context).ConfigureAwait(false);
        });

    /// <summary>The 414 for a request target over <see cref="MaxBytes"/>, else null.</summary>
    public static ProblemHttpResult? Problem(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw
            : request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        var bytes = Encoding.UTF8.GetByteCount(target);
        if (bytes <= MaxBytes) return null;
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var pathBytes = query < 0 ? bytes : Encoding.UTF8.GetByteCount(target.AsSpan(0, query));
        var field = pathBytes <= MaxBytes ? "query" : "url";
        var detail = field == "query"
            ? string.Create(CultureInfo.InvariantCulture, $"The URL is {bytes:N0} bytes; at most {MaxBytes:N0} (path and query string), and its query string is {bytes - pathBytes:N0}: send fewer or shorter values.")
            : string.Create(CultureInfo.InvariantCulture, $"The URL is {bytes:N0} bytes; at most {MaxBytes:N0} (path and query string), and its path alone is {pathBytes:N0}: use a shorter id.");
        return TypedResults.Problem(statusCode: StatusCodes.Status414UriTooLong, title: "URI Too Long", detail: detail,
            extensions: new Dictionary<string, object?> { ["field"] = field });
    }
}
