using MLOps.Recommenders;
using MLOps.Recommenders.Artifacts;
using MLOps.Registry;

namespace MLOps.Serving.Model;

/// <summary>
/// The registry's aliases and versions: "champion" / "challenger" resolve through <c>models/&lt;name&gt;/aliases/…</c>
/// (one small blob read per poll), a number names a version. Loading reads the version's model artifact
/// (<c>model.bin</c> when present, else the first <c>.bin</c>, else <c>.mlrc</c> file of its manifest; other files, such as the
/// evaluation's <c>prediction-reference.json</c>, are not models), and only when its bytes have the SHA-256 the manifest records.
/// </summary>
public sealed class RegistryModelSource(ModelRegistry registry) : IModelSource
{
    public async Task<ModelRef?> ResolveAsync(string name, string aliasOrVersion, CancellationToken cancellationToken)
    {
        if (int.TryParse(aliasOrVersion.TrimStart('v'), out var version))
            return await registry.GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false) is null ? null : new ModelRef(name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var alias = await registry.GetAliasAsync(name, aliasOrVersion, cancellationToken).ConfigureAwait(false);
        return alias?.Record.Version is { } v ? new ModelRef(name, v.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    public async Task<IRecommender> LoadAsync(ModelRef model, CancellationToken cancellationToken)
    {
        var version = int.Parse(model.Version, System.Globalization.CultureInfo.InvariantCulture);
        var manifest = await registry.GetVersionAsync(model.Name, version, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{model.Name} version {version} has no manifest.");
        var files = manifest.Sizes.Keys.Order(StringComparer.Ordinal).ToList();
        var file = files.FirstOrDefault(f => f == "model.bin") ?? files.FirstOrDefault(f => f.EndsWith(".bin", StringComparison.Ordinal))
            ?? files.FirstOrDefault(f => f.EndsWith(".mlrc", StringComparison.Ordinal)) ?? files.FirstOrDefault()
            ?? throw new InvalidDataException($"{model.Name} version {version} has no artifact files.");
        var bytes = await registry.ReadArtifactAsync(model.Name, version, file, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{model.Name} version {version}: artifact '{file}' is missing.");
        // The artifact's own checks catch truncation, not a flipped weight: serve only the bytes the registry recorded.
        if (manifest.Sha256.TryGetValue(file, out var expected) && ModelRegistry.Sha256Of(bytes) is var actual && actual != expected)
            throw new InvalidDataException($"{model.Name} version {version}: artifact '{file}' has SHA-256 {actual}, not the {expected} its manifest records: the blob is corrupt or was replaced.");
        return ModelArtifact.FromBytes(bytes.ToArray(), $"{model.Name} v{version}/{file}");
    }
}
