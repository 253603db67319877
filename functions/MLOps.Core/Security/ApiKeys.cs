using System.Security.Cryptography;
using System.Text;
using MLOps.Storage;

namespace MLOps.Core.Security;

/// <summary>Roles are ordered: admin can do what write can, write what read can.</summary>
public enum ApiRole { Read = 1, Write = 2, Admin = 3 }

public sealed record ApiKeyRecord(string KeyId, ApiRole Role, DateTimeOffset CreatedAt, string? Note);

/// <summary>
/// API keys: only the SHA-256 of a key is stored (<c>keys/&lt;sha256&gt;.json</c>), so the store never holds a usable key.
/// Keys are 32 random bytes, base64url, prefixed <c>mlops_</c> so leaked keys are easy to scan for.
/// </summary>
public sealed class ApiKeyStore(IBlobStore store)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset At)> _cache = new();

    public async Task<(string Key, ApiKeyRecord Record)> CreateAsync(ApiRole role, string? note, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // The note is shown in audit entries and alert histories ("by key …"): one printable line, like a name.
        if (note is not null && (note.Length > 200 || note.Any(char.IsControl)))
            throw new ArgumentException("--note must be at most 200 characters on one line, without control characters (escape sequences, tabs, line breaks).", nameof(note));
        var key = "mlops_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var hash = Hash(key);
        var record = new ApiKeyRecord(hash[..12], role, now, note);
        await store.WriteJsonAsync(PathOf(hash), record, WriteCondition.CreateOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (key, record);
    }

    /// <summary>The key's record, or null for an unknown key. Cached for 30 s so every request is not a blob read.</summary>
    public async Task<ApiKeyRecord?> FindAsync(string key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 200) return null;
        var hash = Hash(key);
        if (_cache.TryGetValue(hash, out var cached) && now - cached.At < TimeSpan.FromSeconds(30)) return cached.Record;
        var found = await store.ReadJsonAsync<ApiKeyRecord>(PathOf(hash), cancellationToken: cancellationToken).ConfigureAwait(false);
        var record = found?.Value;
        _cache[hash] = (record, now);
        return record;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string PathOf(string hash) => $"{StoreLayout.Keys}{hash}.json";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
