using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Security;

namespace MLOps.Registry;

/// <summary>
/// <c>/api/models/…</c>: read with the read role; promote and rollback need admin. Conflicts (lost compare-and-swap)
/// are 409, policy refusals 422 with the evidence table, unknown models or versions 404, bad input 400.
/// </summary>
public static class RegistryApi
{
    public sealed record PromoteBody(int? Version, string? Reason, bool Force = false, string? ApprovedBy = null);
    public sealed record RollbackBody(string? Reason);

    public static IEndpointRouteBuilder MapRegistryApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/models").RequireRole(ApiRole.Read).WithTags("models");
        read.MapGet("/", ListAsync).WithName("ListModels");
        read.MapGet("/{name}", GetAsync).WithName("GetModel");
        read.MapGet("/{name}/versions/{version:int}", GetVersionAsync).WithName("GetModelVersion");
        read.MapGet("/{name}/history", HistoryAsync).WithName("GetModelHistory");
        var admin = app.MapGroup("/api/models").RequireRole(ApiRole.Admin).WithTags("models");
        admin.MapPost("/{name}/promote", PromoteAsync).WithName("PromoteModel");
        admin.MapPost("/{name}/rollback", RollbackAsync).WithName("RollbackModel");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<string>>> ListAsync(ModelRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.ListModelsAsync(ct).ConfigureAwait(false));

    private static Task<IResult> GetAsync(string name, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () => TypedResults.Ok(await registry.GetModelAsync(name, ct).ConfigureAwait(false)));

    private static Task<IResult> GetVersionAsync(string name, int version, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            var manifest = await registry.GetVersionAsync(name, version, ct).ConfigureAwait(false)
                ?? throw new RegistryNotFoundException($"model '{name}' has no version {version}");
            var decisions = await registry.GetDecisionsAsync(name, version, ct).ConfigureAwait(false);
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
                if (!DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
                    return TypedResults.Problem(statusCode: 400, title: "Invalid field 'at'",
                        detail: $"at: '{(at.Length <= 64 ? at : at[..64] + "…")}' is not a date and time; use ISO 8601, e.g. 2026-12-01T12:00:00Z.");
                when = parsed;
            }
            var entries = await registry.GetHistoryAsync(name, alias, ct).ConfigureAwait(false);
            int? championAt = when is { } t ? await registry.GetVersionAtAsync(name, ModelAliases.Champion, t, ct).ConfigureAwait(false) : null;
            return TypedResults.Ok(new { model = name, entries, at = when, championAt });
        });

    private static Task<IResult> PromoteAsync(string name, PromoteBody? body, HttpContext http, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            if (body?.Version is not { } version || version < 1)
                return TypedResults.Problem(statusCode: 400, title: "Invalid field 'version'", detail: "Send {\"version\": N} with N ≥ 1.");
            var result = await registry.PromoteAsync(name, version, new PromoteRequest
            {
                By = await CallerAsync(http).ConfigureAwait(false), Reason = body.Reason, Force = body.Force, ApprovedBy = body.ApprovedBy,
                UseStoredDecision = true, IfMatch = IfMatch(http),
            }, ct).ConfigureAwait(false);
            http.Response.Headers.ETag = result.ETag;
            return TypedResults.Ok(result);
        });

    private static Task<IResult> RollbackAsync(string name, RollbackBody? body, HttpContext http, ModelRegistry registry, CancellationToken ct) =>
        Guard(async () =>
        {
            var result = await registry.RollbackAsync(name, new RollbackRequest
            {
                By = await CallerAsync(http).ConfigureAwait(false), Reason = body?.Reason, IfMatch = IfMatch(http),
            }, ct).ConfigureAwait(false);
            http.Response.Headers.ETag = result.ETag;
            return TypedResults.Ok(result);
        });

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
            return TypedResults.Problem(statusCode: 404, title: "Not found", detail: e.Message);
        }
        catch (RegistryConflictException e)
        {
            return TypedResults.Problem(statusCode: 409, title: "Conflict", detail: e.Message);
        }
        catch (PromotionRefusedException e)
        {
            return TypedResults.Problem(statusCode: 422, title: "Promotion refused", detail: e.Message,
                extensions: new Dictionary<string, object?> { ["decision"] = e.Decision });
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(statusCode: 400, title: $"Invalid field '{e.ParamName ?? "name"}'", detail: e.Message);
        }
    }
}
