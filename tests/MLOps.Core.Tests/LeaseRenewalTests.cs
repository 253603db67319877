using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>The one renewal loop of the import and instance leases: renews by ETag, and stops when taken over or told to.</summary>
public class LeaseRenewalTests
{
    private sealed record Holder(string Id, DateTimeOffset ExpiresAt);

    [Fact]
    public async Task Renews_UntilAnotherWriterTakesTheLeaseOver_ThenLeavesItsValueAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("lease-renewal");
        var etag = await store.WriteJsonAsync("leases/x.json", new Holder("me", DateTimeOffset.UtcNow), WriteCondition.CreateOnly, cancellationToken: ct);
        var renewals = 0;
        var loop = LeaseRenewal.RunAsync(store, "leases/x.json", etag, TimeSpan.FromMilliseconds(60),
            () => new Holder("me", DateTimeOffset.UtcNow), renewed: _ => Interlocked.Increment(ref renewals), cancellationToken: ct);
        for (var i = 0; i < 250 && Volatile.Read(ref renewals) < 2; i++) await Task.Delay(20, ct);
        Assert.True(Volatile.Read(ref renewals) >= 2);

        await store.WriteJsonAsync("leases/x.json", new Holder("other", DateTimeOffset.UtcNow), cancellationToken: ct);
        await loop.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal("other", (await store.ReadJsonAsync<Holder>("leases/x.json", cancellationToken: ct))!.Value.Value.Id);
    }

    [Fact]
    public async Task StopsWithoutWriting_WhenTheHolderReturnsNull()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("lease-renewal-stop");
        var etag = await store.WriteJsonAsync("leases/y.json", new Holder("me", DateTimeOffset.UnixEpoch), WriteCondition.CreateOnly, cancellationToken: ct);
        await LeaseRenewal.RunAsync<Holder>(store, "leases/y.json", etag, TimeSpan.FromMilliseconds(30), () => null, cancellationToken: ct)
            .WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(DateTimeOffset.UnixEpoch, (await store.ReadJsonAsync<Holder>("leases/y.json", cancellationToken: ct))!.Value.Value.ExpiresAt);
    }
}
