using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions.Http;

namespace MLOps.Functions;

/// <summary>
/// Drift alerts (<c>DriftApi</c>: read to list, admin to acknowledge or resolve) and the on-call pages, which take the
/// key from the x-api-key header or the mlops_key cookie.
/// </summary>
public sealed class DriftFunctions(CoreEndpoints api)
{
    private const string Alerts = "api/drift/alerts";

    [Function(nameof(ListDriftAlerts))]
    public IResult ListDriftAlerts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Alerts)] HttpRequest request) => api.Run();

    [Function(nameof(GetDriftAlert))]
    public IResult GetDriftAlert([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Alerts + "/{id}")] HttpRequest request) => api.Run();

    [Function(nameof(AcknowledgeDriftAlert))]
    public IResult AcknowledgeDriftAlert([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Alerts + "/{id}/acknowledge")] HttpRequest request) => api.Run();

    [Function(nameof(ResolveDriftAlert))]
    public IResult ResolveDriftAlert([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Alerts + "/{id}/resolve")] HttpRequest request) => api.Run();

    [Function(nameof(DriftPage))]
    public IResult DriftPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "drift")] HttpRequest request) => api.Run();

    [Function(nameof(DriftAlertPage))]
    public IResult DriftAlertPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "drift/alerts/{id}")] HttpRequest request) => api.Run();
}
