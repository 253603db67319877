using MLOps.Core;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Embedded;

/// <summary>
/// An instance's inbox, one blob per message under <c>orchestrations/&lt;id&gt;/inbox/</c>: what callers send a running
/// instance (events, terminate, suspend, resume) waits there until a worker has checkpointed it into the history. Message
/// ids start with the send time's ticks, so their order is the order sent.
/// </summary>
internal sealed class InstanceInbox(IBlobStore store, TimeProvider time)
{
    public static string InboxPrefix(string id) => $"{StoreLayout.Orchestrations}{id}/inbox/";

    public string NewMessageId() => $"{time.GetUtcNow().UtcTicks:D19}-{Guid.NewGuid():N}";

    public async Task PostAsync(string id, InboxMessage message, CancellationToken cancellationToken) =>
        await store.WriteJsonAsync($"{InboxPrefix(id)}{message.Id}.json", message, WriteCondition.CreateOnly, WorkflowJson.Options, cancellationToken).ConfigureAwait(false);

    public async Task<List<(string Path, InboxMessage Message)>> ReadInboxAsync(string id, CancellationToken cancellationToken)
    {
        var list = new List<(string, InboxMessage)>();
        foreach (var blob in await store.ListAllAsync(InboxPrefix(id), cancellationToken).ConfigureAwait(false))
        {
            var read = await store.ReadJsonAsync<InboxMessage>(blob.Path, WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
            if (read is { } r) list.Add((blob.Path, r.Value));
        }
        return list;
    }

    public async Task<bool> IsEmptyAsync(string id, CancellationToken cancellationToken) =>
        (await store.ListAllAsync(InboxPrefix(id), cancellationToken).ConfigureAwait(false)).Count == 0;

    /// <summary>Deletes the messages read by <see cref="ReadInboxAsync"/>, once they are in the checkpointed history.</summary>
    public async Task DeleteAsync(List<(string Path, InboxMessage Message)> messages, CancellationToken cancellationToken)
    {
        foreach (var (path, _) in messages) await store.DeleteAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task ClearInboxAsync(string id, CancellationToken cancellationToken)
    {
        foreach (var blob in await store.ListAllAsync(InboxPrefix(id), cancellationToken).ConfigureAwait(false))
            await store.DeleteAsync(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
