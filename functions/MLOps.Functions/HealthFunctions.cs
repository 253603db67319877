using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions;

/// <summary>Liveness (<c>HealthApi</c>), no key.</summary>
public sealed class HealthFunctions(CoreEndpoints api)
{
    [Function(nameof(Health))]
    public IResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "health")] HttpRequest request) => api.Run();
}
