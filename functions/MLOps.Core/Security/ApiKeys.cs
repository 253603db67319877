using System.Security.Cryptography;
using System.Text;
using MLOps.Storage;

namespace MLOps.Core.Security;

/// <summary>Roles are ordered: admin can do what write can, write what read can.</summary>
public enum ApiRole { Read = 1, Write = 2, Admin = 3 }

/// <summary>A key's stored record. <see cref="ExpiresAt"/> null (and records written before it existed) never expire.</summary>
public sealed record ApiKeyRecord(string KeyId, ApiRole Role, DateTimeOffset CreatedAt, string? Note, DateTimeOffset? ExpiresAt = null)
{
    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt is { } at && now >= at;
}

/// <summary>
/// API keys: only the SHA-256 of a key is stored (<c>keys/&lt;sha256&gt;.json</c>), so the store never holds a usable key.
/// Keys are 32 random bytes, base64url, prefixed <c>mlops_</c> so leaked keys are easy to scan for.
/// A key can expire (<see cref="ApiKeyRecord.ExpiresAt"/>) and be revoked (its record deleted); hosts cache lookups for
/// <see cref="CacheLifetime"/>, so a revocation takes effect on running hosts within that time.
/// </summary>
public sealed class ApiKeyStore(IBlobStore store)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Cached lookups kept at most. Every key presented is cached, unknown ones included, and any caller can present one
    /// without a key: unbounded, a stream of random keys grew the cache by one entry per request for the life of the host.
    /// </summary>
    public const int MaxCachedKeys = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset At)> _cache = new();

    // Bumped by every revoke here: a lookup whose read began before it must not leave the revoked record in the cache.
    private long _revocations;

    public Task<(string Key, ApiKeyRecord Record)> CreateAsync(ApiRole role, string? note, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        CreateAsync(role, note, now, expiresIn: null, cancellationToken);

    /// <summary>A new key; with <paramref name="expiresIn"/> it stops working that long after <paramref name="now"/>.</summary>
    public async Task<(string Key, ApiKeyRecord Record)> CreateAsync(ApiRole role, string? note, DateTimeOffset now, TimeSpan? expiresIn, CancellationToken cancellationToken = default)
    {
        if (expiresIn is { } lifetime && lifetime <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(expiresIn), lifetime, "A key's lifetime must be positive.");
        // The note is shown in audit entries and alert histories ("by key …"): one printable line, like a name.
        if (FreeText.Problem(note, "--note", 200) is { } problem) throw new ArgumentException(problem, nameof(note));
        var key = "mlops_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var hash = Hash(key);
        var record = new ApiKeyRecord(hash[..12], role, now, note, now + expiresIn);
        await store.WriteJsonAsync(PathOf(hash), record, WriteCondition.CreateOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (key, record);
    }

    /// <summary>The key's record while it is valid: null for an unknown, revoked or expired key.</summary>
    public async Task<ApiKeyRecord?> FindAsync(string key, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await LookupAsync(key, now, cancellationToken).ConfigureAwait(false) is { } record && !record.IsExpiredAt(now) ? record : null;

    /// <summary>
    /// The key's record, expired or not (so a 401 can say the key expired), or null for an unknown key. Cached for
    /// <see cref="CacheLifetime"/> so every request is not a blob read; expiry is judged on every call, not cached.
    /// </summary>
    public async Task<ApiKeyRecord?> LookupAsync(string key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 200) return null;
        var hash = Hash(key);
        if (_cache.TryGetValue(hash, out var cached) && now - cached.At < CacheLifetime) return cached.Record;
        var revocations = Interlocked.Read(ref _revocations);
        var found = await store.ReadJsonAsync<ApiKeyRecord>(PathOf(hash), cancellationToken: cancellationToken).ConfigureAwait(false);
        var record = found?.Value;
        if (_cache.Count >= MaxCachedKeys) Prune(now);
        _cache[hash] = (record, now);
        // A revoke ran while the record was read: it may have removed the entry before this wrote it back.
        if (Interlocked.Read(ref _revocations) != revocations) _cache.TryRemove(hash, out _);
        return record;
    }

    /// <summary>Entries cached now (tests).</summary>
    internal int CachedCount => _cache.Count;

    // Drops the lapsed entries; when that frees less than a tenth (a flood of fresh ones), drops them all (a valid key is
    // read again). So at least MaxCachedKeys / 10 lookups come between two scans: a steady flood cannot make every request scan.
    private void Prune(DateTimeOffset now)
    {
        foreach (var (hash, entry) in _cache)
            if (now - entry.At >= CacheLifetime) _cache.TryRemove(hash, out _);
        if (_cache.Count > MaxCachedKeys - MaxCachedKeys / 10) _cache.Clear();
    }

    /// <summary>Every key's record, expired ones included, oldest first.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var records = new List<ApiKeyRecord>();
        foreach (var blob in await store.ListAllAsync(StoreLayout.Keys, cancellationToken).ConfigureAwait(false))
        {
            if (!blob.Path.EndsWith(".json", StringComparison.Ordinal)) continue;
            // A key revoked between the listing and the read is simply gone.
            if (await store.ReadJsonAsync<ApiKeyRecord>(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } found)
                records.Add(found.Value);
        }
        return [.. records.OrderBy(r => r.CreatedAt).ThenBy(r => r.KeyId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Deletes the key whose id (the first 12 hex digits of its hash) is <paramref name="keyId"/>; false when there is none.
    /// Other hosts stop accepting it within <see cref="CacheLifetime"/>; this instance at once.
    /// </summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken = default)
    {
        // Only a whole id matches: a shorter prefix could name another key than the one meant.
        keyId = keyId.Trim().ToLowerInvariant();
        if (keyId.Length != 12 || !keyId.All(char.IsAsciiHexDigit)) return false;
        var matches = (await store.ListAllAsync(StoreLayout.Keys + keyId, cancellationToken).ConfigureAwait(false))
            .Where(b => b.Path.EndsWith(".json", StringComparison.Ordinal)).ToList();
        if (matches.Count == 0) return false;
        // Two keys sharing 48 bits of hash are unlikely, but then deleting either could revoke the wrong one.
        if (matches.Count > 1)
            throw new InvalidOperationException($"{matches.Count} keys share the id {keyId}; delete the intended one of {string.Join(", ", matches.Select(m => m.Path))} by hand.");
        var deleted = await store.DeleteAsync(matches[0].Path, cancellationToken: cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _revocations);
        _cache.TryRemove(matches[0].Path[StoreLayout.Keys.Length..^".json".Length], out _);
        return deleted;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string PathOf(string hash) => $"{StoreLayout.Keys}{hash}.json";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
