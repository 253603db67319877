using MLOps.Recommenders;

namespace MLOps.Serving.Model;

/// <summary>A concrete model version (an alias such as "champion" resolves to one).</summary>
public sealed record ModelRef(string Name, string Version);

/// <summary>
/// Where serving gets its models: resolve an alias (or a version) cheaply, then load that version.
/// The registry implements it over its aliases; <see cref="NoModelSource"/> is used until one is registered.
/// </summary>
public interface IModelSource
{
    /// <summary>The version an alias ("champion", "challenger") or version ("3") points at now; null when none.</summary>
    Task<ModelRef?> ResolveAsync(string name, string aliasOrVersion, CancellationToken cancellationToken);

    /// <summary>Loads a version's serving artifact. May be slow; called in the background.</summary>
    Task<IRecommender> LoadAsync(ModelRef model, CancellationToken cancellationToken);
}

/// <summary>No registry: nothing to load, serving falls back to trending titles (and /ready says so).</summary>
public sealed class NoModelSource : IModelSource
{
    public Task<ModelRef?> ResolveAsync(string name, string aliasOrVersion, CancellationToken cancellationToken) => Task.FromResult<ModelRef?>(null);
    public Task<IRecommender> LoadAsync(ModelRef model, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("No model source is registered.");
}
