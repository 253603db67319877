using System.Text.Json;
using MLOps.Storage;

namespace MLOps.Core;

/// <summary>
/// Keeps a lease blob alive: every third of its duration the holder's next value is written by compare-and-swap on the
/// blob's ETag, so a lease another process took over (after it expired) is never overwritten. The import lease and the
/// embedded engine's instance leases renew through this one loop.
/// </summary>
public static class LeaseRenewal
{
    /// <summary>
    /// Renews until <paramref name="cancellationToken"/> is cancelled (released), the compare-and-swap fails (taken over) or
    /// <paramref name="next"/> returns null (the holder stops renewing); <paramref name="renewed"/> hears each new ETag.
    /// </summary>
    public static async Task RunAsync<T>(IBlobStore store, string path, BlobETag etag, TimeSpan duration, Func<T?> next,
        Action<BlobETag>? renewed = null, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default) where T : class
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(duration / 3, cancellationToken).ConfigureAwait(false);
                if (next() is not { } value) return;
                etag = await store.WriteJsonAsync(path, value, WriteCondition.Match(etag), options, cancellationToken).ConfigureAwait(false);
                renewed?.Invoke(etag);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or BlobConditionFailedException)
        {
            // Released, or taken over after it expired (this process stalled past the lease).
        }
    }
}
