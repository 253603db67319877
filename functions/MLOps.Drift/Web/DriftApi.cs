using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core;
using MLOps.Core.Http;
using MLOps.Core.Http.OpenApi;
using MLOps.Core.Http.Paging;
using MLOps.Core.Security;
using MLOps.Drift.Alerts;

namespace MLOps.Drift.Web;

public sealed record AlertActionRequest(string? Note, string? By);

/// <summary>
/// <c>GET /api/drift/alerts[?status=][&amp;top=]</c> (paged: <see cref="PageRequest"/>), <c>GET /api/drift/alerts/{id}</c>, <c>POST /api/drift/alerts/{id}/acknowledge|resolve</c> (admin),
/// and the on-call pages <c>GET /drift</c> and <c>GET /drift/alerts/{id}</c> (read key in the x-api-key header or the <c>mlops_key</c> cookie).
/// </summary>
public static class DriftApi
{
    public const string KeyCookie = "mlops_key";
    /// <summary>Notes are at most 2,000 characters: a body past this is not a transition request.</summary>
    private const int MaxBodyBytes = 64 * 1024;
    private static readonly System.Text.Json.JsonSerializerOptions BodyOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapDriftApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/drift").WithTags("Drift").WithApiResponseHeaders();
        api.MapGet("/alerts", ListAlerts).RequireRole(ApiRole.Read).WithName("ListDriftAlerts").ProducesProblems(400)
            .WithQuery(QueryParameter.OneOf("status", "Only alerts in this status; all of them without it.", AlertStatus.Open, AlertStatus.Acknowledged, AlertStatus.Resolved))
            .WithPaging();
        api.MapGet("/alerts/{id}", GetAlert).RequireRole(ApiRole.Read).WithName("GetDriftAlert").ProducesProblems(404);
        // The body is read by hand (JsonRequestBody) so a malformed one gets a problem naming the field, not a bare 400; its
        // Content-Type is checked before the key (AcceptsJson first, which also declares its 415), as the local host's
        // routing does; 409: the alert's status does not allow it.
        int[] transitionProblems = [.. OpenApiDeclarations.JsonBodyProblems, 404, 409];
        api.MapPost("/alerts/{id}/acknowledge", (string id, HttpContext http, AlertStore alerts, TimeProvider time) =>
            Transition(id, AlertStatus.Acknowledged, http, alerts, time)).AcceptsJson<AlertActionRequest>(isOptional: true).RequireRole(ApiRole.Admin)
            .WithName("AcknowledgeDriftAlert").ProducesProblems(transitionProblems);
        api.MapPost("/alerts/{id}/resolve", (string id, HttpContext http, AlertStore alerts, TimeProvider time) =>
            Transition(id, AlertStatus.Resolved, http, alerts, time)).AcceptsJson<AlertActionRequest>(isOptional: true).RequireRole(ApiRole.Admin)
            .WithName("ResolveDriftAlert").ProducesProblems(transitionProblems);

