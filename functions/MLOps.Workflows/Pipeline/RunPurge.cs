using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// One purge for every caller (the Purge orchestration, <c>DELETE /api/orchestrations/instances</c>, <c>mlops pipeline
/// purge</c>): the history of finished instances, then what was kept for exactly as long as their runs — one-time event
/// claims and the pipeline's scratch, and the event-set snapshot records no kept run nor registered model names — and
/// the artifact files of old refused or unevaluated model versions (<see cref="ModelArtifactRetention"/>).
/// </summary>
public static class RunPurge
{
    /// <summary>How many instances' histories were purged, and the versions whose artifacts went (the CLI's and HTTP purge).</summary>
    public static async Task<(int Instances, ArtifactRetentionResult Artifacts)> PurgeAsync(IBlobStore store, IOrchestrationClient client, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var instances = await PurgeHistoryAsync(store, client, olderThan, cancellationToken).ConfigureAwait(false);
        return (instances, await ModelArtifactRetention.PurgeAsync(store, client, olderThan, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The instances' side alone: the Purge orchestration's PurgeHistory activity (its recorded result stays an int,
    /// so a Purge in flight across an upgrade replays); the artifacts are its next activity, PurgeArtifacts.
    /// </summary>
    public static async Task<int> PurgeHistoryAsync(IBlobStore store, IOrchestrationClient client, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var purged = await client.PurgeAsync(olderThan, cancellationToken).ConfigureAwait(false);
        await OneTimeEventClaims.PurgeAsync(store, client, olderThan, cancellationToken).ConfigureAwait(false);
        await PipelineScratch.PurgeAsync(store, client, olderThan, cancellationToken).ConfigureAwait(false);
        await PipelineSnapshots.PurgeAsync(store, client, olderThan, cancellationToken).ConfigureAwait(false);
        return purged;
    }
}
