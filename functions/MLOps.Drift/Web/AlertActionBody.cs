using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using MLOps.Core.Http;

namespace MLOps.Drift.Web;

/// <summary>
/// The optional body of an alert transition, <c>{"note": "…", "by": "…"}</c>: absent or empty is no note; anything else
/// that is not that object is a 400 problem naming the field (<c>note</c> / <c>by</c> for a value of the wrong kind,
/// <c>body</c> for JSON that does not parse or is not an object).
/// </summary>
internal static class AlertActionBody
{
    /// <summary>Notes are at most 2,000 characters: a body past this is not a transition request.</summary>
    private const int MaxBytes = 64 * 1024;
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<(AlertActionRequest? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (json, unreadable) = await JsonRequestBody.ReadAsync(request, "transition body", MaxBytes, cancellationToken).ConfigureAwait(false);
        return unreadable is not null ? (null, unreadable) : JsonRequestBody.Bind<AlertActionRequest>(json, "transition body", Options);
    }
}
