using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MLOps.Core.Security;

/// <summary>
/// Requires header <c>x-api-key</c> with at least the given role: 401 (problem details) without a valid key
/// (missing, unknown, revoked or expired), 403 with a weaker role. The key itself is never logged or echoed.
/// </summary>
public static class ApiKeyAuthorization
{
    public const string Header = "x-api-key";

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, ApiRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredApiRole(role)).AddEndpointFilter(async (context, next) =>
        {
            var outcome = await CheckAsync(context.HttpContext, role).ConfigureAwait(false);
            return outcome ?? await next(context).ConfigureAwait(false);
        });

    /// <summary>Null when the caller may proceed, else the 401/403 problem result. Both hosts call this.</summary>
    public static async Task<IResult?> CheckAsync(HttpContext http, ApiRole role)
    {
        var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
        var time = http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var presented = http.Request.Headers[Header].ToString();
        if (presented.Length == 0)
            return TypedResults.Problem(statusCode: 401, title: "API key required", detail: $"Send a key in the '{Header}' header (create one with 'mlops keys create').");
        var now = time.GetUtcNow();
        var record = await keys.LookupAsync(presented, now, http.RequestAborted).ConfigureAwait(false);
        if (record is null)
            return TypedResults.Problem(statusCode: 401, title: "Unknown API key", detail: $"The '{Header}' header does not hold a known key.");
        // Only the key's holder can present it, so saying it expired tells an attacker nothing and saves its owner a hunt.
        if (record.IsExpiredAt(now))
            return TypedResults.Problem(statusCode: 401, title: "Expired API key", detail: $"The key in the '{Header}' header expired at {record.ExpiresAt:u}; create a new one with 'mlops keys create'.");
        if (record.Role < role)
            return TypedResults.Problem(statusCode: 403, title: "Role too weak", detail: $"This endpoint needs the '{role.ToString().ToLowerInvariant()}' role; the key has '{record.Role.ToString().ToLowerInvariant()}'.");
        return null;
    }
}
