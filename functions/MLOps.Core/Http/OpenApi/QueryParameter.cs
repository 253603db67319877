using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace MLOps.Core.Http.OpenApi;

/// <summary>
/// A query parameter as the OpenAPI document shows it. The handlers read their query strings by hand, or bind them as
/// text and parse them (so a bad value is a 400 naming the field, not the framework's bare 400), which leaves ASP.NET
/// Core's generator nothing to list, or a bare string without the type, bounds and default the handler applies.
/// </summary>
public sealed record QueryParameter(string Name, string Description, JsonSchemaType Type, bool Required = false,
    double? Minimum = null, double? Maximum = null, JsonNode? Default = null, int? MaxLength = null,
    string? Format = null, IReadOnlyList<string>? Choices = null)
{
    public static QueryParameter Integer(string name, string description, int min, int max, int fallback) =>
        new(name, description, JsonSchemaType.Integer, Minimum: min, Maximum: max, Default: fallback);

    public static QueryParameter Number(string name, string description, double min, double max, double fallback) =>
        new(name, description, JsonSchemaType.Number, Minimum: min, Maximum: max, Default: fallback);

    public static QueryParameter Boolean(string name, string description, bool fallback) =>
        new(name, description, JsonSchemaType.Boolean, Default: fallback);

    public static QueryParameter Text(string name, string description, int maxLength, bool required = false) =>
        new(name, description, JsonSchemaType.String, required, MaxLength: maxLength);

    /// <summary>One of <paramref name="choices"/> (an enum in the document).</summary>
    public static QueryParameter OneOf(string name, string description, params string[] choices) =>
        new(name, description, JsonSchemaType.String, Choices: choices);

    /// <summary>An ISO 8601 date and time.</summary>
    public static QueryParameter Time(string name, string description) =>
        new(name, description, JsonSchemaType.String, Format: "date-time");

    public OpenApiParameter ToOpenApi() => new()
    {
        Name = Name,
        In = ParameterLocation.Query,
        Required = Required,
        Description = Description,
        Schema = new OpenApiSchema
        {
            Type = Type,
            Format = Format ?? (Type == JsonSchemaType.Integer ? "int32" : Type == JsonSchemaType.Number ? "double" : null),
            Minimum = Minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Maximum = Maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Default = Default,
            MaxLength = MaxLength,
            MinLength = Required ? 1 : null,
            Enum = Choices?.Select(c => (JsonNode)JsonValue.Create(c)!).ToList(),
        },
    };
}
