using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using MLOps.Durable;
using MLOps.Workflows;
using MLOps.Workflows.Pipeline;

namespace MLOps.Functions;

/// <summary>
/// The registry's orchestrations as <c>[OrchestrationTrigger]</c> functions: each hands its
/// <see cref="TaskOrchestrationContext"/> to the adapter, which runs the orchestrator registered under the same name.
/// </summary>
public sealed class OrchestrationFunctions(DurableWorkflows workflows)
{
    [Function(OrchestrationNames.RetrainPipeline)]
    public Task<JsonElement?> RetrainPipeline([OrchestrationTrigger] TaskOrchestrationContext context) => workflows.RunOrchestratorAsync(context);

    [Function(OrchestrationNames.DriftMonitor)]
    public Task<JsonElement?> DriftMonitor([OrchestrationTrigger] TaskOrchestrationContext context) => workflows.RunOrchestratorAsync(context);

    [Function(OrchestrationNames.Purge)]
    public Task<JsonElement?> Purge([OrchestrationTrigger] TaskOrchestrationContext context) => workflows.RunOrchestratorAsync(context);
}

/// <summary>
/// The registry's activities as <c>[ActivityTrigger]</c> functions, dispatched by name to the code the embedded runner
/// calls. A conformance test checks that every registered activity and orchestration has its function here.
/// </summary>
public sealed class ActivityFunctions(DurableWorkflows workflows)
{
    [Function(PipelineActivities.RefreshFeatures)]
    public Task<JsonElement?> RefreshFeatures([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.RefreshFeatures, input, context);

    [Function(PipelineActivities.GetChampion)]
    public Task<JsonElement?> GetChampion([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.GetChampion, input, context);

    [Function(PipelineActivities.RunTuningTrial)]
    public Task<JsonElement?> RunTuningTrial([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.RunTuningTrial, input, context);

    [Function(PipelineActivities.TrainCandidate)]
    public Task<JsonElement?> TrainCandidate([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.TrainCandidate, input, context);

    [Function(PipelineActivities.EvaluateCandidate)]
    public Task<JsonElement?> EvaluateCandidate([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.EvaluateCandidate, input, context);

    [Function(PipelineActivities.CheckDrift)]
    public Task<JsonElement?> CheckDrift([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.CheckDrift, input, context);

    [Function(PipelineActivities.DecidePromotion)]
    public Task<JsonElement?> DecidePromotion([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.DecidePromotion, input, context);

    [Function(PipelineActivities.RegisterModel)]
    public Task<JsonElement?> RegisterModel([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.RegisterModel, input, context);

    [Function(PipelineActivities.PromoteModel)]
    public Task<JsonElement?> PromoteModel([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.PromoteModel, input, context);

    [Function(PipelineActivities.RecordRejection)]
    public Task<JsonElement?> RecordRejection([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.RecordRejection, input, context);

    [Function(PipelineActivities.Notify)]
    public Task<JsonElement?> Notify([ActivityTrigger] JsonElement input, FunctionContext context) => Run(PipelineActivities.Notify, input, context);

    [Function(PipelineActivities.StartRetrain)]
    public Task<JsonElement?> StartRetrain([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        Run(PipelineActivities.StartRetrain, input, context, client);

    [Function(PipelineActivities.PurgeHistory)]
    public Task<JsonElement?> PurgeHistory([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        Run(PipelineActivities.PurgeHistory, input, context, client);

    [Function(PipelineActivities.PurgeArtifacts)]
    public Task<JsonElement?> PurgeArtifacts([ActivityTrigger] JsonElement input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        Run(PipelineActivities.PurgeArtifacts, input, context, client);

    private Task<JsonElement?> Run(string name, JsonElement input, FunctionContext context, DurableTaskClient? client = null) =>
        workflows.RunActivityAsync(name, InstanceId(context), input, client is null ? null : new DurableTaskClientAdapter(client), context.CancellationToken);

    private static string InstanceId(FunctionContext context) =>
        context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : "";
}
