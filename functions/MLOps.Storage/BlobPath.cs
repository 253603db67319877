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

    public static string NormalizePrefix(string prefix) => prefix.Replace('\\', '/').TrimStart('/');
}
