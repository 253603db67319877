using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using MLOps.Core.Security;
using MLOps.Durable;
using MLOps.Workflows.Orchestration;

namespace MLOps.Functions;

/// <summary>The Durable-style management API of DESIGN.md over <c>[DurableClient]</c>.</summary>
public sealed class OrchestrationHttpFunctions
{
    [Function("StartOrchestration")]
    public async Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orchestrations/{name}")] HttpRequest request, string name,
        [DurableClient] DurableTaskClient client)
    {
        if (await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Write) is { } denied) return denied;
        return await OrchestrationHttp.StartAsync(new DurableTaskClientAdapter(client), request, name);
    }

    [Function("GetOrchestrationStatus")]
    public async Task<IResult> Status(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orchestrations/instances/{id}")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient client)
    {
        if (await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Read) is { } denied) return denied;
        return await OrchestrationHttp.StatusAsync(new DurableTaskClientAdapter(client), id, request.HttpContext.RequestAborted);
    }

    [Function("RaiseOrchestrationEvent")]
    public async Task<IResult> RaiseEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orchestrations/instances/{id}/raiseEvent/{eventName}")] HttpRequest request,
        string id, string eventName, [DurableClient] DurableTaskClient client)
    {
        if (await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Write) is { } denied) return denied;
        return await OrchestrationHttp.RaiseEventAsync(new DurableTaskClientAdapter(client), request, id, eventName);
    }

    [Function("TerminateOrchestration")]
    public async Task<IResult> Terminate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orchestrations/instances/{id}/terminate")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient client)
    {
        if (await ApiKeyAuthorization.CheckAsync(request.HttpContext, ApiRole.Admin) is { } denied) return denied;
        await new DurableTaskClientAdapter(client).TerminateAsync(id, request.Query["reason"], request.HttpContext.RequestAborted);
        return TypedResults.Accepted($"/api/orchestrations/instances/{id}");
    }
}

/// <summary>Placeholder handlers until the workflows library's shared HTTP handlers land.</summary>
internal static class OrchestrationHttp
{
    public static async Task<IResult> StartAsync(IOrchestrationClient client, HttpRequest request, string name)
    {
        var input = request.ContentLength > 0
            ? await System.Text.Json.JsonSerializer.DeserializeAsync<System.Text.Json.JsonElement>(request.Body, WorkflowJson.Options, request.HttpContext.RequestAborted)
            : (System.Text.Json.JsonElement?)null;
        var started = await client.StartAsync(name, input, request.Query["instanceId"], request.HttpContext.RequestAborted);
        var url = $"/api/orchestrations/instances/{started.InstanceId}";
        return TypedResults.Accepted(url, new { started.InstanceId, started.AlreadyRunning, statusQueryGetUri = url });
    }

    public static async Task<IResult> StatusAsync(IOrchestrationClient client, string id, CancellationToken cancellationToken) =>
        await client.GetStateAsync(id, cancellationToken) is { } state
            ? TypedResults.Ok(state)
            : TypedResults.Problem(statusCode: 404, title: "Unknown instance", detail: $"No orchestration instance '{id}'.");

    public static async Task<IResult> RaiseEventAsync(IOrchestrationClient client, HttpRequest request, string id, string eventName)
    {
        var payload = request.ContentLength > 0
            ? await System.Text.Json.JsonSerializer.DeserializeAsync<System.Text.Json.JsonElement>(request.Body, WorkflowJson.Options, request.HttpContext.RequestAborted)
            : (System.Text.Json.JsonElement?)null;
        await client.RaiseEventAsync(id, eventName, payload, request.HttpContext.RequestAborted);
        return TypedResults.Accepted($"/api/orchestrations/instances/{id}");
    }
}
