using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MLOps.Workflows;

/// <summary>
/// An optional JSON request body read by hand, bounded: a body that does not parse, is too large, or stalls is a problem
/// naming <c>body</c> (400 / 413 / 408), never the framework's 500 for Kestrel's BadHttpRequestException.
/// </summary>
internal static class JsonBody
{
    /// <summary>Orchestration inputs and event payloads are small documents: this is far past any real one.</summary>
    public const int MaxBytes = 64 * 1024;

    public static async Task<(JsonElement? Value, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, string what, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0)) return (null, null);
        if (request.ContentLength > MaxBytes) return (null, TooLarge(what));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBytes) return (null, TooLarge(what));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            var status = e.StatusCode is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status408RequestTimeout ? e.StatusCode : StatusCodes.Status400BadRequest;
            return (null, OrchestrationApi.Problem(status, "Unreadable body", "body", $"body: the {what} could not be read: {e.Message}"));
        }
        if (buffer.Length == 0) return (null, null);
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, OrchestrationApi.Problem(400, $"Invalid {what}", "body", $"body: the {what} is not valid JSON: {e.Message}"));
        }
    }

    private static ProblemHttpResult TooLarge(string what) =>
        OrchestrationApi.Problem(413, "Body too large", "body", $"body: the {what} must be at most {MaxBytes / 1024} KB.");
}
