using System.Diagnostics.Metrics;
using MLOps.Core;
using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Features;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>
/// A stalled ingestion leaves the latest day with events unchanged, so drift and volume see nothing: the freshness check
/// reads when events were last written (blob write times, aged here on the folder store's files) and pages without retraining.
/// </summary>
public sealed class FreshnessTests
{
    private static readonly DateTimeOffset T = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Sets the write time of every events blob whose file name starts with <paramref name="prefix"/>.</summary>
    private static void WrittenAt(FolderBlobStore store, DateTimeOffset at, string prefix = "")
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(store.Root, "events"), "*.ndjson", SearchOption.AllDirectories))
            if (Path.GetFileName(file).StartsWith(prefix, StringComparison.Ordinal)) File.SetLastWriteTimeUtc(file, at.UtcDateTime);
    }

    private static Task<DriftReport> CheckAsync(IBlobStore store, DriftReference? reference, DateTimeOffset at) =>
        DriftChecker.CheckAsync(store, reference, time: new ManualClock(at), cancellationToken: TestContext.Current.CancellationToken);

    [Fact]
    public async Task ImportsThatStop_WarnAfter26h_AreCriticalAfter50h_NeverRecommendARetrain_AndResolveWhenEventsArrive()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 4, 400, seed: 5);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, 3), cancellationToken: ct);
        WrittenAt(store, T.AddHours(-10));

        var fresh = await CheckAsync(store, reference, T);
        var late = await CheckAsync(store, reference, T.AddHours(20));
        // Serving keeps writing exposures during a stall: they do not count as imports.
        await store.WriteTextAsync(StoreLayout.EventBatch(Synthetic.Start.AddDays(3), $"{StoreLayout.ExposureBatchPrefix}20260603"), "", cancellationToken: ct);
        WrittenAt(store, T.AddHours(44), StoreLayout.ExposureBatchPrefix);
        var stalled = await CheckAsync(store, reference, T.AddHours(45));

        Assert.Equal((10.0, "none"), (fresh.Freshness!.SilenceHours, fresh.Freshness.Severity));
        Assert.DoesNotContain(fresh.Alerts, a => a.Kind == AlertKind.Freshness);
        var warning = Assert.Single(late.Alerts, a => a.Kind == AlertKind.Freshness);
        Assert.Equal((AlertSeverity.Warning, "ingestion", 30.0), (warning.Severity, warning.Subject, warning.Evidence.Score));
        Assert.Contains("No events imported for 30 h", warning.Title);
        var critical = Assert.Single(stalled.Alerts, a => a.Kind == AlertKind.Freshness);
        Assert.Equal((warning.Id, AlertSeverity.Critical, 55.0), (critical.Id, critical.Severity, critical.Evidence.Score));
        Assert.DoesNotContain(StoreLayout.ExposureBatchPrefix, stalled.Freshness!.LastBlob);
        Assert.False(stalled.RetrainRecommended, "a stalled ingestion cannot be retrained away");
        var page = Web.DriftPage.Render([stalled], stalled.Alerts, interactive: false);
        Assert.Contains("data-testid=\"freshness-summary\">Freshness: events last written <span class=\"critical\">55.0 h</span>", page);

        // Events arrive again (a new import today): the next check resolves the alert.
        await Synthetic.WriteAsync(store, 5, 400, seed: 5); // rewrites days 0–3 as they were, adds day 4
        WrittenAt(store, T.AddHours(-10));
        WrittenAt(store, T.AddHours(46), "batch-004");
        var recovered = await CheckAsync(store, reference, T.AddHours(47));
        Assert.Equal(1.0, recovered.Freshness!.SilenceHours);
        Assert.Equal(warning.Id, Assert.Single(recovered.AutoResolved, a => a.Kind == AlertKind.Freshness).Id);
    }

    [Fact]
    public async Task WithoutAChampion_AStallStillPages()
    {
        // Other alerts are never critical without a reference (they could start retraining loops); this one never retrains.
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 2, 200, seed: 5);
        WrittenAt(store, T.AddHours(-60));

        var report = await CheckAsync(store, null, T);

        Assert.Equal(AlertSeverity.Critical, Assert.Single(report.Alerts, a => a.Kind == AlertKind.Freshness).Severity);
    }

    [Fact]
    public async Task CheckFreshnessAlone_RecordsTheAlert_AndResolvesItOnceEventsAreWrittenAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 2, 200, seed: 5);
        WrittenAt(store, T.AddHours(-30));

        var (check, alert) = await new DriftChecker(store, time: new ManualClock(T)).CheckFreshnessAsync(ct);
        WrittenAt(store, T.AddHours(1));
        var (after, none) = await new DriftChecker(store, time: new ManualClock(T.AddHours(2))).CheckFreshnessAsync(ct);

        Assert.Equal((30.0, AlertSeverity.Warning), (check.SilenceHours, alert!.Severity));
        Assert.Equal((1.0, "none"), (after.SilenceHours, after.Severity));
        Assert.Null(none);
        var stored = (await new AlertStore(store).GetAsync(alert.Id, ct))!;
        Assert.Equal(AlertStatus.Resolved, stored.Status);
        Assert.Equal("drift-check", stored.History[^1].By);
    }

    [Fact]
    public async Task AStoreWithoutEvents_HasNoFreshnessToJudge()
    {
        var (check, alert) = await new DriftChecker(TestEnvironment.NewFolderStore(), time: new ManualClock(T)).CheckFreshnessAsync(TestContext.Current.CancellationToken);

        Assert.Equal((null, null, "none"), (check.LastWrite, check.SilenceHours, check.Severity));
        Assert.Null(alert);
    }
    [Fact]
    public async Task AStallInAWindowThatIsNotJudged_StillRecordsTheOpenCriticalGauge_ThatPages()
    {
        // The usual stall: the champion was trained on every event there is, so the window is not judged and only the
        // freshness check runs. The `open-critical` rule reads mlops.drift.alerts.open{severity=critical}: it must be recorded.
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 2, 200, seed: 5);
        WrittenAt(store, T.AddHours(-60)); // before the snapshot: the folder store's ETag is the write time
        var cutoff = new DateTimeOffset(Synthetic.Start.AddDays(3).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var manifest = await new FeatureStore(store, new ManualClock(cutoff)).RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: ct);
        var reference = new DriftReference { Kind = "champion", Source = "test", Snapshot = manifest.SnapshotId, Features = [] };

        var open = new List<(string Severity, long Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.Name && instrument.Name == "mlops.drift.alerts.open") l.EnableMeasurementEvents(instrument);
        };
        // Only this test's checks: the gauge is process-wide and other tests' checks record into it too.
        var mine = new AsyncLocal<bool> { Value = true };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (!mine.Value) return;
            foreach (var tag in tags) if (tag.Key == "severity") lock (open) open.Add(((string)tag.Value!, value));
        });
        listener.Start();

        var skipped = await new DriftChecker(store, time: new ManualClock(T)).NotJudgedAsync(reference, cancellationToken: ct);

        Assert.NotNull(skipped);
        Assert.Equal(AlertSeverity.Critical, Assert.Single(skipped.Alerts).Severity);
        Assert.Contains((AlertSeverity.Critical, 1L), open);
    }
}
