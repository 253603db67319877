namespace MLOps.Storage;

/// <summary>Validates blob paths so that both backends accept exactly the same names.</summary>
public static class BlobPath
{
    public static string Normalize(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var p = path.Replace('\\', '/').Trim('/');
        if (p.Length == 0 || p.Length > 1024)
            throw new ArgumentException($"Blob path '{path}' must have 1 to 1024 characters.", nameof(path));
        foreach (var segment in p.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
                throw new ArgumentException($"Blob path '{path}' has an empty, '.' or '..' segment.", nameof(path));
            if (segment.StartsWith(".mlops-", StringComparison.Ordinal))
                throw new ArgumentException($"Blob path '{path}' uses the reserved prefix '.mlops-'.", nameof(path));
        }
        return p;
    }

    /// <summary>
    /// A listing prefix: its folders (the segments before the last '/') may not be '.' or '..', as no blob name has them.
    /// The folder store lists from the deepest folder a prefix names: "../" listed (and described) every file beside the
    /// store's root and below it, outside the store.
    /// </summary>
    public static string NormalizePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var p = prefix.Replace('\\', '/').TrimStart('/');
        var slash = p.LastIndexOf('/');
        if (slash >= 0 && p[..slash].Split('/').Any(segment => segment is "." or ".."))
            throw new ArgumentException($"Blob prefix '{prefix}' has a '.' or '..' folder.", nameof(prefix));
        return p;
    }
}
