using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>An unresolved alert that a later full check measures again without detecting is resolved by "drift-check" with a note.</summary>
public sealed class AutoResolveTests
{
    private const int ReferenceDays = 28;

    [Fact]
    public async Task ClearedFindings_AreResolvedByTheNextCheck_OnlyWhenMeasuredAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        // The genre surge and the shared account happen on day 28 only.
        await Synthetic.WriteAsync(store, ReferenceDays + 2, 2000, seed: 7, Plant.GenreSurge | Plant.AccountCountries, driftFromDay: ReferenceDays, driftUntilDay: ReferenceDays + 1);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        var day = Synthetic.DriftFrom(ReferenceDays);
        var t = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

        var first = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(day), time: new ManualClock(t), cancellationToken: ct);
        var genre = Assert.Single(first.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "genre");
        var shared = Assert.Single(first.Alerts, a => a.Kind == AlertKind.AccountSharing && a.Subject == "user:u-shared");
        Assert.Empty(first.AutoResolved);
        var alerts = new AlertStore(store);
        await alerts.AcknowledgeAsync(shared.Id, "ana", "looking", t.AddMinutes(1), ct);

        // A backfill of an earlier window measures everything but says nothing about now: nothing is resolved.
        var backfill = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(day.AddDays(-1)), time: new ManualClock(t.AddHours(1)), cancellationToken: ct);
        Assert.Empty(backfill.AutoResolved);

        // Without a reference the next day's features are not judged: the genre alert stays, the account (measured) resolves.
        var unjudged = await DriftChecker.CheckAsync(store, null, DriftWindow.Days(day.AddDays(1)), time: new ManualClock(t.AddHours(2)), cancellationToken: ct);
        var resolvedShared = Assert.Single(unjudged.AutoResolved);
        Assert.Equal(shared.Id, resolvedShared.Id);
        Assert.Equal(AlertStatus.Open, (await alerts.GetAsync(genre.Id, ct))!.Status);

        // The full check of the next day judges genre again, finds no drift, and resolves it.
        var next = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(day.AddDays(1)), time: new ManualClock(t.AddHours(3)), cancellationToken: ct);
        Assert.Empty(next.Alerts);
        Assert.Equal(genre.Id, Assert.Single(next.AutoResolved).Id);

        foreach (var (id, at, history, by) in new[] { (genre.Id, t.AddHours(3), new[] { "open", "resolved" }, next), (shared.Id, t.AddHours(2), new[] { "open", "acknowledged", "resolved" }, unjudged) })
        {
            var stored = (await alerts.GetAsync(id, ct))!;
            Assert.Equal(AlertStatus.Resolved, stored.Status);
            Assert.Equal(history, stored.History.Select(h => h.Status));
            var last = stored.History[^1];
            Assert.Equal("drift-check", last.By);
            Assert.Equal(at, last.At);
            Assert.Contains($"window {day.AddDays(1):yyyy-MM-dd}", last.Note);
            // The next day was checked, not the day of the evidence: the note said "measured this again" (found by review).
            Assert.Equal($"auto-resolved: the check of window {by.Window} (report {by.Id}) does not detect this in that window; its evidence is from window {first.Window}", last.Note);
        }
        Assert.Empty(await alerts.ListAsync(AlertStatus.Open, ct));
    }

    /// <summary>"Measured this again" is said only when the check measured the evidence's own window again (here with a looser account rule).</summary>
    [Fact]
    public async Task TheSameWindowMeasuredAgain_SaysSo()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 2, 2000, seed: 7, Plant.AccountCountries, driftFromDay: ReferenceDays, driftUntilDay: ReferenceDays + 1);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        var window = DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays));
        var t = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var first = await DriftChecker.CheckAsync(store, reference, window, time: new ManualClock(t), cancellationToken: ct);
        var shared = Assert.Single(first.Alerts, a => a.Kind == AlertKind.AccountSharing && a.Subject == "user:u-shared");

        var again = await DriftChecker.CheckAsync(store, reference, window, new DriftOptions { CountriesPerHour = 1000 }, new ManualClock(t.AddHours(1)), ct);

        Assert.Contains(again.AutoResolved, a => a.Id == shared.Id);
        Assert.Equal($"auto-resolved: the check of window {again.Window} (report {again.Id}) measured this again and no longer detects it",
            (await new AlertStore(store).GetAsync(shared.Id, ct))!.History[^1].Note);
    }

    [Fact]
    public async Task StillDetected_IsUpdatedNotResolved()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 2, 2000, seed: 7, Plant.GenreSurge, driftFromDay: ReferenceDays);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        var t = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var first = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays)), time: new ManualClock(t), cancellationToken: ct);
        var second = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays + 1)), time: new ManualClock(t.AddDays(1)), cancellationToken: ct);
        Assert.Empty(second.AutoResolved);
        var genre = Assert.Single(second.Alerts, a => a.Subject == "genre");
        Assert.Equal(Assert.Single(first.Alerts, a => a.Subject == "genre").Id, genre.Id);
        Assert.Equal(2, genre.Occurrences);
        Assert.Equal(DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays + 1)).End, genre.Evidence.WindowEnd);
    }
}
