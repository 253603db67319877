using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions;

/// <summary>
/// Serving (DESIGN.md "Interfaces"): each function runs the core endpoint it is named after (<see cref="CoreEndpoints"/>),
/// with the local host's validation and roles — read for reads, write for events, admin for experiment results.
/// </summary>
public sealed class ServingFunctions(CoreEndpoints api)
{
    [Function(nameof(Ready))]
    public IResult Ready([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "ready")] HttpRequest request) => api.Run();

    [Function(nameof(OpenApiDocument))]
    public IResult OpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/{documentName}.json")] HttpRequest request) => api.Run();

    [Function(nameof(Recommendations))]
    public IResult Recommendations([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{id}/recommendations")] HttpRequest request) => api.Run();

    [Function(nameof(Rows))]
    public IResult Rows([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{id}/rows")] HttpRequest request) => api.Run();

    [Function(nameof(Similar))]
    public IResult Similar([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/items/{id}/similar")] HttpRequest request) => api.Run();

    [Function(nameof(Search))]
    public IResult Search([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/search")] HttpRequest request) => api.Run();

    [Function(nameof(PostEvents))]
    public IResult PostEvents([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/events")] HttpRequest request) => api.Run();

    [Function(nameof(ExperimentResults))]
    public IResult ExperimentResults([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/experiments/{id}/results")] HttpRequest request) => api.Run();
}
