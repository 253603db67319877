using System.Text.Json;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// The event-set snapshot records <see cref="EventSnapshotRefresher"/> writes (<c>pipeline/snapshots/&lt;id&gt;.json</c>, one
/// per distinct set of event batches a retrain refreshed on), purged with the runs' histories: a record older than the
/// cutoff goes unless a registered model version trained on it or a kept instance names it (a RetrainPipeline's custom
/// status <c>snapshot</c>, or its output's). A record holds the refresher's counts and the batches the snapshot covers,
/// which training reads (<see cref="SnapshotTrainingInputs"/>): the versions and runs that train on it keep it, and a
/// refresh on that event set again writes it again. Until 2026-12-07 nothing deleted them.
/// </summary>
public static class PipelineSnapshots
{
    public const string Folder = "pipeline/snapshots/";

    public static string PathOf(string snapshotId) => $"{Folder}{snapshotId}.json";

    /// <summary>Deletes the unreferenced records last written before <paramref name="olderThan"/>; returns how many.</summary>
    public static async Task<int> PurgeAsync(IBlobStore store, IOrchestrationClient client, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(client);
        var old = (await store.ListAllAsync(Folder, cancellationToken).ConfigureAwait(false))
            .Where(b => b.LastModified < olderThan && b.Path.EndsWith(".json", StringComparison.Ordinal)).ToList();
        if (old.Count == 0) return 0;
        var referenced = await ReferencedAsync(store, client, olderThan, cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        foreach (var blob in old)
        {
            var id = blob.Path[Folder.Length..^".json".Length];
            if (!referenced.Contains(id) && await store.DeleteAsync(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false)) deleted++;
        }
        return deleted;
    }

    /// <summary>The training snapshot of every registered model version, and the snapshot of every instance the purge keeps.</summary>
    private static async Task<HashSet<string>> ReferencedAsync(IBlobStore store, IOrchestrationClient client, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var registry = new ModelRegistry(store);
        foreach (var model in await registry.ListModelsAsync(cancellationToken).ConfigureAwait(false))
            foreach (var version in await registry.ListVersionsAsync(model, cancellationToken).ConfigureAwait(false))
                if (version.TrainingSnapshotId is { } id) ids.Add(id);
        foreach (var instance in await client.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (instance.IsFinished && instance.LastUpdatedAt < olderThan) continue; // its history goes with this purge
            if (SnapshotOf(instance) is { } id) ids.Add(id);
        }
        return ids;
    }

    /// <summary>The custom status's <c>snapshot</c> (set once the run refreshed), else a finished run's output's <c>snapshot.snapshotId</c>.</summary>
    public static string? SnapshotOf(OrchestrationState instance)
    {
        if (instance.CustomStatus is { ValueKind: JsonValueKind.Object } status && status.TryGetProperty("snapshot", out var s) && s.ValueKind == JsonValueKind.String)
            return s.GetString();
        return instance.Output is { ValueKind: JsonValueKind.Object } output && output.TryGetProperty("snapshot", out var o)
            && o.ValueKind == JsonValueKind.Object && o.TryGetProperty("snapshotId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString() : null;
    }
}
