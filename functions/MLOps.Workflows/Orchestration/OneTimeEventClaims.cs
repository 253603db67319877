using System.Text.Json;
using MLOps.Storage;

namespace MLOps.Workflows.Orchestration;

/// <summary>The first sender of a one-time event to one run of an instance: when, and what it sent.</summary>
public sealed record EventClaim(string InstanceId, string EventName, DateTimeOffset RunCreatedAt, DateTimeOffset ClaimedAt, JsonElement? Payload);

/// <summary>
/// A one-time event (one an orchestration reads once, at one step: a pipeline's approval) is claimed before it is raised,
/// with a create-only blob per run of the instance and event name, so of two senders exactly one gets through. Checking the
/// instance's step or history first is not enough on its own: two decisions sent within the same moment both saw the
/// pipeline still waiting, both were accepted, and only the first one raised counted. The claim is shared by every process
/// and both hosts (it lives in the store, not in the engine), keyed by the run's creation time so a reused id
/// (retrain-singleton) can be decided again on its next run, and kept as the record of who decided.
/// </summary>
public static class OneTimeEventClaims
{
    public const string Prefix = "orchestration-events/";

    public static string PathOf(string instanceId, DateTimeOffset runCreatedAt, string eventName) =>
        $"{Prefix}{instanceId}/{runCreatedAt.UtcTicks}/{eventName}.json";

    /// <summary>Claims the event for this sender: null when it is the first, else the claim of the sender that was.</summary>
    public static async Task<EventClaim?> TryClaimAsync(IBlobStore store, OrchestrationState run, string eventName, JsonElement? payload,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(run);
        var claim = new EventClaim(run.InstanceId, eventName, run.CreatedAt, now, payload);
        var path = PathOf(run.InstanceId, run.CreatedAt, eventName);
        if (await store.TryCreateAsync(path, BinaryData.FromObjectAsJson(claim, WorkflowJson.Options), cancellationToken).ConfigureAwait(false)) return null;
        // Lost the race: the winner's record (or, if it was released meanwhile, a stand-in naming no sender).
        return (await store.ReadJsonAsync<EventClaim>(path, WorkflowJson.Options, cancellationToken).ConfigureAwait(false))?.Value
            ?? claim with { Payload = null };
    }

    /// <summary>
    /// Deletes the claims of runs created before <paramref name="olderThan"/> that are over: the instance is gone (purged),
    /// finished, or a newer run took its id. Returns how many. Called wherever instance history is purged, so the record
    /// of who decided is kept exactly as long as the run it belongs to.
    /// </summary>
    public static async Task<int> PurgeAsync(IBlobStore store, IOrchestrationClient client, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(client);
        var deleted = 0;
        foreach (var blob in await store.ListAllAsync(Prefix, cancellationToken).ConfigureAwait(false))
        {
            // orchestration-events/<instance>/<run created, UTC ticks>/<event>.json
            var parts = blob.Path[Prefix.Length..].Split('/');
            if (parts.Length != 3 || !long.TryParse(parts[1], out var runTicks) || runTicks >= olderThan.UtcTicks) continue;
            var state = await client.GetStateAsync(parts[0], cancellationToken).ConfigureAwait(false);
            if (state is { IsFinished: false } && state.CreatedAt.UtcTicks == runTicks) continue;
            if (await store.DeleteAsync(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false)) deleted++;
        }
        return deleted;
    }

    /// <summary>Gives a claim back when raising the event failed, so the sender can try again.</summary>
    public static Task ReleaseAsync(IBlobStore store, OrchestrationState run, string eventName, CancellationToken cancellationToken) =>
        store.DeleteAsync(PathOf(run.InstanceId, run.CreatedAt, eventName), cancellationToken: cancellationToken);
}
