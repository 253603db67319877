using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using MLOps.Core.Security;
using MLOps.Durable;
using MLOps.Workflows;
using MLOps.Workflows.Orchestration;

namespace MLOps.Functions;

/// <summary>
/// The Durable-style management API of DESIGN.md: the same handlers as the local host (<see cref="OrchestrationApi"/>),
/// over <c>[DurableClient]</c> through the contract's client adapter, with the same roles.
/// </summary>
public sealed class OrchestrationHttpFunctions(WorkflowRegistry registry, TimeProvider time)
{
    private const string Instances = "api/orchestrations/instances";

    [Function("StartOrchestration")]
    public async Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orchestrations/{name}")] HttpRequest request, string name,
        [DurableClient] DurableTaskClient client)
    {
        if (await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Admin) is { } denied) return denied;
        var result = await OrchestrationApi.StartAsync(name, request, new DurableTaskClientAdapter(client), registry,
            request.Query["instanceId"], request.HttpContext.RequestAborted);
        // The local host answers with AcceptedAtRoute; Functions has no named routes, so the same payload goes with a plain Location.
        return result.Result is AcceptedAtRoute<StartResponse> { Value: { } started } ? TypedResults.Accepted(started.StatusQueryGetUri, started) : result.Result;
    }

    [Function("ListOrchestrations")]
    public async Task<IResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Instances)] HttpRequest request, [DurableClient] DurableTaskClient client) =>
        await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Read)
        ?? await OrchestrationApi.ListAsync(new DurableTaskClientAdapter(client), request.HttpContext.RequestAborted);

    [Function("OrchestrationStatus")]
    public async Task<IResult> Status(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Instances + "/{id}")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient client) =>
        await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Read)
        ?? (await OrchestrationApi.StatusAsync(id, new DurableTaskClientAdapter(client), request.HttpContext.RequestAborted)).Result;

    [Function("RaiseOrchestrationEvent")]
    public async Task<IResult> RaiseEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Instances + "/{id}/raiseEvent/{eventName}")] HttpRequest request,
        string id, string eventName, [DurableClient] DurableTaskClient client) =>
        await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Admin)
        ?? (await OrchestrationApi.RaiseEventAsync(id, eventName, request, new DurableTaskClientAdapter(client), request.HttpContext.RequestAborted)).Result;

    [Function("TerminateOrchestration")]
    public async Task<IResult> Terminate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Instances + "/{id}/terminate")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient client) =>
        await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Admin)
        ?? (await OrchestrationApi.TerminateAsync(id, new DurableTaskClientAdapter(client), request.Query["reason"], request.HttpContext.RequestAborted)).Result;

    [Function("PurgeOrchestrations")]
    public async Task<IResult> Purge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orchestrations/purge")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Admin)
        ?? (await OrchestrationApi.PurgeAsync(new DurableTaskClientAdapter(client), time,
            int.TryParse(request.Query["olderThanDays"], out var days) ? days : 30, request.HttpContext.RequestAborted)).Result;
}
