using MLOps.Storage;

namespace MLOps.Core.Data;

/// <summary>
/// Work that can only build on events (a retrain, a feature refresh) refuses a store without committed event batches up
/// front, with one message wherever it runs (the CLI's verbs, the pipeline's refresh step on either refresher): going
/// on would fail later or store something empty (a feature snapshot of 0 events).
/// </summary>
public static class EventsRequired
{
    /// <summary>What the refusal says; <paramref name="purpose"/> reads "to train on", "to build features from".</summary>
    public static string Message(string purpose) =>
        $"the store holds no events {purpose}: import some first (mlops import movielens-100k DIR, mlops import events FILE, or mlops demo).";

    /// <summary>
    /// The committed event batches (<see cref="EventLog.ListBatchesAsync"/>); none, it throws
    /// <see cref="InvalidDataException"/> with <see cref="Message"/> (the CLI: exit 2 <c>error: …</c>).
    /// </summary>
    public static async Task<IReadOnlyList<(DateOnly Day, BlobInfo Blob)>> CheckAsync(IBlobStore store, string purpose, CancellationToken cancellationToken)
    {
        var batches = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        return batches.Count > 0 ? batches : throw new InvalidDataException(Message(purpose));
    }
}
