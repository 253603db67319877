using MLOps.Core.Data;
using MLOps.Features;
using MLOps.Storage;

namespace MLOps.Local.Cli;

/// <summary>
/// What <c>features refresh</c> says on stderr when its snapshot holds no play or rating: why, with the first event's time,
/// in the words of the pipeline's refresh step, which fails on such a snapshot (<see cref="EmptySnapshotReason"/>).
/// </summary>
public static class EmptySnapshotWarning
{
    public static async Task<string> TextAsync(IBlobStore store, FeatureSnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var head = $"warning: snapshot {manifest.SnapshotId} is empty:";
        var batches = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        if (batches.Count == 0) return $"{head} the store holds no events."; // removed since the refresh began
        var (reason, allAfter) = await EmptySnapshotReason.DescribeAsync(store, batches, manifest.Cutoff, cancellationToken: cancellationToken).ConfigureAwait(false);
        return $"{head} {reason}{(allAfter ? "; a later --cutoff includes it." : ".")}";
    }
}
