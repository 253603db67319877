using System.Collections.Concurrent;
using MLOps.Core;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Embedded;

/// <summary>
/// The lease that makes one process at a time run an instance, <c>orchestrations/&lt;id&gt;/lease.json</c>: taken when a
/// worker starts, renewed while it runs, deleted when it leaves. An expired lease, or one whose holder has died, is taken
/// over. Kept apart from the engine so the rules for who may run an instance live in one place.
/// </summary>
internal sealed class InstanceLeases(IBlobStore store, TimeSpan duration, Func<bool> crashed)
{
    /// <summary>Engines alive in this process, so a lease held by one of them that was disposed counts as dead.</summary>
    private static readonly ConcurrentDictionary<string, byte> LiveEngines = new();
    private readonly string _engineId = Guid.NewGuid().ToString("N");

    private sealed record Lease(string EngineId, string Host, int Pid, DateTimeOffset ExpiresAt);

    private static string LeasePath(string id) => $"{StoreLayout.Orchestrations}{id}/lease.json";

    public void MarkLive() => LiveEngines[_engineId] = 0;

    public void MarkGone() => LiveEngines.TryRemove(_engineId, out _);

    public async Task<BlobETag?> TryAcquireLeaseAsync(string id, CancellationToken cancellationToken)
    {
        var mine = new Lease(_engineId, Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow + duration);
        var existing = await store.ReadJsonAsync<Lease>(LeasePath(id), WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
        try
        {
            if (existing is not { } e)
                return await store.WriteJsonAsync(LeasePath(id), mine, WriteCondition.CreateOnly, WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
            if (e.Value.EngineId == _engineId || e.Value.ExpiresAt < DateTimeOffset.UtcNow || HolderIsDead(e.Value))
                return await store.WriteJsonAsync(LeasePath(id), mine, WriteCondition.Match(e.ETag), WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (BlobConditionFailedException)
        {
            return null;
        }
    }

    /// <summary>"HOST pid N" when another live process holds the instance's lease (it runs the instance there), else null.</summary>
    public async Task<string?> HeldElsewhereAsync(string instanceId, CancellationToken cancellationToken)
    {
        var existing = await store.ReadJsonAsync<Lease>(LeasePath(instanceId), WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
        return existing is not { Value: var lease } || lease.EngineId == _engineId || lease.ExpiresAt < DateTimeOffset.UtcNow || HolderIsDead(lease)
            ? null : $"{lease.Host} pid {lease.Pid}";
    }

    private static bool HolderIsDead(Lease lease) =>
        lease.Host == Environment.MachineName && lease.Pid == Environment.ProcessId
            ? !LiveEngines.ContainsKey(lease.EngineId)
            : ProcessLiveness.HasExited(lease.Host, lease.Pid);

    // A crashed (simulated) engine stops renewing, as a killed process would; a lease taken over ends the loop too (the
    // instance blob's CAS still guards the history).
    public Task RenewLeaseAsync(string id, BlobETag etag, CancellationToken cancellationToken) =>
        LeaseRenewal.RunAsync(store, LeasePath(id), etag, duration,
            () => crashed() ? null : new Lease(_engineId, Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow + duration),
            options: WorkflowJson.Options, cancellationToken: cancellationToken);

    /// <summary>Deletes the lease when the worker leaves (a lease already gone is fine).</summary>
    public async Task ReleaseAsync(string id)
    {
        try
        {
            await store.DeleteAsync(LeasePath(id), cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (BlobConditionFailedException)
        {
        }
    }
}
