using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Security;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>API keys expire, are listed and revoked; a key created without an expiry (or before expiries existed) stays valid.</summary>
public class ApiKeyStoreTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static FolderBlobStore NewStore() => new(TestEnvironment.NewTempFolder("keys"));

    [Fact]
    public async Task ExpiringKey_IsFoundBeforeItsExpiry_NotFromItOn_EvenFromTheCache()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = NewStore();
        var keys = new ApiKeyStore(store);
        var (key, record) = await keys.CreateAsync(ApiRole.Read, "ci", T0, TimeSpan.FromHours(1), ct);
        Assert.Equal(T0.AddHours(1), record.ExpiresAt);

        Assert.NotNull(await keys.FindAsync(key, T0.AddMinutes(59).AddSeconds(50), ct));
        // Seconds later, within the cache lifetime: expiry is judged on every call, not cached with the record.
        Assert.Null(await keys.FindAsync(key, T0.AddHours(1), ct));
        Assert.Null(await new ApiKeyStore(store).FindAsync(key, T0.AddDays(1), ct));
        Assert.Equal(record, await keys.LookupAsync(key, T0.AddHours(1), ct));
    }

    [Fact]
    public async Task RecordWithoutExpiresAt_AsStoredBeforeExpiries_StaysValid()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = NewStore();
        const string key = "mlops_an-old-key-from-before-expiries-existed";
        var hash = ApiKeyStore.Hash(key);
        await store.WriteTextAsync($"{StoreLayout.Keys}{hash}.json",
            $$"""{"keyId":"{{hash[..12]}}","role":"admin","createdAt":"2024-01-01T00:00:00+00:00","note":"deploy"}""", cancellationToken: ct);

        var found = await new ApiKeyStore(store).FindAsync(key, T0.AddYears(50), ct);
        Assert.Equal(ApiRole.Admin, found?.Role);
        Assert.Null(found?.ExpiresAt);

        // And a key created without --expires-in is stored as before: no expiresAt field.
        var (_, created) = await new ApiKeyStore(store).CreateAsync(ApiRole.Read, null, T0, ct);
        var path = (await store.ListAllAsync(StoreLayout.Keys + created.KeyId, ct)).Single().Path;
        var text = (await store.ReadAsync(path, ct))!.Data.ToString();
        Assert.DoesNotContain("expiresAt", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_EveryRecordOldestFirst_ExpiredIncluded()
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = new ApiKeyStore(NewStore());
        Assert.Empty(await keys.ListAsync(ct));
        var (_, second) = await keys.CreateAsync(ApiRole.Write, "second", T0.AddHours(1), ct);
        var (_, first) = await keys.CreateAsync(ApiRole.Admin, "first", T0, TimeSpan.FromMinutes(30), ct);
        var (_, third) = await keys.CreateAsync(ApiRole.Read, null, T0.AddHours(2), TimeSpan.FromDays(7), ct);

        var listed = await keys.ListAsync(ct);
        Assert.Equal([first, second, third], listed);
        Assert.Equal([true, false, false], listed.Select(r => r.IsExpiredAt(T0.AddHours(3))));
    }

    [Fact]
    public async Task Revoke_KeyIsGone_AtOnceForAFreshStore_WithinTheCacheLifetimeForARunningHost()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = NewStore();
        var admin = new ApiKeyStore(store);
        var (key, record) = await admin.CreateAsync(ApiRole.Admin, "deploy smoke test", T0, ct);
        var (other, _) = await admin.CreateAsync(ApiRole.Read, "reader", T0, ct);
        var host = new ApiKeyStore(store);
        Assert.NotNull(await host.FindAsync(key, T0, ct));
        Assert.NotNull(await admin.FindAsync(key, T0, ct));

        Assert.True(await admin.RevokeAsync(record.KeyId.ToUpperInvariant(), ct));

        Assert.Null(await admin.FindAsync(key, T0.AddSeconds(1), ct)); // the revoking instance forgets it at once
        Assert.Null(await new ApiKeyStore(store).FindAsync(key, T0.AddSeconds(1), ct));
        Assert.NotNull(await host.FindAsync(key, T0.AddSeconds(29), ct)); // cached: the documented 30 s
        Assert.Null(await host.FindAsync(key, T0 + ApiKeyStore.CacheLifetime, ct));
        Assert.NotNull(await host.FindAsync(other, T0.AddMinutes(1), ct));
        Assert.Single(await admin.ListAsync(ct));
        Assert.False(await admin.RevokeAsync(record.KeyId, ct)); // already gone
    }

    [Theory]
    [InlineData("000000000000")]
    [InlineData("")]
    [InlineData("../keys")]
    [InlineData("SHORT")]
    public async Task Revoke_UnknownOrPartialId_IsFalse_AndDeletesNothing(string id)
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = new ApiKeyStore(NewStore());
        var (_, record) = await keys.CreateAsync(ApiRole.Read, null, T0, ct);
        Assert.False(await keys.RevokeAsync(id, ct));
        // A prefix of a real id is not the id: revoking must name one key, not whichever starts alike.
        Assert.False(await keys.RevokeAsync(record.KeyId[..6], ct));
        Assert.Single(await keys.ListAsync(ct));
    }

    [Fact]
    public async Task Filter_ExpiredKey_Is401_SayingItExpired()
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = new ApiKeyStore(NewStore());
        var (key, _) = await keys.CreateAsync(ApiRole.Admin, null, T0, TimeSpan.FromMinutes(30), ct);

        async Task<ProblemHttpResult?> CheckAt(DateTimeOffset now, string presented)
        {
            var http = new DefaultHttpContext
            {
                RequestServices = new ServiceCollection().AddSingleton(keys).AddSingleton<TimeProvider>(new ManualClock(now)).BuildServiceProvider(),
            };
            http.Request.Headers[ApiKeyAuthorization.Header] = presented;
            return (ProblemHttpResult?)await ApiKeyAuthorization.CheckAsync(http, ApiRole.Read);
        }

        Assert.Null(await CheckAt(T0.AddMinutes(29), key));
        var expired = await CheckAt(T0.AddMinutes(30), key);
        Assert.Equal(401, expired?.StatusCode);
        Assert.Equal("Expired API key", expired?.ProblemDetails.Title);
        Assert.Contains("expired at 2025-03-01 12:30:00Z", expired?.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Equal("Unknown API key", (await CheckAt(T0, key + "x"))?.ProblemDetails.Title);
    }

    // Found by review: every key presented was cached, unknown ones included, and nothing was ever evicted, so anyone could
    // grow a host's memory by one entry per request with random x-api-key values (no key needed to be refused).
    [Fact]
    public async Task Lookup_OfManyUnknownKeys_KeepsTheCacheBounded_AndAValidKeyStillWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = new ApiKeyStore(NewStore());
        var (key, record) = await keys.CreateAsync(ApiRole.Read, null, T0, ct);
        Assert.Equal(record, await keys.FindAsync(key, T0, ct));

        for (var i = 0; i < ApiKeyStore.MaxCachedKeys + 2_000; i++)
            Assert.Null(await keys.LookupAsync($"mlops_guess-{i}", T0.AddMilliseconds(i), ct));

        Assert.InRange(keys.CachedCount, 1, ApiKeyStore.MaxCachedKeys);
        Assert.Equal(record, await keys.FindAsync(key, T0.AddMinutes(1), ct));
    }
}
