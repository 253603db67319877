using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Drift;
using MLOps.Drift.Prediction;
using MLOps.Drift.Window;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// The evaluation's prediction reference: written by the trainer at evaluation time from the candidate's top-k lists, registered
/// beside the artifact, and read back by the drift check as the champion's reference (not recomputed).
/// </summary>
public sealed class PredictionReferenceTests
{
    [Fact]
    public async Task EvaluatedReference_RoundTripsThroughTheRegistry_ToTheDriftCheck()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await GeneratedStoreAsync(ct);
        var snapshot = new FeatureSnapshotRef("fs-prediction", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 1_500, 60, 80, false, 0);
        var trainer = new RecommenderTrainer(store);
        var candidate = await trainer.TrainAsync(snapshot, new CandidateConfig("ease"), "prediction-test:train-0", ct);
        var evaluation = await trainer.EvaluateAsync(snapshot, candidate, champion: null, "prediction-test:evaluate-0", ct);

        var written = await PredictionReferences.LoadAsync(store, evaluation.PredictionReferencePath!, ct);
        Assert.NotNull(written);
        Assert.Equal(RecommenderTrainer.K, written.K);
        Assert.Equal(evaluation.Users, written.Users);
        var scores = written.Feature(DriftFeatures.ServedScore)!;
        // Every evaluated user gets a full top-10 list here (80 titles, few seen): one score per listed title.
        Assert.Equal(evaluation.Users * RecommenderTrainer.K, scores.Count);
        Assert.True(scores.BinEdges!.Length >= 5 && scores.Sample!.Length > 0);
        Assert.Equal(scores.Count, written.Feature(DriftFeatures.ServedPopularity)!.Categories!.Values.Sum());
        Assert.True(written.Feature(DriftFeatures.ServedGenre)!.Categories!.Count > 1);

        var gateway = new RegistryGateway(new ModelRegistry(store), store, TimeProvider.System);
        var version = await gateway.RegisterAsync(ModelRegistry.DefaultModel, candidate, evaluation, snapshot, "prediction-test:register-0", ct);
        await new ModelRegistry(store).PromoteAsync(ModelRegistry.DefaultModel, version, new PromoteRequest { By = "test", Force = true }, ct);

        var manifest = await new ModelRegistry(store).GetVersionAsync(ModelRegistry.DefaultModel, version, ct);
        Assert.Contains(PredictionReference.FileName, manifest!.Sizes.Keys);
        var reference = await DriftReferences.ChampionAsync(store, cancellationToken: ct);
        Assert.NotNull(reference?.Prediction);
        Assert.Equal(JsonSerializer.Serialize(written, StoreJson.Options), JsonSerializer.Serialize(reference.Prediction, StoreJson.Options));

        // The drift check of the latest day compares served scores with it (no exposures there: reported, not judged).
        var report = await DriftChecker.CheckAsync(store, reference, cancellationToken: ct);
        Assert.Equal(PredictionDrift.Evaluation, report.Served!.Reference);
        Assert.Contains($"v{version}", report.Served.Source);
    }

    [Fact]
    public async Task ChampionRegisteredWithoutReference_DriftFallsBackToTrainingEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await GeneratedStoreAsync(ct);
        var snapshot = new FeatureSnapshotRef("fs-old", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 1_500, 60, 80, false, 0);
        var trainer = new RecommenderTrainer(store);
        var candidate = await trainer.TrainAsync(snapshot, new CandidateConfig("popularity"), "old-test:train-0", ct);
        var evaluation = await trainer.EvaluateAsync(snapshot, candidate, champion: null, "old-test:evaluate-0", ct);
        // As the pipeline registered versions before evaluations carried a prediction reference.
        var gateway = new RegistryGateway(new ModelRegistry(store), store, TimeProvider.System);
        var version = await gateway.RegisterAsync(ModelRegistry.DefaultModel, candidate, evaluation with { PredictionReferencePath = null }, snapshot, "old-test:register-0", ct);
        await new ModelRegistry(store).PromoteAsync(ModelRegistry.DefaultModel, version, new PromoteRequest { By = "test", Force = true }, ct);

        var reference = await DriftReferences.ChampionAsync(store, cancellationToken: ct);
        Assert.NotNull(reference);
        Assert.Null(reference.Prediction);
        var report = await DriftChecker.CheckAsync(store, reference, cancellationToken: ct);
        Assert.Equal(PredictionDrift.TrainingEvents, report.Served!.Reference);
        Assert.Contains("no evaluation reference", report.Served.Source);
        Assert.DoesNotContain(report.Features, f => f.Name == DriftFeatures.ServedScore);
    }

    private static async Task<IBlobStore> GeneratedStoreAsync(CancellationToken ct)
    {
        var dir = TestEnvironment.NewTempFolder("prediction-data");
        SyntheticGenerator.Generate(new GeneratorOptions { Users = 60, Items = 80, Events = 1_500, Days = 10, Seed = 3 }, dir, cancellationToken: ct);
        var store = TestEnvironment.NewFolderStore("prediction");
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, SyntheticGenerator.CatalogFileName)), ct);
        await new EventIngestor(store).IngestAsync(EventSources.File(Path.Combine(dir, SyntheticGenerator.EventsFileName), "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
        return store;
    }
}
