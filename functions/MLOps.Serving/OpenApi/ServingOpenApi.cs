using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using MLOps.Core.Http.OpenApi;
using MLOps.Core.Ingest;
using MLOps.Core.Security;

namespace MLOps.Serving.OpenApi;

/// <summary>
/// What the generated OpenAPI document cannot see by itself: the serving routes' hand-read query parameters and events
/// body, and the <c>x-api-key</c> header every keyed route needs (a client generated from the document sent no key, no
/// <c>q</c>, no <c>k</c>, and posted events with no body schema). Both hosts serve the document from the same endpoints.
/// </summary>
public static class ServingOpenApi
{
    public const string ApiKeyScheme = "apiKey";

    /// <summary>Lists <paramref name="describe"/>'s parameters (limits read from the running ServingOptions) on the operation.</summary>
    public static TBuilder WithQuery<TBuilder>(this TBuilder builder, Func<ServingOptions, IEnumerable<QueryParameter>> describe)
        where TBuilder : IEndpointConventionBuilder =>
        OpenApiDeclarations.WithQuery(builder, services => describe(services.GetRequiredService<IOptions<ServingOptions>>().Value));

    /// <summary>The events body: a JSON array of events, or <c>{"events": [...]}</c>, each event's fields as the importers read them.</summary>
    public static TBuilder WithEventsBody<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var options = context.ApplicationServices.GetRequiredService<IOptions<ServingOptions>>().Value;
            var events = new OpenApiSchema { Type = JsonSchemaType.Array, MinItems = 1, MaxItems = options.MaxEventsPerBatch, Items = Event() };
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = $"At most {options.MaxEventsPerBatch} events and {options.MaxBodyBytes} bytes. Field names as the NDJSON importer reads them "
                    + "(aliases such as user_id, item, movieId are accepted; unknown properties are ignored).",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            OneOf =
                            [
                                events,
                                new OpenApiSchema { Type = JsonSchemaType.Object, Required = new HashSet<string> { "events" }, Properties = new Dictionary<string, IOpenApiSchema> { ["events"] = events } },
                            ],
                        },
                    },
                },
            };
            return Task.CompletedTask;
        });

    private static OpenApiSchema Event()
    {
        OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, MaxLength = 128, Description = description };
        OpenApiSchema Number(string description) => new() { Type = JsonSchemaType.Number, Description = description };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "userId", "contentId", "timestamp" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["userId"] = Text("The viewer."),
                ["contentId"] = Text("The title."),
                ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Number, Description = "ISO 8601, or unix seconds / milliseconds." },
                ["eventType"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = ["play", "rate", "impression", "click", "search", "exposure"],
                    Description = "Default play (rate when a rating is given).",
                },
                ["eventId"] = Text("Derived from user, title, time and type when absent."),
                ["viewSeconds"] = Number("Seconds watched, 0 or more."),
                ["rating"] = Number("On the rating scale (needed for rate events)."),
                ["ratingScaleMax"] = Number("The top of this event's rating scale."),
                ["device"] = Text("Optional."),
                ["country"] = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 2, MaxLength = 2, Description = "ISO 3166 alpha-2." },
                ["experiment"] = Text("Optional."),
                ["variant"] = Text("Optional."),
                ["score"] = Number("An exposure's model score."),
                ["model"] = Text("An exposure's serving model."),
            },
        };
    }

    /// <summary>
    /// Every route that checks a key (<see cref="RequiredApiRole"/>) says so: the header scheme, the role it needs and its
    /// 401 / 403 problems. Routes without the metadata (<c>/health</c>, <c>/ready</c>, the document itself) stay open.
    /// </summary>
    public static Task DescribeApiKeyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredApiRole>().LastOrDefault() is not { } required) return Task.CompletedTask;
        var document = context.Document!;
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(ApiKeyScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthorization.Header,
            Description = "An API key from 'mlops keys create --role read|write|admin'; roles rank read < write < admin.",
        });
        var role = required.Role.ToString().ToLowerInvariant();
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] }];
        operation.Description = string.IsNullOrEmpty(operation.Description) ? $"Needs a key with the '{role}' role." : $"{operation.Description} Needs a key with the '{role}' role.";
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", Problem("No key, or an unknown, revoked or expired one.", document));
        operation.Responses.TryAdd("403", Problem($"The key's role is weaker than '{role}'.", document));
        return Task.CompletedTask;
    }

    /// <summary>
    /// The closed sets a client switches on, as enums (the generator sees only strings): coldStartReason of recommendations and
    /// rows, or null when the list is personal, a listed item's reasonSource (or null), and search's mode.
    /// </summary>
    public static Task DescribeEnumsAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is not null || schema.Properties is not { } properties) return Task.CompletedTask;
        if ((type == typeof(RecommendationsResponse) || type == typeof(RowsResponse)) && properties.ContainsKey("coldStartReason"))
            properties["coldStartReason"] = new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, Enum(RecommendationService.ColdStartReasons)] };
        else if (type == typeof(RecommendedItem) && properties.ContainsKey("reasonSource"))
            properties["reasonSource"] = new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, Enum(RecommendationService.ReasonSources)] };
        else if (type == typeof(Search.SearchResponse) && properties.ContainsKey("mode"))
            properties["mode"] = Enum(Search.SearchService.Modes);
        return Task.CompletedTask;
    }

    private static OpenApiSchema Enum(IEnumerable<string> values) =>
        new() { Type = JsonSchemaType.String, Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList() };

    /// <summary>
    /// The key check's problem (<see cref="ApiKeyAuthorization.CheckAsync"/>: type, title, status, detail, traceId), described by
    /// the same ProblemDetails schema as every declared problem; until 2026-12-07 a bare object, so a client got no fields.
    /// </summary>
    private static OpenApiResponse Problem(string description, OpenApiDocument document) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(Microsoft.AspNetCore.Mvc.ProblemDetails), document) } },
    };
}
