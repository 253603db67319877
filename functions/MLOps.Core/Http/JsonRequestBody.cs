using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MLOps.Core.Http;

/// <summary>
/// JSON request bodies read by hand, bounded, for every API of the service: a body that does not parse, is too large,
/// stalls, or holds a value of the wrong kind is a problem naming the field (<c>body</c> or the property, e.g.
/// <c>version</c>), never the framework's bare 400 — or, on the Functions host, no problem body at all — and never the 500
/// of an unhandled BadHttpRequestException.
/// </summary>
public static class JsonRequestBody
{
    /// <summary>The parsed body; null without a body (none sent, or only whitespace).</summary>
    public static async Task<(JsonElement? Value, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, string what, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0)) return (null, null);
        if (request.ContentLength > maxBytes) return (null, TooLarge(what, maxBytes));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes) return (null, TooLarge(what, maxBytes));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            var status = e.StatusCode is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status408RequestTimeout ? e.StatusCode : StatusCodes.Status400BadRequest;
            return (null, Problem(status, "Unreadable body", "body", $"body: the {what} could not be read: {e.Message}"));
        }
        var bytes = ByteOrderMark.Skip(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty) return (null, null);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, Problem(400, $"Invalid {what}", "body", $"body: the {what} is not valid JSON ({FirstSentence(e.Message)})."));
        }
    }

    /// <summary>An optional body that must be a JSON object of <typeparamref name="T"/>'s shape, each value of its property's kind.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadObjectAsync<T>(HttpRequest request, string what, int maxBytes, JsonSerializerOptions options,
        CancellationToken cancellationToken) where T : class
    {
        var (json, unreadable) = await ReadAsync(request, what, maxBytes, cancellationToken).ConfigureAwait(false);
        return unreadable is not null ? (null, unreadable) : Bind<T>(json, what, options);
    }

    private static (T? Value, ProblemHttpResult? Problem) Bind<T>(JsonElement? body, string what, JsonSerializerOptions options) where T : class
    {
        if (body is not { } element) return (null, null);
        if (element.ValueKind != JsonValueKind.Object)
            return (null, Problem(400, $"Invalid {what}", "body", $"body: the {what} must be a JSON object, not a JSON {element.ValueKind.ToString().ToLowerInvariant()}."));
        try
        {
            return (element.Deserialize<T>(options), null);
        }
        catch (JsonException e)
        {
            var field = FieldOf(e.Path);
            // The serializer's message names .NET types ("could not be converted to MLOps.Registry.RegistryApi+PromoteBody");
            // a caller needs the kind of value the field takes.
            var problem = ExpectedKind(typeof(T), field) is { } kind ? $"must be {kind}" : FirstSentence(e.Message);
            return (null, Problem(400, $"Invalid field '{field}'", field, $"{field}: {problem} (the {what} must be {{{Shape<T>()}}})."));
        }
    }

    /// <summary>
    /// What was wrong with the value at <paramref name="e"/>'s path of a <paramref name="type"/> document, in words
    /// ("must be true or false"), or the serializer's first sentence when the kind is unknown. The serializer's own
    /// message names .NET types ("could not be converted to System.Boolean"), which tells a caller nothing.
    /// </summary>
    public static string WrongValue(Type type, JsonException e)
    {
        var field = FieldOf(e.Path);
        if (ExpectedKind(type, field) is { } kind) return $"must be {kind}";
        // The whole document is of the wrong kind (`[1]` or `"x"` for an input object): the serializer's sentence names the
        // .NET type ("could not be converted to MLOps.Workflows.Pipeline.RetrainInput").
        if (field == "body" && e.Message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal)) return $"must be {KindOf(type)}";
        return FirstSentence(e.Message);
    }

    /// <summary>
    /// A 400 naming the first of <paramref name="fields"/> that is not one printable line within its bound (<see cref="FreeText"/>),
    /// or null: who and why are printed as they are by the CLI, logs and audit.
    /// </summary>
    public static ProblemHttpResult? FreeTextProblem(params (string Field, string? Value, int MaxLength)[] fields)
    {
        foreach (var (field, value, max) in fields)
            if (FreeText.Problem(value, field, max) is { } problem) return Problem(400, $"Invalid field '{field}'", field, problem);
        return null;
    }

    /// <summary>A problem naming the field at fault in its <c>field</c> extension.</summary>
    public static ProblemHttpResult Problem(int status, string title, string field, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["field"] = field });

    /// <summary><c>$.candidates[0].kind</c> → <c>candidates[0].kind</c>; no path → <c>body</c>.</summary>
    public static string FieldOf(string? jsonPath) => jsonPath is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "body";

    /// <summary>What the property at <paramref name="field"/> (e.g. <c>candidates[1].kind</c>) of <paramref name="type"/> takes, in words; null when unknown.</summary>
    internal static string? ExpectedKind(Type type, string field)
    {
        if (field == "body") return null;
        foreach (var segment in field.Split('.'))
        {
            var name = segment.Split('[')[0];
            if (DictionaryValueType(type) is { } value) type = value; // the segment is a key, not a property of the dictionary
            else if (type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { } property) type = property.PropertyType;
            else return null;
            for (var i = segment.Count(c => c == '['); i > 0; i--) type = ElementType(type) ?? type;
        }
        return KindOf(type);
    }

    /// <summary>The kind of JSON value <paramref name="type"/> is read from, in words.</summary>
    private static string KindOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => "text",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) => "a whole number from -2147483648 to 2147483647",
            _ when type == typeof(long) || type == typeof(short) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an ISO 8601 time",
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName))}",
            _ when ElementType(type) is not null => "a list",
            _ => "an object",
        };
    }

    private static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType
            && (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)))?.GetGenericArguments()[1];

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericArguments() is [var element] && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? element
        : null;

    private static string FirstSentence(string message) => message.Split(". ", 2)[0].TrimEnd('.');

    private static string Shape<T>() => string.Join(", ", typeof(T).GetProperties().Select(p => $"\"{JsonNamingPolicy.CamelCase.ConvertName(p.Name)}\": …"));

    private static ProblemHttpResult TooLarge(string what, int maxBytes) =>
        Problem(413, "Body too large", "body", $"body: the {what} must be at most {maxBytes / 1024} KB.");
}
