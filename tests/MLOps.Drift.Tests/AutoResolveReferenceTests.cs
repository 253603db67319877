using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Features;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>
/// Auto-resolve clears a finding only when a check against the same reference no longer detects it: an ad-hoc check
/// against other days (<c>--reference-from/--reference-to</c>) resolved every champion alert in the reviewer's repro.
/// </summary>
public sealed class AutoResolveReferenceTests
{
    private const int ReferenceDays = 28;
    private static readonly DateOnly Drifted = Synthetic.DriftFrom(ReferenceDays);
    private static readonly DateTimeOffset T = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AnExplicitCheck_OfTheDriftedDayAgainstItself_LeavesTheChampionsAlertsOpen_TheNextChampionCheckResolvesThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        // Ratings on a 1–10 scale on day 28 only; the champion trained on days 0–27.
        await Synthetic.WriteAsync(store, ReferenceDays + 2, 2000, seed: 7, Plant.RatingScale, driftFromDay: ReferenceDays, driftUntilDay: ReferenceDays + 1);
        var cutoff = new DateTimeOffset(Drifted.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var snapshot = await new FeatureStore(store, new ManualClock(cutoff)).RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: ct);
        await store.WriteTextAsync("models/recommender/aliases/champion", """{"version":1}""", cancellationToken: ct);
        await store.WriteTextAsync("models/recommender/versions/1/manifest.json",
            $$"""{"model":"recommender","version":1,"trainingSnapshotId":"{{snapshot.SnapshotId}}"}""", cancellationToken: ct);
        var champion = (await DriftReferences.ChampionAsync(store, cancellationToken: ct))!;

        var first = await DriftChecker.CheckAsync(store, champion, DriftWindow.Days(Drifted), time: new ManualClock(T), cancellationToken: ct);
        Assert.Contains(first.Alerts, a => a.Kind == AlertKind.DataQuality && a.Subject == "rating-scale");
        Assert.Contains(first.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "rating");
        Assert.All(first.Alerts.Where(a => a.Evidence.Reference is not null), a => Assert.Equal("champion", a.Evidence.ReferenceKind));
        var alerts = new AlertStore(store);
        var open = await alerts.ListAsync(AlertStatus.Open, ct);