        // The pages show the alerts behind a key: never stored either (PageHeaders adds what a browser page needs).
        routes.MapGet("/drift", Page).WithName("DriftPage").ExcludeFromDescription().WithApiResponseHeaders();
        routes.MapGet("/drift/alerts/{id}", AlertPage).WithName("DriftAlertPage").ExcludeFromDescription().WithApiResponseHeaders();
        return routes;
    }

    private static async Task<Results<Ok<AlertList>, ProblemHttpResult>> ListAlerts(string? status, HttpContext http, AlertStore alerts, CancellationToken cancellationToken)
    {
        if (status is not null and not (AlertStatus.Open or AlertStatus.Acknowledged or AlertStatus.Resolved))
            return TypedResults.Problem(statusCode: 400, title: "Invalid status", detail: $"Query parameter 'status' must be open, acknowledged or resolved, not '{status}'.",
                extensions: new Dictionary<string, object?> { ["field"] = "status" });
        if (PageRequest.TryRead(http.Request, AlertPaging.Scope(status), out var request) is { } invalid) return invalid;
        var page = AlertPaging.Page(await alerts.ListAsync(status, cancellationToken).ConfigureAwait(false), status, request.Top, request.After);
        PageRequest.WriteNext(http.Response, page);
        return TypedResults.Ok(new AlertList(page.Items));
    }

    private static async Task<Results<Ok<DriftAlert>, ProblemHttpResult>> GetAlert(string id, AlertStore alerts, CancellationToken cancellationToken) =>
        await alerts.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } alert ? TypedResults.Ok(alert) : NotFound(id);

    private static async Task<Results<Ok<DriftAlert>, ProblemHttpResult>> Transition(string id, string status, HttpContext http, AlertStore alerts, TimeProvider time)
    {
        var (body, invalid) = await JsonRequestBody.ReadObjectAsync<AlertActionRequest>(http.Request, "transition body", MaxBodyBytes, BodyOptions, http.RequestAborted).ConfigureAwait(false);
        if (invalid is not null) return invalid;
        if (body?.Note is { Length: > 2000 })
            return TypedResults.Problem(statusCode: 400, title: "Note too long", detail: "Field 'note' must be at most 2000 characters.", extensions: new Dictionary<string, object?> { ["field"] = "note" });
        if (body?.By is { Length: > 200 })
            return TypedResults.Problem(statusCode: 400, title: "Name too long", detail: "Field 'by' must be at most 200 characters.", extensions: new Dictionary<string, object?> { ["field"] = "by" });
        // The history is printed by `mlops drift alerts` and in logs: an escape sequence or a line break would rewrite them.
        if (JsonRequestBody.FreeTextProblem(("note", body?.Note, int.MaxValue), ("by", body?.By, int.MaxValue)) is { } text) return text;
        // The key is always recorded: a name in the body says who at the keyboard, never replaces the key that acted
        // (otherwise any admin key could write "drift check" into the history).
        var key = await WhoAsync(http).ConfigureAwait(false);
        var by = string.IsNullOrWhiteSpace(body?.By) ? key : $"{body.By.Trim()} via {key}";
        try
        {
            var alert = status == AlertStatus.Acknowledged
                ? await alerts.AcknowledgeAsync(id, by, body?.Note, time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false)
                : await alerts.ResolveAsync(id, by, body?.Note, time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false);
            return alert is null ? NotFound(id) : TypedResults.Ok(alert);
        }
        catch (AlertTransitionException e)
        {
            // The alert's status is what does not allow it (docs/interfaces.md: drift alert problems name a field).
            return TypedResults.Problem(statusCode: 409, title: "Invalid transition", detail: e.Message, extensions: new Dictionary<string, object?> { ["field"] = "status" });
        }
    }

    private static async Task<IResult> Page(HttpContext http, DriftChecker checker, AlertStore alerts)
    {
        PageHeaders(http.Response);
        if (await PageAuthAsync(http).ConfigureAwait(false) is { } denied) return denied;
        var interactive = true;
        return TypedResults.Content(await DriftPage.RenderAsync(checker, alerts, interactive, http.RequestAborted).ConfigureAwait(false), "text/html; charset=utf-8");
    }

    private static async Task<IResult> AlertPage(string id, HttpContext http, AlertStore alerts)
    {
        PageHeaders(http.Response);
        if (await PageAuthAsync(http).ConfigureAwait(false) is { } denied) return denied;
        var alert = await alerts.GetAsync(id, http.RequestAborted).ConfigureAwait(false);
        // A person following a stale link gets a page with the way back (still a 404); the JSON problem is the API's answer.
        return alert is null ? TypedResults.Content(DriftPage.RenderMissingAlert(id), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Content(DriftPage.RenderAlert(alert, interactive: true), "text/html; charset=utf-8");
    }

    /// <summary>
    /// The pages show account findings and act with an admin key: never framed by another site (the acknowledge / resolve
    /// buttons could be clicked through a decoy), never sniffed as another type, no referrer to other sites.
    /// The page's own inline style and script stay allowed; everything else is same-origin only. Never stored: the routes'
    /// <see cref="ApiResponseHeaders"/> filter sends Cache-Control.
    /// </summary>
    internal static void PageHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>Browsers cannot send a header on navigation: the page also accepts the key from a cookie, and asks for it when missing.</summary>
    private static async Task<IResult?> PageAuthAsync(HttpContext http)
    {
        var key = http.Request.Headers[ApiKeyAuthorization.Header].ToString();
        if (key.Length == 0) key = http.Request.Cookies[KeyCookie] ?? "";
        var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
        var time = http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        if (key.Length > 0 && await keys.FindAsync(key, time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false) is not null) return null;
        const string form = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drift — API key</title></head><body style="font:14px system-ui;margin:2rem">
            <h1>Drift monitor</h1><p>This page needs an API key (read role or higher; create one with <code>mlops keys create --role read</code>).</p>
            <form onsubmit="document.cookie='mlops_key='+encodeURIComponent(document.getElementById('k').value)+';path=/;SameSite=Strict'+(location.protocol==='https:'?';Secure':'');location.reload();return false">
            <input id="k" type="password" size="60" placeholder="mlops_..."> <button>Open</button></form></body></html>
            """;
        return TypedResults.Content(form, "text/html; charset=utf-8", statusCode: 401);
    }

    private static async Task<string> WhoAsync(HttpContext http)
    {
        var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
        var time = http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var record = await keys.FindAsync(http.Request.Headers[ApiKeyAuthorization.Header].ToString(), time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false);
        return record is null ? "unknown" : $"key {record.KeyId}" + (record.Note is { Length: > 0 } note ? $" ({note})" : "");
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: 404, title: "No such alert", detail: $"There is no drift alert '{TextClip.Clip(id, 200)}'.", extensions: new Dictionary<string, object?> { ["field"] = "id" });

    public sealed record AlertList(IReadOnlyList<DriftAlert> Alerts);
}
