using MLOps.Core;
using MLOps.Storage;

namespace MLOps.Workflows.Embedded;

/// <summary>
/// Markers of the top-level instances that are not finished, <c>orchestrations/_unfinished/&lt;id&gt;.json</c>, so the
/// host's pending scan (every 2 s) reads those instances instead of every instance record ever kept (1,500 finished
/// records cost an idle host 4.6 s of CPU a minute; on Blob Storage, 750 reads a second).
/// <para>
/// A marker may outlive its instance's finish (a crash in between): whoever finds it clears it. It must never be missing
/// for an unfinished instance, so a transition into unfinished (start, restart, rewind) writes the marker before saving
/// the record and again after, and a marker is cleared only by <see cref="ClearIfFinishedAsync"/>: read the marker's
/// version, then the record, and delete that version only if the record is finished. A restart racing the clear either
/// saved its record before the record read (seen unfinished: kept) or rewrites the marker after it (a new version: the
/// delete fails, or comes before the rewrite).
/// </para>
/// </summary>
public sealed class UnfinishedIndex(IBlobStore store)
{
    /// <summary>Instance ids start with a letter or digit, so no instance's folder is this one.</summary>
    public const string Prefix = $"{StoreLayout.Orchestrations}_unfinished/";

    private static string MarkerPath(string id) => $"{Prefix}{id}.json";

    public async Task MarkAsync(string id, CancellationToken cancellationToken) =>
        await store.WriteTextAsync(MarkerPath(id), "{}", WriteCondition.None, cancellationToken).ConfigureAwait(false);

    /// <summary>The marked ids with each marker's version (the version a later clear must match).</summary>
    public async Task<List<(string Id, BlobETag ETag)>> ListAsync(CancellationToken cancellationToken) =>
        (await store.ListAllAsync(Prefix, cancellationToken).ConfigureAwait(false))
            .Select(b => (b.Path[Prefix.Length..^".json".Length], b.ETag)).ToList();

    public async Task<BlobETag?> VersionAsync(string id, CancellationToken cancellationToken) =>
        (await store.ReadAsync(MarkerPath(id), cancellationToken).ConfigureAwait(false))?.ETag;

    /// <summary>
    /// Deletes the marker version <paramref name="seen"/> (read before calling) when <paramref name="isFinished"/>, asked
    /// after that read, says the instance is finished or gone. True when the marker is gone.
    /// </summary>
    public async Task<bool> ClearIfFinishedAsync(string id, BlobETag seen, Func<Task<bool>> isFinished, CancellationToken cancellationToken)
    {
        if (!await isFinished().ConfigureAwait(false)) return false;
        try
        {
            await store.DeleteAsync(MarkerPath(id), seen, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BlobConditionFailedException)
        {
            return false; // rewritten by a restart since it was read, or already cleared by another host
        }
    }
}
