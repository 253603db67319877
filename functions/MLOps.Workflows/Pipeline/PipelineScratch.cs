using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// What a retrain run writes for its own steps and nothing else reads once it is over: each candidate's artifact and
/// prediction reference (<c>pipeline/candidates/</c>, 14 MB a run on ML-100k; registering copies the winner into the
/// registry) and the promote step's marker (<c>pipeline/promotions/</c>). Named by the step key,
/// "&lt;instance&gt;@&lt;run start&gt;:&lt;step&gt;" with ':' as '_'. Until 2026-12-07 nothing deleted them.
/// </summary>
public static class PipelineScratch
{
    public const string Candidates = "pipeline/candidates/", Promotions = "pipeline/promotions/";

    private static readonly string[] Folders = [Candidates, Promotions];

    /// <summary>The scratch blob of a step in <paramref name="folder"/>: its step key, ':' as '_' (what <see cref="PurgeAsync"/> parses).</summary>
    public static string PathOf(string folder, string stepKey, string extension) => $"{folder}{stepKey.Replace(':', '_')}{extension}";

    /// <summary>
    /// Deletes the scratch of runs over before <paramref name="olderThan"/>, as their history is purged: the blob is older
    /// than that, and its instance is gone or finished and last updated before it (a failed run inside the retention can
    /// still be rewound, and a run waiting for approval still needs its candidates). Returns how many blobs it deleted.
    /// </summary>
    public static async Task<int> PurgeAsync(IBlobStore store, IOrchestrationClient client, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(client);
        var over = new Dictionary<string, bool>(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var prefix in Folders)
            foreach (var blob in await store.ListAllAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                var name = blob.Path[prefix.Length..];
                // A name without a run step key's instance is kept.
                if (blob.LastModified >= olderThan || OrchestrationContextExtensions.InstanceOfRunKey(name) is not { } instance) continue;
                if (!over.TryGetValue(instance, out var isOver))
                {
                    var state = await client.GetStateAsync(instance, cancellationToken).ConfigureAwait(false);
                    over[instance] = isOver = state is null || (state.IsFinished && state.LastUpdatedAt < olderThan);
                }
                if (isOver && await store.DeleteAsync(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false)) deleted++;
            }
        return deleted;
    }
}
