using MLOps.Registry;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

/// <summary>What one retention pass deleted: versions whose artifact files went, and their bytes.</summary>
public sealed record ArtifactRetentionResult(int Versions, long Bytes);

/// <summary>
/// Retention of registered versions' artifact files, run with every purge: every pipeline run registers its best
/// candidate, so a daily run on unchanged data registers a copy of the champion each day (≈ 11 MB on ML-100k).
/// A version's artifact goes when it was registered before the cutoff, its standing is refused or unevaluated (so no
/// alias names it and none ever did; not awaiting approval, not passed) and no unfinished instance registered it (a run
/// still deciding). Its manifest and decisions stay: <c>models list/show/compare</c> answer, <c>models reproduce</c>
/// trains it again. <see cref="ModelRegistry.PurgeArtifactAsync"/> checks the aliases and their audit logs once more.
/// </summary>
public static class ModelArtifactRetention
{
    public static async Task<ArtifactRetentionResult> PurgeAsync(IBlobStore store, IOrchestrationClient client, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(client);
        var registry = new ModelRegistry(store);
        var running = (await client.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            .Where(i => !i.IsFinished).Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        int versions = 0; long bytes = 0;
        foreach (var model in await registry.ListModelsAsync(cancellationToken).ConfigureAwait(false))
        {
            ModelSummary summary;
            try { summary = await registry.GetModelAsync(model, cancellationToken).ConfigureAwait(false); }
            catch (RegistryNotFoundException) { continue; } // a folder with no version and no alias
            var standings = (await VersionStandings.ReadAsync(registry, summary, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Version);
            foreach (var v in summary.Versions)
            {
                if (v.CreatedAt >= olderThan || (v.SourceInstance is { } source && running.Contains(OrchestrationContextExtensions.InstanceOfRunKey(source) ?? source))) continue;
                if (standings[v.Version].Standing is not ("refused" or "unevaluated")) continue;
                var reason = $"{standings[v.Version].Standing}, no alias ever, registered before {olderThan:u}";
                if (await registry.PurgeArtifactAsync(model, v.Version, reason, cancellationToken).ConfigureAwait(false) is > 0 and var freed)
                {
                    versions++;
                    bytes += freed;
                }
            }
        }
        return new ArtifactRetentionResult(versions, bytes);
    }
}
