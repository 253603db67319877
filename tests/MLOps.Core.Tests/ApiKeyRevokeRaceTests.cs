using MLOps.Core.Security;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>A lookup reading a key's record while it is revoked on the same instance does not keep it cached.</summary>
public class ApiKeyRevokeRaceTests
{
    private sealed class GatedStore(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public TaskCompletionSource ReadDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool Gate;

        public override async Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
        {
            var content = await Inner.ReadAsync(path, cancellationToken);
            if (Gate && path.StartsWith(StoreLayout.Keys, StringComparison.Ordinal))
            {
                Gate = false;
                ReadDone.TrySetResult();
                await Release.Task;
            }
            return content;
        }
    }

    [Fact]
    public async Task ALookupInFlightDuringRevoke_DoesNotCacheTheRevokedKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var store = new GatedStore(new FolderBlobStore(TestEnvironment.NewTempFolder("keys-race")));
        var keys = new ApiKeyStore(store);
        var (key, record) = await keys.CreateAsync(ApiRole.Admin, null, t0, ct);

        store.Gate = true;
        var inFlight = keys.FindAsync(key, t0, ct); // read the record, not yet cached
        await store.ReadDone.Task;
        Assert.True(await keys.RevokeAsync(record.KeyId, ct));
        store.Release.SetResult();
        await inFlight; // began before the revoke: may still answer the record

        // The revoking instance promises "at once": a request after the revoke must not be accepted.
        Assert.Null(await keys.FindAsync(key, t0.AddSeconds(1), ct));
    }
}
