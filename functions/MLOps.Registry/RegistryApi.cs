using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Http;
using MLOps.Core.Http.OpenApi;
using MLOps.Core.Security;

namespace MLOps.Registry;

/// <summary>
/// <c>/api/models/…</c>: read with the read role; promote and rollback need admin. Conflicts (lost compare-and-swap)
/// are 409, policy refusals 422 with the evidence table, unknown models or versions 404, bad input 400.
/// </summary>
public static class RegistryApi
{
    public sealed record PromoteBody(int? Version, string? Reason, bool Force = false, string? ApprovedBy = null);
    public sealed record RollbackBody(string? Reason, int? IfChampion = null);

    public static IEndpointRouteBuilder MapRegistryApi(this IEndpointRouteBuilder app)
    {
        // The headers first: a group's filters run in the order added, so the role check's 401 / 403 carries them too.
        var read = app.MapGroup("/api/models").WithApiResponseHeaders().RequireRole(ApiRole.Read).WithTags("models");
        read.MapGet("/", ListAsync).WithName("ListModels");
        // What each handler answers (Guard's mapping below), declared for the OpenAPI document: its handler returns an
        // IResult, which names no status, and a declared problem alone would drop the 200 the generator otherwise assumes.
        read.MapGet("/{name}", GetAsync).WithName("GetModel").Produces<ModelSummary>().ProducesProblems(400, 404);
        read.MapGet("/{name}/versions/{version}", GetVersionAsync).WithName("GetModelVersion").Produces(StatusCodes.Status200OK).ProducesProblems(400, 404);
        read.MapGet("/{name}/history", HistoryAsync).WithName("GetModelHistory").Produces(StatusCodes.Status200OK).ProducesProblems(400, 404)
            .WithQuery(
                QueryParameter.OneOf("alias", "Only this alias's changes; all of them without it.", ModelAliases.All),
                QueryParameter.Time("at", "Also answer which version was champion at this time (ISO 8601, e.g. 2026-12-01T12:00:00Z), as championAt."));
        // The role is required per endpoint, after AcceptsJson: a group's filters run before the endpoint's, and the Content-Type
        // is checked before the key on both hosts (the local host's routing answers 415 before any filter).
        var admin = app.MapGroup("/api/models").WithApiResponseHeaders().WithTags("models");
        // Bodies are read by hand (JsonRequestBody): a malformed one gets a problem naming the field on both hosts.
        admin.MapPost("/{name}/promote", PromoteAsync).WithName("PromoteModel").AcceptsJson<PromoteBody>().RequireRole(ApiRole.Admin)
            .Produces<AliasChangeResult>().ProducesProblems([.. OpenApiDeclarations.JsonBodyProblems, 404, 409, 422]);
        admin.MapPost("/{name}/rollback", RollbackAsync).WithName("RollbackModel").AcceptsJson<RollbackBody>(isOptional: true).RequireRole(ApiRole.Admin)
            .Produces<AliasChangeResult>().ProducesProblems([.. OpenApiDeclarations.JsonBodyProblems, 404, 409]);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<string>>> ListAsync(ModelRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.ListModelsAsync(ct).ConfigureAwait(false));

    private static Task<IResult> GetAsync(string name, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            var summary = await registry.GetModelAsync(name, ct).ConfigureAwait(false);
            // Each version's standing, as `mlops models list` shows it (a refused run's version, one awaiting approval …).
            return TypedResults.Ok(summary with { Standings = await VersionStandings.ReadAsync(registry, summary, ct).ConfigureAwait(false) });
        });

