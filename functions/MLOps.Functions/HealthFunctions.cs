using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace MLOps.Functions;

public sealed class HealthFunctions
{
    [Function("Health")]
    public IResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        TypedResults.Ok(new { status = "ok" });
}
