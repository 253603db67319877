using MLOps.Core;

namespace MLOps.Workflows.Orchestration;

/// <summary>Records an instance's end once, on whichever engine ran it (the failed-orchestration alert counts these).</summary>
public static class OrchestrationMetrics
{
    public static void Finished(string name, RuntimeStatus status) =>
        MLOpsMetrics.OrchestrationsCompleted.Add(1,
            new KeyValuePair<string, object?>("name", name),
            new KeyValuePair<string, object?>("status", status.ToString().ToLowerInvariant()));
}
