using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift.Decay;
using MLOps.Drift.Window;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>The figures on-call reads: how many features drifted out of how many, and why decay had too few lists.</summary>
public sealed class FeatureCountAndDecayNoteTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The drift share counts judged input features; the report says so in figures, so the pipeline summary, the DriftMonitor
    /// and the dataset-drift alert no longer count not-judged or served features ("2 of 7" beside an alert's "1 of 1").
    /// </summary>
    [Fact]
    public async Task Report_CountsJudgedInputFeatures_AsTheDriftShareDoes()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 29, 2000, seed: 7, Plant.GenreSurge, driftFromDay: 28);
        await Synthetic.WriteServedAsync(store, 29, 200, seed: 8, followRate: 0.3, plant: Plant.ServedTail, driftFromDay: 28);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, 28), cancellationToken: ct);

        var report = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.DriftFrom(28)), cancellationToken: ct);

        var judged = report.Features.Where(f => f.Method != "none" && !DriftFeatures.IsPrediction(f.Name)).ToList();
        Assert.Contains(report.Features, f => DriftFeatures.IsPrediction(f.Name) && f.Drifted); // served tail: counted apart
        Assert.True(report.Features.Count > judged.Count);
        Assert.Equal(judged.Count, report.JudgedFeatures);
        Assert.Equal(judged.Count(f => f.Drifted), report.DriftedFeatures);
        Assert.Equal((double)report.DriftedFeatures / report.JudgedFeatures, report.DriftShare);
    }

    /// <summary>
    /// 9,430 exposures in the store and "0 served lists": the lists were served outside the cohort the check judges (the
    /// window's day minus the 7-day horizon), not missing because no experiment ran. The note says which days the log holds.
    /// </summary>
    [Fact]
    public async Task TooFewLists_TheNoteNamesTheCohortAndTheDaysTheExposureLogHolds_NotExperimentsOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 10, 500, seed: 3);
        var served = Synthetic.Start.AddDays(30);
        var text = new StringBuilder();
        for (var u = 0; u < 300; u++)
            for (var i = 0; i < 10; i++)
                text.Append(JsonSerializer.Serialize(new ViewingEvent
                {
                    EventId = $"x{u}-{i}", UserId = $"u{u}", ContentId = $"c{i}", EventType = EventType.Exposure,
                    Timestamp = new DateTimeOffset(served.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero),
                }, StoreJson.Options)).Append('\n');
        await store.WriteTextAsync(StoreLayout.EventBatch(served, $"{StoreLayout.ExposureBatchPrefix}serve"), text.ToString(), cancellationToken: ct);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, 9), cancellationToken: ct);

        var report = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.Start.AddDays(9)), cancellationToken: ct);

        var decay = report.Decay!;
        Assert.Equal(DecayCheck.InsufficientData, decay.Status);
        Assert.Equal(0, decay.ServedLists);
        Assert.DoesNotContain("when serving runs an experiment", decay.Note, StringComparison.Ordinal);
        Assert.StartsWith("insufficient data: 0 served lists in 2024-03-03, 200 needed", decay.Note, StringComparison.Ordinal);
        Assert.Contains("the lists served 7 days before the window, whose horizon has passed", decay.Note, StringComparison.Ordinal);
        Assert.Contains("serving's exposure log holds 2024-03-31", decay.Note, StringComparison.Ordinal);
    }
}
