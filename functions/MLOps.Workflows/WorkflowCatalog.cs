using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows;

/// <summary>The names of the system's orchestrations (stable: CLI, HTTP routes and schedules use them).</summary>
public static class OrchestrationNames
{
    public const string RetrainPipeline = nameof(RetrainPipeline);
    public const string DriftMonitor = nameof(DriftMonitor);
    public const string Purge = nameof(Purge);

    /// <summary>The singleton instance id of the retrain a critical drift alert starts (never two at once).</summary>
    public const string RetrainSingletonId = "retrain-singleton";
}

/// <summary>Every orchestration and activity of the system, registered by name for both engines.</summary>
public static class WorkflowCatalog
{
    public static WorkflowRegistry Create()
    {
        var registry = new WorkflowRegistry();
        Register(registry);
        return registry;
    }

    public static void Register(WorkflowRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddOrchestrator<RetrainInput?, RetrainSummary>(OrchestrationNames.RetrainPipeline, RetrainPipeline.RunAsync)
            .AddEvent<ApprovalDecision>(OrchestrationNames.RetrainPipeline, RetrainPipeline.ApprovalEvent)
            .AwaitsEventAtStep(OrchestrationNames.RetrainPipeline, RetrainPipeline.ApprovalEvent, RetrainPipeline.AwaitingApprovalStep)
            .AddOrchestrator<DriftMonitorInput?, DriftMonitorResult>(OrchestrationNames.DriftMonitor, DriftMonitor.RunAsync)
            .AddOrchestrator<PurgeInput?, PurgeResult>(OrchestrationNames.Purge, PurgeOrchestration.RunAsync);
        PipelineActivities.Register(registry);
    }
}