        // The reviewer's command: the drifted day against itself measures every feature again and detects nothing.
        var itself = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Drifted), cancellationToken: ct);
        var adHoc = await DriftChecker.CheckAsync(store, itself, DriftWindow.Days(Drifted), time: new ManualClock(T.AddHours(1)), cancellationToken: ct);
        Assert.Empty(adHoc.Alerts);
        Assert.Empty(adHoc.AutoResolved);
        Assert.Equal(open.Select(a => a.Id).Order(), (await alerts.ListAsync(AlertStatus.Open, ct)).Select(a => a.Id).Order());
        Assert.DoesNotContain("registered before", adHoc.Served!.Source);
        Assert.Contains("an explicit reference (a range of days) carries no model evaluation", adHoc.Served.Source);

        // The champion's own check of the next (normal) day clears them.
        var next = await DriftChecker.CheckAsync(store, champion, DriftWindow.Days(Drifted.AddDays(1)), time: new ManualClock(T.AddHours(2)), cancellationToken: ct);
        Assert.Equal(open.Select(a => a.Id).Order(), next.AutoResolved.Select(a => a.Id).Order());
    }

    [Fact]
    public async Task AnExplicitCheck_ThatDetectsAChampionFindingAgain_KeepsItAChampionAlert_TheNextChampionCheckResolvesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        // Horror surges on day 28 only; the champion trained on days 0–27.
        await Synthetic.WriteAsync(store, ReferenceDays + 2, 2000, seed: 7, Plant.GenreSurge, driftFromDay: ReferenceDays, driftUntilDay: ReferenceDays + 1);
        var champion = await ChampionTrainedBeforeAsync(store, ct);

        var first = await DriftChecker.CheckAsync(store, champion, DriftWindow.Days(Drifted), time: new ManualClock(T), cancellationToken: ct);
        var genre = Assert.Single(first.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "genre");
        Assert.Equal("champion", genre.Evidence.ReferenceKind);

        // On-call compares the drifted day with the two weeks before it: the same finding, against another reference.
        var twoWeeks = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start.AddDays(14), 14), cancellationToken: ct);
        var adHoc = await DriftChecker.CheckAsync(store, twoWeeks, DriftWindow.Days(Drifted), time: new ManualClock(T.AddHours(1)), cancellationToken: ct);
        var seenAgain = Assert.Single(adHoc.Alerts, a => a.Id == genre.Id);
        Assert.Equal(2, seenAgain.Occurrences);
        // It stays the champion's finding, with the champion's evidence (before: it became an explicit-range alert).
        Assert.Equal("champion", seenAgain.Evidence.ReferenceKind);
        Assert.Equal(genre.Evidence.Reference, seenAgain.Evidence.Reference);
        Assert.Equal(genre.Evidence.Psi, seenAgain.Evidence.Psi);

        // So the champion's check of the next (normal) day still resolves it.
        var next = await DriftChecker.CheckAsync(store, champion, DriftWindow.Days(Drifted.AddDays(1)), time: new ManualClock(T.AddHours(2)), cancellationToken: ct);
        Assert.Contains(next.AutoResolved, a => a.Id == genre.Id);
    }

    /// <summary>A champion (v1) whose training snapshot holds every day before the drifted one.</summary>
    private static async Task<DriftReference> ChampionTrainedBeforeAsync(IBlobStore store, CancellationToken ct)
    {
        var cutoff = new DateTimeOffset(Drifted.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var snapshot = await new FeatureStore(store, new ManualClock(cutoff)).RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: ct);
        await store.WriteTextAsync("models/recommender/aliases/champion", """{"version":1}""", cancellationToken: ct);
        await store.WriteTextAsync("models/recommender/versions/1/manifest.json",
            $$"""{"model":"recommender","version":1,"trainingSnapshotId":"{{snapshot.SnapshotId}}"}""", cancellationToken: ct);
        return (await DriftReferences.ChampionAsync(store, cancellationToken: ct))!;
    }

    [Fact]
    public async Task AnAlertRaisedAgainstOneExplicitRange_IsResolvedOnlyByACheckAgainstThatRange()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore(); // no champion at all
        await Synthetic.WriteAsync(store, ReferenceDays + 2, 2000, seed: 7, Plant.GenreSurge, driftFromDay: ReferenceDays, driftUntilDay: ReferenceDays + 1);
        var range1 = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        var range2 = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, 14), cancellationToken: ct);
        var first = await DriftChecker.CheckAsync(store, range1, DriftWindow.Days(Drifted), time: new ManualClock(T), cancellationToken: ct);
        var genre = Assert.Single(first.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "genre");
        Assert.Equal("explicit", genre.Evidence.ReferenceKind);
        var alerts = new AlertStore(store);
        await alerts.AcknowledgeAsync(genre.Id, "ana", "looking", T.AddMinutes(1), ct);

        var other = await DriftChecker.CheckAsync(store, range2, DriftWindow.Days(Drifted.AddDays(1)), time: new ManualClock(T.AddHours(1)), cancellationToken: ct);
        Assert.DoesNotContain(other.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "genre");
        Assert.DoesNotContain(other.AutoResolved, a => a.Id == genre.Id);
        Assert.Equal(AlertStatus.Acknowledged, (await alerts.GetAsync(genre.Id, ct))!.Status);
        Assert.DoesNotContain("registered before", other.Served!.Source);

        var same = await DriftChecker.CheckAsync(store, range1, DriftWindow.Days(Drifted.AddDays(1)), time: new ManualClock(T.AddHours(2)), cancellationToken: ct);
        Assert.Contains(same.AutoResolved, a => a.Id == genre.Id);
    }
}
