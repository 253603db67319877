using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;
using MLOps.Core.Http.Paging;

namespace MLOps.Core.Http.OpenApi;

/// <summary>
/// What a route declares for the OpenAPI document that its handler's signature does not show: the problems it answers
/// (handlers return <c>IResult</c> or <c>ProblemHttpResult</c>, which name no status) and its hand-read query parameters.
/// Metadata only: the handlers answer the same with or without it.
/// </summary>
public static class OpenApiDeclarations
{
    /// <summary>
    /// What <see cref="JsonRequestBody"/> answers for a body it cannot take: 400 (not JSON, or a value of the wrong kind),
    /// 408 (the body stalled), 413 (past the route's bound).
    /// </summary>
    public static readonly int[] JsonBodyProblems = [StatusCodes.Status400BadRequest, StatusCodes.Status408RequestTimeout, StatusCodes.Status413PayloadTooLarge];

    /// <summary>Each status as an application/problem+json response (once, whatever the repeats in <paramref name="statuses"/>).</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses.Distinct().Order()) builder.ProducesProblem(status);
        return builder;
    }

    /// <summary>Lists <paramref name="parameters"/> on the operation.</summary>
    public static TBuilder WithQuery<TBuilder>(this TBuilder builder, params QueryParameter[] parameters) where TBuilder : IEndpointConventionBuilder =>
        builder.WithQuery(_ => parameters);

    /// <summary>
    /// Lists <paramref name="describe"/>'s parameters (bounds may come from the running services) on the operation. One
    /// the generator inferred from the handler's signature (a bare string: <c>string? reason</c>) is replaced by the declared one.
    /// </summary>
    public static TBuilder WithQuery<TBuilder>(this TBuilder builder, Func<IServiceProvider, IEnumerable<QueryParameter>> describe)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            operation.Parameters ??= [];
            foreach (var parameter in describe(context.ApplicationServices))
            {
                var inferred = operation.Parameters.Where(p => p.In == Microsoft.OpenApi.ParameterLocation.Query && p.Name == parameter.Name).ToList();
                foreach (var p in inferred) operation.Parameters.Remove(p);
                operation.Parameters.Add(parameter.ToOpenApi());
            }
            return Task.CompletedTask;
        });

    /// <summary>
    /// A paged list (<see cref="PageRequest"/>): the <c>top</c> query parameter, the continuation token as a request header,
    /// and the same header on the 200 when more remain.
    /// </summary>
    public static RouteHandlerBuilder WithPaging(this RouteHandlerBuilder builder) =>
        builder.WithQuery(new QueryParameter(PageRequest.TopParameter, $"At most this many items, in the list's order (1-{PageRequest.MaxTop}); "
                + "every item without it. When more remain, the response has the x-ms-continuation-token header.",
                JsonSchemaType.Integer, Minimum: 1, Maximum: PageRequest.MaxTop))
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = ContinuationToken.Header,
                    In = ParameterLocation.Header,
                    Description = "The x-ms-continuation-token of the previous page, unchanged: the next page starts after its last item.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = ContinuationToken.MaxLength },
                });
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
                {
                    response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    response.Headers[ContinuationToken.Header] = new OpenApiHeader
                    {
                        Description = "Present when more items remain: send it back as the request header for the next page.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    };
                }
                return Task.CompletedTask;
            });
}
