using MLOps.Storage;

namespace MLOps.Core.Ingest;

/// <summary>
/// One event import at a time per store. The check against other batches' ids (<see cref="EarlierEventIds"/>) and the
/// writes it guards are not atomic: two overlapping imports running at once each found the other's events absent and
/// both stored them. The lease is a blob (<c>leases/import.json</c>) taken create-only or by ETag, renewed while the import
/// runs, released at the end; a holder whose process is gone (same machine) or whose lease expired is taken over, so a
/// killed import never blocks the next one for long.
/// </summary>
public sealed class ImportLease : IAsyncDisposable
{
    public const string Path = "leases/import.json";
    private readonly IBlobStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private BlobETag _etag;

    private ImportLease(IBlobStore store, BlobETag etag, Holder holder, TimeSpan duration)
    {
        _store = store;
        _etag = etag;
        _renewal = RenewAsync(holder, duration);
    }

    /// <summary>Who holds the lease, until when, and for which batch (shown to whoever waits).</summary>
    public sealed record Holder(string Id, string Host, int Pid, string Batch, DateTimeOffset ExpiresAt);

    /// <summary>Waits (polling) until the lease is free, then holds it; <paramref name="waiting"/> hears about the holder once.</summary>
    public static async Task<ImportLease> AcquireAsync(IBlobStore store, string batch, TimeSpan duration, Action<Holder>? waiting = null,
        CancellationToken cancellationToken = default)
    {
        var me = Guid.NewGuid().ToString("N");
        var told = false;
        while (true)
        {
            var mine = new Holder(me, Environment.MachineName, Environment.ProcessId, batch, DateTimeOffset.UtcNow + duration);
            var existing = await store.ReadJsonAsync<Holder>(Path, cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                if (existing is not { } e)
                    return new ImportLease(store, await store.WriteJsonAsync(Path, mine, WriteCondition.CreateOnly, cancellationToken: cancellationToken).ConfigureAwait(false), mine, duration);
                if (!IsHeld(e.Value))
                    return new ImportLease(store, await store.WriteJsonAsync(Path, mine, WriteCondition.Match(e.ETag), cancellationToken: cancellationToken).ConfigureAwait(false), mine, duration);
                if (!told) { waiting?.Invoke(e.Value); told = true; }
            }
            catch (BlobConditionFailedException)
            {
                // Another importer took it between our read and write: read again.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="holder"/> still holds the lease: not expired, and not a process on this machine that has exited.</summary>
    public static bool IsHeld(Holder holder) => holder.ExpiresAt >= DateTimeOffset.UtcNow && !IsGone(holder);

    /// <summary>A holder on this machine whose process has exited (a killed import) holds nothing.</summary>
    private static bool IsGone(Holder holder) => holder.Pid != Environment.ProcessId && ProcessLiveness.HasExited(holder.Host, holder.Pid);

    private Task RenewAsync(Holder holder, TimeSpan duration) =>
        LeaseRenewal.RunAsync(_store, Path, _etag, duration, () => holder with { ExpiresAt = DateTimeOffset.UtcNow + duration },
            renewed: etag => _etag = etag, cancellationToken: _stop.Token);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        try { await _store.DeleteAsync(Path, _etag, CancellationToken.None).ConfigureAwait(false); }
        catch (BlobConditionFailedException) { } // taken over after it expired: the new holder's now
        _stop.Dispose();
    }
}
