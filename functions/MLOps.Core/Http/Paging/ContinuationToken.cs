using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MLOps.Core.Http.Paging;

/// <summary>
/// The opaque token that continues a list after its last item: that item's sort key, the list it belongs to (route and
/// filter) and a checksum, base64url. It names a position, not an offset, so the next page starts after the same item
/// however many items come before it. The checksum refuses a token that was cut, edited or made up by hand (not a secret
/// signature: a forged token could only name a position the caller can reach by paging anyway).
/// </summary>
public static class ContinuationToken
{
    /// <summary>Durable Functions' header for it, on the response (more remain) and on the request (the next page).</summary>
    public const string Header = "x-ms-continuation-token";

    /// <summary>Longer than any token issued (ids are at most a few hundred characters).</summary>
    public const int MaxLength = 2048;

    private const string Domain = "mlops-page-v1";
    private const int ChecksumBytes = 12;

    public static string Issue(string scope, PageKey last)
    {
        var payload = Encoding.UTF8.GetBytes(Payload(scope, last));
        return $"{Base64Url(payload)}.{Base64Url(Checksum(payload))}";
    }

    /// <summary>The key in <paramref name="token"/> when it is one <see cref="Issue"/> made for <paramref name="scope"/>.</summary>
    public static bool TryRead(string? token, string scope, out PageKey after)
    {
        after = default;
        if (string.IsNullOrEmpty(token) || token.Length > MaxLength) return false;
        var dot = token.IndexOf('.');
        if (dot <= 0 || FromBase64Url(token[..dot]) is not { } payload || FromBase64Url(token[(dot + 1)..]) is not { } sum) return false;
        if (!CryptographicOperations.FixedTimeEquals(sum, Checksum(payload))) return false;
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload); }
        catch (DecoderFallbackException) { return false; }
        var parts = text.Split('\n', 3);
        if (parts.Length != 3 || parts[0] != scope || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks) return false;
        after = new PageKey(new DateTimeOffset(ticks, TimeSpan.Zero), parts[2]);
        return Issue(scope, after) == token; // one spelling per position: no padding or alternative encodings
    }

    private static string Payload(string scope, PageKey key) =>
        $"{scope}\n{key.At.UtcTicks.ToString(CultureInfo.InvariantCulture)}\n{key.Id}";

    private static byte[] Checksum(byte[] payload) =>
        SHA256.HashData([.. Encoding.UTF8.GetBytes(Domain + "\n"), .. payload])[..ChecksumBytes];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        if (text.Length == 0 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))) return null;
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        try { return Convert.FromBase64String(padded); }
        catch (FormatException) { return null; }
    }
}
