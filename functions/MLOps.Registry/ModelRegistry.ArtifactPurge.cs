using MLOps.Storage;

namespace MLOps.Registry;

/// <summary>
/// A version whose artifact files retention deleted (<c>versions/&lt;n&gt;/artifact-purged.json</c>, beside the manifest,
/// which stays as written): its record, decisions and figures still answer, and <c>models reproduce</c> trains it again.
/// </summary>
/// <param name="Bytes">The artifact bytes the manifest recorded (<see cref="ModelVersionManifest.TotalBytes"/>).</param>
/// <param name="Reason">Why it could go, e.g. "refused, no alias ever, older than 2026-12-08 00:00:00Z".</param>
public sealed record ArtifactPurge(DateTimeOffset PurgedAt, long Bytes, string Reason);

public sealed partial class ModelRegistry
{
    public static string ArtifactPurgePath(string model, int version) => VersionPrefix(model, version) + "artifact-purged.json";

    /// <summary>The purge mark of a version, or null while its artifact is kept.</summary>
    public async Task<ArtifactPurge?> GetArtifactPurgeAsync(string model, int version, CancellationToken cancellationToken = default) =>
        (await _store.ReadJsonAsync<ArtifactPurge>(ArtifactPurgePath(model, version), cancellationToken: cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>
    /// Deletes a version's artifact files, keeping its manifest and decisions; returns the bytes deleted, or null when it
    /// was kept because an alias names it or ever named it (any alias's audit log). The retention policy (age, standing) is
    /// the caller's; this guards what serving may load. Order against a concurrent promote: the mark is written first
    /// (promote and set-challenger refuse a marked version), then the aliases are read again, and a version an alias
    /// reached meanwhile keeps its artifact and loses the mark. A crash after the mark leaves it marked: a later purge
    /// finishes deleting.
    /// </summary>
    public async Task<long?> PurgeArtifactAsync(string model, int version, string reason, CancellationToken cancellationToken = default)
    {
        await RequireVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
        if (await AnyAliasEverNamedAsync(model, version, cancellationToken).ConfigureAwait(false)) return null;
        var manifest = (await GetVersionAsync(model, version, cancellationToken).ConfigureAwait(false))!;
        var mark = BinaryData.FromObjectAsJson(new ArtifactPurge(_time.GetUtcNow(), manifest.TotalBytes, reason), StoreJson.Options);
        var marked = await _store.TryCreateAsync(ArtifactPurgePath(model, version), mark, cancellationToken).ConfigureAwait(false);
        if (await AnyAliasEverNamedAsync(model, version, cancellationToken).ConfigureAwait(false))
        {
            if (marked) await _store.DeleteAsync(ArtifactPurgePath(model, version), cancellationToken: cancellationToken).ConfigureAwait(false);
            return null;
        }
        long deleted = 0;
        foreach (var file in await _store.ListAllAsync(VersionPrefix(model, version) + "artifact/", cancellationToken).ConfigureAwait(false))
            if (await _store.DeleteAsync(file.Path, cancellationToken: cancellationToken).ConfigureAwait(false)) deleted += file.Length;
        return deleted;
    }

    /// <summary>An alias names the version now, or its audit log shows one ever did (from or to).</summary>
    private async Task<bool> AnyAliasEverNamedAsync(string model, int version, CancellationToken cancellationToken)
    {
        foreach (var alias in ModelAliases.All)
        {
            if ((await GetAliasAsync(model, alias, cancellationToken).ConfigureAwait(false))?.Record.Version == version) return true;
            if ((await GetHistoryAsync(model, alias, cancellationToken).ConfigureAwait(false)).Any(e => e.To == version || e.From == version)) return true;
        }
        return false;
    }
}
