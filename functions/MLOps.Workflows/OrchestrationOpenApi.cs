using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows;

/// <summary>
/// The orchestration routes' bodies as the OpenAPI document shows them. The handlers read them by hand (a start's input
/// type depends on the orchestration named in the route), so the generator saw no body at all, and the routes' <c>Accepts</c>
/// (from <c>AcceptsJson</c>, the 415 rule) names only <c>JsonElement</c>: a transformer replaces it with the real shapes.
/// </summary>
public static class OrchestrationOpenApi
{
    /// <summary>The start's optional input: one of the registered orchestrations' input types, each a component schema.</summary>
    public static TBuilder WithInputBody<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var registry = context.ApplicationServices.GetRequiredService<WorkflowRegistry>();
            var document = context.Document!;
            var inputs = new List<IOpenApiSchema>();
            var named = new List<string>();
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var orchestrator in registry.Orchestrators.OrderBy(o => o.Name, StringComparer.Ordinal))
            {
                var id = orchestrator.InputType.Name;
                named.Add($"{orchestrator.Name}: {id}");
                if (!referenced.Add(id)) continue; // two orchestrations of one input type: listed once
                if (document.Components?.Schemas?.ContainsKey(id) != true)
                    document.AddComponent<IOpenApiSchema>(id, await context.GetOrCreateSchemaAsync(orchestrator.InputType, null, cancellationToken).ConfigureAwait(false));
                inputs.Add(new OpenApiSchemaReference(id, document));
            }
            operation.RequestBody = JsonBody(
                $"The orchestration's input, at most {OrchestrationApi.MaxBodyBytes} bytes ({string.Join("; ", named)}). Left out, the orchestration runs on its defaults.",
                new OpenApiSchema { OneOf = inputs });
        });

    /// <summary>The event's optional payload: any JSON, except that an event the orchestration declares (an approval) must have its shape.</summary>
    public static TBuilder WithEventPayloadBody<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = JsonBody(
                $"The event's payload, any JSON of at most {OrchestrationApi.MaxBodyBytes} bytes; none is a null payload. An event the orchestration declares "
                + "must be an object of its shape (RetrainPipeline's approval: {\"approved\": true|false, \"by\": \"…\", \"comment\": \"…\"}).",
                new OpenApiSchema());
            return Task.CompletedTask;
        });

    private static OpenApiRequestBody JsonBody(string description, OpenApiSchema schema) => new()
    {
        Required = false,
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
    };
}
