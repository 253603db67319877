using Microsoft.Extensions.Logging;
using MLOps.Core.Data;
using MLOps.Recommenders;
using MLOps.Recommenders.Artifacts;
using MLOps.Storage;

namespace MLOps.Serving.Model;

/// <summary>
/// Serves one model artifact blob directly (<c>ServingOptions:ArtifactPath</c>), without a registry: the version is the
/// blob's ETag, so overwriting the blob is a new version and the host hot-swaps it. Used by benchmarks and by a
/// deployment that publishes artifacts without aliases; the registry's source takes precedence when configured.
/// With <c>ServingOptions:Bootstrap</c> (a model kind, e.g. "ease") and no artifact yet, it first trains that kind on
/// the store's events and catalogue and saves it there (how benchmarks and first runs get a model before any pipeline).
/// </summary>
public sealed partial class ArtifactModelSource(IBlobStore store, string path, string? bootstrapKind, ILogger<ArtifactModelSource> logger) : IModelSource
{
    private int _bootstrapped;

    public async Task<ModelRef?> ResolveAsync(string name, string aliasOrVersion, CancellationToken cancellationToken)
    {
        if (aliasOrVersion != "champion") return null;
        var blob = await store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (blob is null && bootstrapKind is not null && Interlocked.Exchange(ref _bootstrapped, 1) == 0)
        {
            await BootstrapAsync(bootstrapKind, cancellationToken).ConfigureAwait(false);
            blob = await store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        if (blob is null) return null;
        await using (blob) return new ModelRef(name, blob.ETag.Value.Trim('"'));
    }

    private async Task BootstrapAsync(string kind, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var catalog = await CatalogStore.ReadAsync(store, cancellationToken).ConfigureAwait(false);
        var events = new List<ViewingEvent>();
        await foreach (var e in EventLog.ReadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false))
            if (ServingData.IsConsumption(e)) events.Add(e);
        var data = TrainingData.FromEvents(events, catalog);
        var model = ModelTrainer.Train(kind, null, data, seed: 42, cancellationToken);
        await ModelArtifact.SaveAsync(store, path, model, WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
        LogBootstrapped(kind, events.Count, path, clock.Elapsed.TotalSeconds);
    }

    [LoggerMessage(LogLevel.Information, "Bootstrapped a {Kind} model from {Events} events into {Path} in {Seconds:0.0} s.")]
    private partial void LogBootstrapped(string kind, int events, string path, double seconds);

    public async Task<IRecommender> LoadAsync(ModelRef model, CancellationToken cancellationToken) =>
        await ModelArtifact.LoadAsync(store, path, cancellationToken).ConfigureAwait(false);
}
