using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Durable;
using MLOps.Functions.Http;
using MLOps.Workflows;

namespace MLOps.Functions;

/// <summary>
/// The Durable-style management API of DESIGN.md: the local host's endpoints (<see cref="OrchestrationApi"/>, read to
/// look, admin to act), run over the invocation's <c>[DurableClient]</c> through the contract's client adapter.
/// </summary>
public sealed class OrchestrationHttpFunctions(CoreEndpoints api)
{
    private const string Orchestrations = "api/orchestrations";

    [Function(nameof(StartOrchestration))]
    public IResult StartOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Orchestrations + "/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    [Function(nameof(ListOrchestrations))]
    public IResult ListOrchestrations([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Orchestrations + "/instances")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    [Function(nameof(OrchestrationStatus))]
    public IResult OrchestrationStatus([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Orchestrations + "/instances/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    [Function(nameof(RaiseOrchestrationEvent))]
    public IResult RaiseOrchestrationEvent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Orchestrations + "/instances/{id}/raiseEvent/{eventName}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    [Function(nameof(TerminateOrchestration))]
    public IResult TerminateOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Orchestrations + "/instances/{id}/terminate")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    [Function(nameof(SuspendOrchestration))]
    public IResult SuspendOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Orchestrations + "/instances/{id}/suspend")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    [Function(nameof(ResumeOrchestration))]
    public IResult ResumeOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Orchestrations + "/instances/{id}/resume")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    /// <summary>Same route and handler as the local host; Durable Task client 1.3.0 has no rewind, so the adapter's refusal becomes a 501 problem.</summary>
    [Function(nameof(RewindOrchestration))]
    public IResult RewindOrchestration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Orchestrations + "/instances/{id}/rewind")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    [Function(nameof(PurgeOrchestrations))]
    public IResult PurgeOrchestrations([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Orchestrations + "/instances")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => Run(request, client);

    private IResult Run(HttpRequest request, DurableTaskClient client, [System.Runtime.CompilerServices.CallerMemberName] string endpoint = "")
    {
        request.HttpContext.RequestServices.GetRequiredService<DurableClientScope>().Client = new DurableTaskClientAdapter(client);
        return api.Run(endpoint);
    }
}
