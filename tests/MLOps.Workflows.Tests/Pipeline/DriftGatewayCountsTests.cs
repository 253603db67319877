using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Drift;
using MLOps.Drift.Window;
using MLOps.Features;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// The DriftMonitor's summary (and the pipeline's "drift: N/M features drifted") counts as the drift share and the
/// dataset-drift alert do: judged input features. Served exposures are prediction drift, and serving's exposure log
/// does not make the champion's own training window "new".
/// </summary>
public sealed class DriftGatewayCountsTests
{
    private static readonly GeneratorOptions Stream = new() { Users = 400, Items = 200, Events = 40_000, Days = 29, Seed = 11 };
    private static readonly DateOnly WindowDay = Stream.Start.AddDays(28);
    private static readonly DateTimeOffset WindowStart = new(WindowDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static async Task<(FolderBlobStore Store, DriftGateway Gateway)> SeedAsync(DateTimeOffset championCutoff, int exposureUsers)
    {
        var store = TestEnvironment.NewFolderStore("drift-gateway");
        var dir = TestEnvironment.NewTempFolder("drift-gateway-data");
        SyntheticGenerator.Generate(Stream with { Drift = DriftSpec.Parse("genre-surge:genre=Horror,factor=20,from=28") }, dir);
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, SyntheticGenerator.CatalogFileName)));
        await new EventIngestor(store).IngestAsync(EventSources.File(Path.Combine(dir, SyntheticGenerator.EventsFileName), "csv", ColumnMap.Default, RatingScale.Default));
        var snapshot = await new FeatureStore(store).RefreshAsync(new FeatureRefreshRequest { Cutoff = championCutoff });
        await store.WriteJsonAsync("models/recommender/versions/1/manifest.json", new { version = 1, trainingSnapshot = snapshot.SnapshotId }, WriteCondition.None);
        await store.WriteJsonAsync("models/recommender/aliases/champion", new { model = "recommender", alias = "champion", version = 1 }, WriteCondition.None);
        // Serving's exposure log on the window's day, written after the snapshot (serving ran since the champion was trained).
        var text = new StringBuilder();
        for (var u = 0; u < exposureUsers; u++)
            for (var i = 0; i < 10; i++)
                text.Append(JsonSerializer.Serialize(new ViewingEvent
                {
                    EventId = $"x{u}-{i}", UserId = $"u{u}", ContentId = $"m{(u * 7 + i) % Stream.Items + 1}", EventType = EventType.Exposure,
                    Timestamp = WindowStart.AddHours(12).AddSeconds(u),
                }, StoreJson.Options)).Append('\n');
        await store.WriteTextAsync(StoreLayout.EventBatch(WindowDay, $"{StoreLayout.ExposureBatchPrefix}serve"), text.ToString());
        return (store, new DriftGateway(new DriftChecker(store), store));
    }

    [Fact]
    public async Task Summary_CountsJudgedInputFeatures_AsTheDatasetDriftShareDoes()
    {
        var (store, gateway) = await SeedAsync(championCutoff: WindowStart, exposureUsers: 300);

        var summary = await gateway.CheckAsync("drift", TestContext.Current.CancellationToken);

        var report = (await store.ReadJsonAsync<DriftReport>($"{DriftChecker.ReportsFolder}{summary.ReportId}.json"))!.Value.Value;
        var judged = report.Features.Where(f => f.Method != "none" && !DriftFeatures.IsPrediction(f.Name)).ToList();
        Assert.True(report.Features.Count > judged.Count, "some feature is served or not judged: the case the counts disagreed on");
        Assert.Equal(judged.Count, summary.Features);
        Assert.Equal(judged.Count(f => f.Drifted), summary.DriftedFeatures);
        Assert.Contains(report.Features, f => f.Name == "genre" && f.Drifted);
    }

    [Fact]
    public async Task WindowTheChampionWasTrainedOn_IsNotJudged_AlsoWhenServingLoggedExposuresThatDay()
    {
        var (_, gateway) = await SeedAsync(championCutoff: WindowStart.AddDays(1), exposureUsers: 100);

        var summary = await gateway.CheckAsync("drift", TestContext.Current.CancellationToken);

        Assert.StartsWith($"not judged: every event of the latest window {WindowDay:yyyy-MM-dd} was in the champion's training snapshot", summary.Note, StringComparison.Ordinal);
        Assert.Equal((0, 0), (summary.DriftedFeatures, summary.Features));
        Assert.False(summary.Critical);
    }
}
