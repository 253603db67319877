using MLOps.Registry;

namespace MLOps.Local.Cli;

/// <summary>
/// The VERSION of <c>models show|promote|compare|reproduce</c>: a number of 1 or more, and (where the verb reads it) a
/// version the model has; each refusal is exit 2 naming it. One place, so the four say it the same way.
/// </summary>
internal static class VersionArgument
{
    /// <summary><paramref name="version"/> when it is 1 or more; else "VERSION must be 1 or more, not N".</summary>
    public static int Valid(int version) =>
        version >= 1 ? version : throw new CliUsageException($"VERSION must be 1 or more, not {version}");

    /// <summary>The version's manifest; "model 'M' has no version N" when the model has none such.</summary>
    public static async Task<ModelVersionManifest> ManifestAsync(ModelRegistry registry, string model, int version, CancellationToken cancellationToken) =>
        await registry.GetVersionAsync(model, Valid(version), cancellationToken).ConfigureAwait(false)
            ?? throw new CliUsageException($"model '{model}' has no version {version}");
}
