using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Drift;
using MLOps.Drift.Alerts;
using MLOps.Features;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// DriftMonitor with the REAL drift checker and feature store on a seeded synthetic stream (29 days): the champion was
/// trained on days 0–27, day 28 is the window. Drift planted on day 28 raises critical alerts and starts
/// exactly one retrain (a second monitor returns it); the same stream without the surge starts none; and a window the
/// champion was trained on is not judged at all. The retrain is only recorded here (its run is the pipeline tests' job).
/// </summary>
public sealed class DriftMonitorRealCheckerTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly GeneratorOptions Stream = new() { Users = 400, Items = 200, Events = 40_000, Days = 29, Seed = 11 };
    private static readonly DateTimeOffset WindowStart = new(Stream.Start.AddDays(28).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private readonly FolderBlobStore _store = TestEnvironment.NewFolderStore("drift-monitor");
    private ServiceProvider? _services;
    private EmbeddedOrchestrationEngine? _engine;

    /// <summary>From day 28: Horror 20× as likely for every user, and ratings on a 1–10 scale instead of 1–5.</summary>
    private static readonly DriftSpec Planted = DriftSpec.Parse("genre-surge:genre=Horror,factor=20,from=28;rating-scale:max=10,from=28");

    [Fact]
    public async Task PlantedDrift_CriticalAlerts_StartsExactlyOneRetrain()
    {
        await SeedAsync(Stream with { Drift = Planted }, championCutoff: WindowStart);

        var first = await MonitorAsync();
        var second = await MonitorAsync();

        Assert.True(first.Drift.Critical, JsonSerializer.Serialize(first.Drift));
        Assert.Equal(OrchestrationNames.RetrainSingletonId, first.RetrainInstanceId);
        Assert.False(first.RetrainAlreadyRunning);
        Assert.Equal(OrchestrationNames.RetrainSingletonId, second.RetrainInstanceId);
        Assert.True(second.RetrainAlreadyRunning, "a second monitor while the retrain is pending returns it");
        var retrain = Assert.Single(await _engine!.ListAsync(), i => i.Name == OrchestrationNames.RetrainPipeline);
        Assert.Equal("drift", retrain.Input!.Value.GetProperty("trigger").GetString());
        var alerts = await new AlertStore(_store).ListAsync(null);
        Assert.Contains(alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "rating" && a.Severity == AlertSeverity.Critical);
        Assert.Contains(alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "genre");
        Assert.True(first.Drift.RetrainRecommended, "the drift engine itself recommends retraining (critical feature drift)");
    }

    [Fact]
    public async Task StationaryStream_NoCriticalDrift_NoRetrain()
    {
        await SeedAsync(Stream, championCutoff: WindowStart);

        var result = await MonitorAsync();

        Assert.True(result.Drift.HasReference);
        Assert.Null(result.Drift.Note); // the window was judged
        Assert.True(result.Drift.Features > 0);
        Assert.False(result.Drift.Critical, JsonSerializer.Serialize(result.Drift));
        Assert.Null(result.RetrainInstanceId);
        Assert.DoesNotContain(await _engine!.ListAsync(), i => i.Name == OrchestrationNames.RetrainPipeline);
    }

    [Fact]
    public async Task WindowTheChampionWasTrainedOn_NotJudged_NoRetrain()
    {
        await SeedAsync(Stream with { Drift = Planted }, championCutoff: WindowStart.AddDays(1));

        var result = await MonitorAsync();

        Assert.False(result.Drift.Critical);
        Assert.Contains("no new events", result.Drift.Note, StringComparison.Ordinal);
        Assert.Null(result.RetrainInstanceId);
        Assert.Empty(await new AlertStore(_store).ListAsync(null));
    }

    [Fact]
    public async Task StalledIngestion_NoNewEventsFor60h_PagesWithACriticalFreshnessAlert_ButStartsNoRetrain()
    {
        // Nothing imported since: the events were last written 60 h ago.
        await SeedAsync(Stream, championCutoff: WindowStart.AddDays(1), writtenHoursAgo: 60);

        var result = await MonitorAsync();

        Assert.Contains("no new events", result.Drift.Note, StringComparison.Ordinal);
        Assert.Contains("events last written 60.0 h ago", result.Drift.Note, StringComparison.Ordinal);
        var stalled = Assert.Single(result.Drift.Alerts);
        Assert.Equal((AlertKind.Freshness, AlertSeverity.Critical), (stalled.Kind, stalled.Severity));
        Assert.False(result.Drift.Critical, "a stall pages; it is not drift a retrain could answer");
        Assert.Null(result.RetrainInstanceId);
        Assert.DoesNotContain(await _engine!.ListAsync(), i => i.Name == OrchestrationNames.RetrainPipeline);
        Assert.Equal(AlertSeverity.Critical, Assert.Single(await new AlertStore(_store).ListAsync(AlertStatus.Open)).Severity);
    }

    [Fact]
    public async Task NewEnvironmentWithNoEvents_CompletesNotJudged_WithoutAlertsOrRetrain()
    {
        // The first hours after a deploy: the timer runs DriftMonitor on an empty store. It used to fail (3 attempts,
        // "There are no events in the store"), so every hour paged orchestration-failed until the first import.
        WireServices();

        var result = await MonitorAsync();

        Assert.Equal(DriftGateway.NoEventsNote, result.Drift.Note);
        Assert.Equal((false, false, 0), (result.Drift.HasReference, result.Drift.Critical, result.Drift.Alerts.Count));
        Assert.Null(result.RetrainInstanceId);
        Assert.Empty(await new AlertStore(_store).ListAsync(null));
    }

    /// <summary>Imports the stream, builds the champion's feature snapshot as of <paramref name="championCutoff"/> and points the champion alias at it.</summary>
    private async Task SeedAsync(GeneratorOptions options, DateTimeOffset championCutoff, double? writtenHoursAgo = null)
    {
        var dir = TestEnvironment.NewTempFolder("drift-monitor-data");
        SyntheticGenerator.Generate(options, dir);
        await new CatalogImporter(_store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, SyntheticGenerator.CatalogFileName)));
        await new EventIngestor(_store).IngestAsync(EventSources.File(Path.Combine(dir, SyntheticGenerator.EventsFileName), "csv", ColumnMap.Default, RatingScale.Default));
        // Aged before the snapshot records the batches' ETags (the folder store's ETag follows the write time).
        if (writtenHoursAgo is { } hours)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(_store.Root, "events"), "*.ndjson", SearchOption.AllDirectories))
                File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-hours));
        var snapshot = await new FeatureStore(_store).RefreshAsync(new FeatureRefreshRequest { Cutoff = championCutoff });
        // The registry's layout, reduced to what the drift reference reads: the champion alias → version → training snapshot.
        await _store.WriteJsonAsync("models/recommender/versions/1/manifest.json", new { version = 1, trainingSnapshot = snapshot.SnapshotId }, WriteCondition.None);
        await _store.WriteJsonAsync("models/recommender/aliases/champion", new { model = "recommender", alias = "champion", version = 1 }, WriteCondition.None);
        WireServices();
    }

    /// <summary>The real drift checker and feature store over the test's store, and the engine that runs DriftMonitor.</summary>
    private void WireServices()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IBlobStore>(_store);
        services.AddSingleton(new DriftChecker(_store));
        services.AddSingleton(new FeatureStore(_store));
        services.AddSingleton<IDriftGateway, DriftGateway>();
        services.AddSingleton<IOrchestrationClient>(_ => _engine!);
        _services = services.BuildServiceProvider();
        _engine = new EmbeddedOrchestrationEngine(_store, WorkflowCatalog.Create(), _services, TimeProvider.System,
            new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20) });
    }

    private async Task<DriftMonitorResult> MonitorAsync()
    {
        _engine!.RunStartedInstances = true;
        var start = await _engine.StartAsync(OrchestrationNames.DriftMonitor);
        _engine.RunStartedInstances = false; // the retrain it starts is recorded, not run
        var state = await _engine.WaitForCompletionAsync(start.InstanceId).WaitAsync(Timeout);
        Assert.True(state.RuntimeStatus == RuntimeStatus.Completed, state.Failure?.ErrorMessage);
        return state.Output!.Value.Deserialize<DriftMonitorResult>(WorkflowJson.Options)!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine is not null) await _engine.DisposeAsync();
        if (_services is not null) await _services.DisposeAsync();
    }
}
