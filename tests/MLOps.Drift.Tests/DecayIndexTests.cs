using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift.Decay;
using MLOps.Drift.Window;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>The per-day decay index: built once per day, read by later checks instead of the events, rebuilt when a day's batches change.</summary>
public sealed class DecayIndexTests
{
    private const int ReferenceDays = 7;
    private const int Horizon = 7;
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DayIndex_ReusedByTheNextCheck_RebuiltWhenADayGainsABatch()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var days = ReferenceDays + Horizon + 1;
        await Synthetic.WriteAsync(store, days, 500, seed: 11);
        await Synthetic.WriteServedAsync(store, days, 400, seed: 12, followRate: 0.3);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct) with
        {
            OfflineHitRates = new Dictionary<string, OfflineMetric> { ["hit_rate@10"] = new(0.30) },
        };
        var checker = new DriftChecker(store, time: new ManualClock(Now));
        var window = DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays + Horizon));
        var first = (await checker.EvaluateAsync(reference, window, ct)).Report.Decay!;
        Assert.Equal(DecayCheck.Measured, first.Status);

        // The cohort day and the horizon's days, window day included, are indexed.
        var cohortDay = Synthetic.DriftFrom(ReferenceDays);
        var indexed = new List<(DateOnly Day, BlobETag ETag)>();
        for (var day = cohortDay; day <= window.FirstDay; day = day.AddDays(1))
            indexed.Add((day, Assert.IsType<BlobContent>(await store.ReadAsync(DayPlayIndex.PathOf(day), ct)).ETag));
        Assert.Equal(Horizon + 1, indexed.Count);

        var second = (await checker.EvaluateAsync(reference, window, ct)).Report.Decay!;
        Assert.Equal((first.ServedLists, first.ListsWithPlay), (second.ServedLists, second.ListsWithPlay));
        foreach (var (day, etag) in indexed)
            Assert.Equal(etag, (await store.ReadAsync(DayPlayIndex.PathOf(day), ct))!.ETag); // read, not rewritten

        // A late batch on day D+2: plays of a served title for every cohort list not yet hit. Only that day's index is rebuilt.
        var (lists, _) = await ServedListScanner.ScanAsync(store, await EventLog.ListBatchesAsync(store, ct), first.ServedFrom, first.ServedTo,
            first.ServedTo.AddDays(Horizon), 1, ct);
        var exposures = await EventLog.ReadAsync(store, cohortDay, cohortDay.AddDays(1), ct).Where(e => e.EventType == EventType.Exposure).ToListAsync(ct);
        var late = cohortDay.AddDays(2);
        var text = new System.Text.StringBuilder();
        foreach (var e in exposures.GroupBy(e => e.UserId).Select(g => g.First()))
            text.Append(JsonSerializer.Serialize(new ViewingEvent
            {
                EventId = $"late-{e.UserId}", UserId = e.UserId, ContentId = e.ContentId, EventType = EventType.Play, ViewSeconds = 600,
                Timestamp = new DateTimeOffset(late.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero),
            }, StoreJson.Options)).Append('\n');
        await store.WriteTextAsync(StoreLayout.EventBatch(late, "late"), text.ToString(), cancellationToken: ct);

        var third = (await checker.EvaluateAsync(reference, window, ct)).Report.Decay!;
        Assert.Equal(first.ServedLists, third.ServedLists);
        Assert.Equal(lists.Count, third.ListsWithPlay); // every list is now followed by a play within its horizon
        Assert.True(third.ListsWithPlay > first.ListsWithPlay);
        foreach (var (day, etag) in indexed)
            Assert.Equal(day == late, etag != (await store.ReadAsync(DayPlayIndex.PathOf(day), ct))!.ETag);
    }

    [Fact]
    public void Index_RoundTrips_AndRejectsAnotherDaysBatches()
    {
        DayEvent[] events = [new(1, 2, 3, 1), new(ulong.MaxValue, 5, long.MaxValue, 0)];
        var bytes = DayPlayIndex.Serialize(events, "events/dt=2024-03-01/a.ndjson@\"1\"").ToArray();
        Assert.Equal(events, DayPlayIndex.Parse(bytes, "events/dt=2024-03-01/a.ndjson@\"1\""));
        Assert.Null(DayPlayIndex.Parse(bytes, "events/dt=2024-03-01/a.ndjson@\"2\""));
        Assert.Null(DayPlayIndex.Parse(bytes.AsSpan(0, bytes.Length - 1), "events/dt=2024-03-01/a.ndjson@\"1\""));
    }
}
