using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

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
        using var buffer = new MemoryStream();
        var chunk = new byte[8 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBytes) return (null, Invalid("body", $"The body must be at most {MaxBytes / 1024} KB."));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (null, Invalid("body", $"The body could not be read: {ex.Message}"));
        }
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty) return (null, null);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return (null, Invalid("body", $"The body must be a JSON object {{\"note\": \"…\", \"by\": \"…\"}} (both optional), not a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}."));
            return (document.RootElement.Deserialize<AlertActionRequest>(Options), null);
        }
        catch (JsonException ex)
        {
            // A value of the wrong kind has a path ($.note); a body that does not parse has none worth naming.
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            return (null, field == "body"
                ? Invalid("body", $"The body is not valid JSON ({FirstSentence(ex.Message)}). Send {{\"note\": \"…\", \"by\": \"…\"}} (both optional) or nothing.")
                : Invalid(field, $"Field '{field}' must be a string ({FirstSentence(ex.Message)})."));
        }
    }

    private static string FirstSentence(string message) => message.Split(". ", 2)[0].TrimEnd('.');

    private static ProblemHttpResult Invalid(string field, string detail) =>
        TypedResults.Problem(statusCode: 400, title: "Invalid body", detail: detail, extensions: new Dictionary<string, object?> { ["field"] = field });
}
