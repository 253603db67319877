using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Features;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>A registered version trained again from its record alone gives the same artifact and figures.</summary>
public sealed class ModelReproductionTests
{
    private static readonly DateTimeOffset Cutoff = new(2025, 2, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Trained and registered as the pipeline does, then a late batch (plays from before the cutoff, imported after the
    /// snapshot) arrives: training the version again from its record still gives the recorded artifact byte for byte and
    /// every recorded figure but the latency timing.
    /// </summary>
    [Fact]
    public async Task Reproduce_FromTheRecord_GivesTheSameArtifactAndFigures_AfterLateData()
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, registry, version) = await RegisteredAsync("ease", seed: RecommenderTrainer.Seed, ct);
        await IngestLatePlaysAsync(store, ct);

        var report = await new ModelReproduction(registry, store).RunAsync(ModelRegistry.DefaultModel, version, ct);

        Assert.True(report.ArtifactIdentical, $"recorded {report.RecordedSha256}, again {report.ReproducedSha256}");
        Assert.Contains(report.Metrics, m => m.Metric == RecommenderTrainer.PrimaryMetric);
        Assert.DoesNotContain(report.Metrics, m => m.Metric == GuardrailMetrics.LatencyP95);
        Assert.All(report.Metrics, m => Assert.True(m.Equal, $"{m.Metric}: recorded {m.Recorded}, again {m.Reproduced}"));
        Assert.True(report.Reproduced);
        Assert.Empty(await ListAsync(store, PipelineScratch.Candidates, ct)); // scratch removed
    }

    /// <summary>A version whose record has no seed (registered before seeds were recorded) cannot be trained again, and says so.</summary>
    [Fact]
    public async Task Reproduce_WithoutARecordedSeed_IsRefused_SayingWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        var (store, registry, version) = await RegisteredAsync("popularity", seed: null, ct);

        var error = await Assert.ThrowsAsync<NotReproducibleException>(() => new ModelReproduction(registry, store).RunAsync(ModelRegistry.DefaultModel, version, ct));

        Assert.Contains("records no seed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reproduce_UnknownVersion_IsABadArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("reproduce-unknown");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => new ModelReproduction(new ModelRegistry(store), store).RunAsync(ModelRegistry.DefaultModel, 3, ct));
        Assert.Equal("model 'recommender' has no version 3", error.Message);
    }

    /// <summary>A store with generated events and catalogue and one feature snapshot of them (cutoff <see cref="Cutoff"/>).</summary>
    internal static async Task<(IBlobStore Store, FeatureSnapshotRef Snapshot)> SnapshotStoreAsync(CancellationToken ct)
    {
        var dir = TestEnvironment.NewTempFolder("reproduce-data");
        SyntheticGenerator.Generate(new GeneratorOptions { Users = 60, Items = 80, Events = 1_500, Days = 10, Seed = 6 }, dir, cancellationToken: ct);
        var store = TestEnvironment.NewFolderStore("reproduce");
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, SyntheticGenerator.CatalogFileName)), ct);
        await new EventIngestor(store).IngestAsync(EventSources.File(Path.Combine(dir, SyntheticGenerator.EventsFileName), "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
        var manifest = await new FeatureStore(store).RefreshAsync(new FeatureRefreshRequest { Cutoff = Cutoff }, cancellationToken: ct);
        return (store, new FeatureSnapshotRef(manifest.SnapshotId, manifest.Cutoff, manifest.EventsUsed, 0, 0, false, 0));
    }

    private static async Task<(IBlobStore Store, ModelRegistry Registry, int Version)> RegisteredAsync(string kind, int? seed, CancellationToken ct)
    {
        var (store, snapshot) = await SnapshotStoreAsync(ct);
        var trainer = new RecommenderTrainer(store);
        var trained = await trainer.TrainAsync(snapshot, new CandidateConfig(kind), "run:train-0", ct) with { Seed = seed };
        var evaluation = await trainer.EvaluateAsync(snapshot, trained, champion: null, "run:evaluate-0", ct);
        var registry = new ModelRegistry(store);
        var version = await new RegistryGateway(registry, store, TimeProvider.System).RegisterAsync(ModelRegistry.DefaultModel, trained, evaluation, snapshot, "run:register", ct);
        foreach (var path in await ListAsync(store, PipelineScratch.Candidates, ct)) await store.DeleteAsync(path, cancellationToken: ct);
        return (store, registry, version);
    }

    private static async Task IngestLatePlaysAsync(IBlobStore store, CancellationToken ct)
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("late-plays"), "events.csv");
        var rows = Enumerable.Range(0, 15).Select(i => $"late-user,late-title-{i},{1_736_035_200 + i},play");
        await File.WriteAllTextAsync(file, "userId,contentId,timestamp,eventType\n" + string.Join('\n', rows) + "\n", ct);
        await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
    }

    internal static async Task<List<string>> ListAsync(IBlobStore store, string prefix, CancellationToken ct)
    {
        var paths = new List<string>();
        await foreach (var blob in store.ListAsync(prefix, ct)) paths.Add(blob.Path);
        return paths;
    }
}
