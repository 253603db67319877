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
    /// <param name="batches">The committed event batches the refresh was checked against (<see cref="EventsRequired.CheckAsync"/>).</param>
    public static async Task<string> TextAsync(IBlobStore store, IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches, FeatureSnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var head = $"warning: snapshot {manifest.SnapshotId} is empty:";
        var (reason, allAfter) = await EmptySnapshotReason.DescribeAsync(store, batches, manifest.Cutoff, cancellationToken: cancellationToken).ConfigureAwait(false);
        return $"{head} {reason}{(allAfter ? "; a later --cutoff includes it." : ".")}";
    }
}
