using MLOps.Core.Data;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

/// <summary>What DriftMonitor's retrain step did: started (or found running) the singleton, or skipped it and why.</summary>
public sealed record RetrainStart(string InstanceId, bool AlreadyRunning, string? SkippedBecause = null);

/// <summary>
/// Starts the singleton retrain for critical drift, unless the last retrain finished and no import has been committed
/// since it started: it would train on the very same events and decide the same way. While drift persisted and the
/// champion was kept, every hourly check started such a retrain (and sent its notification). A failed or terminated
/// last retrain is retried; serving's exposure log is not training data, so it does not count as new events.
/// </summary>
public static class RetrainStarter
{
    public static async Task<RetrainStart> StartAsync(IOrchestrationClient client, IBlobStore store, RetrainInput input, CancellationToken cancellationToken)
    {
        var last = await client.GetStateAsync(OrchestrationNames.RetrainSingletonId, cancellationToken).ConfigureAwait(false);
        if (last is { RuntimeStatus: RuntimeStatus.Completed } && await LatestCommitAsync(store, cancellationToken).ConfigureAwait(false) is var commit
            && (commit is null || commit <= last.CreatedAt))
            return new RetrainStart(last.InstanceId, false,
                $"the last retrain ({last.InstanceId}, started {last.CreatedAt:u}) finished and no import was committed since: it would learn nothing new");
        var start = await client.StartAsync(OrchestrationNames.RetrainPipeline, input, OrchestrationNames.RetrainSingletonId, cancellationToken).ConfigureAwait(false);
        return new RetrainStart(start.InstanceId, start.AlreadyRunning);
    }

    /// <summary>When the latest import manifest was written (an import's commit), or null when nothing was ever imported.</summary>
    private static async Task<DateTimeOffset?> LatestCommitAsync(IBlobStore store, CancellationToken cancellationToken)
    {
        DateTimeOffset? latest = null;
        await foreach (var blob in ImportManifests.ListAsync(store, cancellationToken).ConfigureAwait(false))
            if (latest is null || blob.LastModified > latest) latest = blob.LastModified;
        return latest;
    }
}