    // The version is bound as text: "abc" is a 400 naming it, not the route's plain 404.
    private static Task<IResult> GetVersionAsync(string name, string version, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            if (ParseVersion(version) is not { } number)
                return JsonRequestBody.Problem(400, "Invalid field 'version'", "version", $"version: '{TextClip.Clip(version, 64)}' is not a version number (a whole number ≥ 1).");
            var manifest = await registry.GetVersionAsync(name, number, ct).ConfigureAwait(false)
                ?? throw new RegistryNotFoundException($"model '{name}' has no version {number}");
            var decisions = await registry.GetDecisionsAsync(name, number, ct).ConfigureAwait(false);
            return TypedResults.Ok(new { manifest, decisions });
        });

    // `at` is bound as text and parsed here: a typed parameter that fails to bind gives a bare 400 without the field's
    // name on the local host, and no problem body at all when the Functions host runs the endpoint.
    private static Task<IResult> HistoryAsync(string name, string? alias, string? at, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            DateTimeOffset? when = null;
            if (at is not null)
            {
                // Repeated values arrive joined by commas; "3/4" would parse as a date in some culture's order: ISO 8601 only.
                if (at.Contains(',') || at.Length < 10 || !char.IsAsciiDigit(at[0]) || at[4] != '-'
                    || !DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
                    return JsonRequestBody.Problem(400, "Invalid field 'at'", "at",
                        $"at: '{TextClip.Clip(at, 64)}' is not one date and time; use ISO 8601, e.g. 2026-12-01T12:00:00Z.");
                when = parsed;
            }
            await registry.GetModelAsync(name, ct).ConfigureAwait(false); // an unknown model is a 404, not an empty history
            var entries = await registry.GetHistoryAsync(name, alias, ct).ConfigureAwait(false);
            int? championAt = when is { } t ? await registry.GetVersionAtAsync(name, ModelAliases.Champion, t, ct).ConfigureAwait(false) : null;
            return TypedResults.Ok(new { model = name, entries, at = when, championAt });
        });

    private static Task<IResult> PromoteAsync(string name, HttpContext http, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            var (body, invalid) = await ReadBodyAsync<PromoteBody>(http, "promote body", ct).ConfigureAwait(false);
            if (invalid is not null) return invalid;
            if (body?.Version is not { } version || version < 1)
                return JsonRequestBody.Problem(400, "Invalid field 'version'", "version", "version: send {\"version\": N} with N ≥ 1.");
            if ((ReasonProblem(body.Reason) ?? JsonRequestBody.FreeTextProblem(("approvedBy", body.ApprovedBy, MaxNameLength))) is { } text) return text;
            var result = await registry.PromoteAsync(name, version, new PromoteRequest
            {
                By = await CallerAsync(http).ConfigureAwait(false), Reason = body.Reason, Force = body.Force, ApprovedBy = FreeText.OrNull(body.ApprovedBy),
                UseStoredDecision = true, IfMatch = IfMatch(http),
            }, ct).ConfigureAwait(false);
            http.Response.Headers.ETag = result.ETag;
            return TypedResults.Ok(result);
        });

    private static Task<IResult> RollbackAsync(string name, HttpContext http, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            var (body, invalid) = await ReadBodyAsync<RollbackBody>(http, "rollback body", ct).ConfigureAwait(false);
            if (invalid is not null) return invalid;
            if (ReasonProblem(body?.Reason) is { } text) return text;
            var result = await registry.RollbackAsync(name, new RollbackRequest
            {
                By = await CallerAsync(http).ConfigureAwait(false), Reason = body?.Reason, IfMatch = IfMatch(http), ExpectedChampion = body?.IfChampion,
            }, ct).ConfigureAwait(false);
            http.Response.Headers.ETag = result.ETag;
            return TypedResults.Ok(result);
        });

    // A reason given blank is refused, as the CLI's --reason: the audit log would record one that says nothing.
    private static ProblemHttpResult? ReasonProblem(string? reason) =>
        FreeText.ReasonProblem(reason, "reason", MaxReasonLength) is { } problem ? JsonRequestBody.Problem(400, "Invalid field 'reason'", "reason", problem) : null;

    private const int MaxBodyBytes = 16 * 1024;
    /// <summary>Bounds of the audited free text (as drift alert notes and names): the audit log, `models history` and `models list` print it.</summary>
    public const int MaxReasonLength = 2000, MaxNameLength = 200;

    // Strict numbers: {"version": "2"} is a string where a version number belongs, not a version (web defaults read it).
    private static readonly JsonSerializerOptions BodyOptions = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict };

    private static Task<(T? Value, ProblemHttpResult? Problem)> ReadBodyAsync<T>(HttpContext http, string what, CancellationToken ct) where T : class =>
        JsonRequestBody.ReadObjectAsync<T>(http.Request, what, MaxBodyBytes, BodyOptions, ct);

    private static int? ParseVersion(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : null;

    private static string? IfMatch(HttpContext http) => http.Request.Headers.IfMatch.ToString() is { Length: > 0 } v ? v : null;

    private static async Task<string> CallerAsync(HttpContext http)
    {
        var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
        var record = await keys.FindAsync(http.Request.Headers[ApiKeyAuthorization.Header].ToString(), DateTimeOffset.UtcNow, http.RequestAborted).ConfigureAwait(false);
        return record is null ? "api" : $"key:{record.KeyId}";
    }

    private static async Task<IResult> Guard(Func<Task<IResult>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (RegistryNotFoundException e)
        {
            // "model 'x' has no version 7" names the version; "has no versions" / "no champion" the model.
            var field = System.Text.RegularExpressions.Regex.IsMatch(e.Message, @"has no version \d") ? "version" : "name";
            return JsonRequestBody.Problem(404, "Not found", field, TextClip.Clip(e.Message, 300));
        }
        catch (RegistryConflictException e)
        {
            return JsonRequestBody.Problem(409, "Conflict", e.Field ?? "If-Match", e.Message);
        }
        catch (ArtifactPurgedException e)
        {
            return JsonRequestBody.Problem(409, "Artifact purged", "version", e.Message);
        }
        catch (PromotionRefusedException e)
        {
            return TypedResults.Problem(statusCode: 422, title: "Promotion refused", detail: e.Message,
                extensions: new Dictionary<string, object?> { ["decision"] = e.Decision });
        }
        catch (ArgumentException e)
        {
            var field = e.ParamName switch { null or "model" => "name", var p => p };
            return JsonRequestBody.Problem(400, $"Invalid field '{field}'", field, ArgumentText.Of(e));
        }
    }
}
