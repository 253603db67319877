using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions;

/// <summary>The model registry's routes (<c>RegistryApi</c>): reads need the read role, promote and rollback admin.</summary>
public sealed class RegistryFunctions(CoreEndpoints api)
{
    private const string Models = "api/models";

    [Function(nameof(ListModels))]
    public IResult ListModels([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Models)] HttpRequest request) => api.Run();

    [Function(nameof(GetModel))]
    public IResult GetModel([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Models + "/{name}")] HttpRequest request) => api.Run();

    [Function(nameof(GetModelVersion))]
    public IResult GetModelVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Models + "/{name}/versions/{version}")] HttpRequest request) => api.Run();

    [Function(nameof(GetModelHistory))]
    public IResult GetModelHistory([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Models + "/{name}/history")] HttpRequest request) => api.Run();

    // "PromoteModel" is also the pipeline's activity function; function names are app-wide, so this one differs.
    [Function("PromoteModelHttp")]
    public IResult PromoteModel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Models + "/{name}/promote")] HttpRequest request) => api.Run();

    [Function(nameof(RollbackModel))]
    public IResult RollbackModel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Models + "/{name}/rollback")] HttpRequest request) => api.Run();
}
