using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Features.Tests;

public sealed class FeatureStoreTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Refresh_EventsAfterCutoff_NeverChangeTheSnapshot()
    {
        var store = TestEnvironment.NewFolderStore("leak");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 4);
        var features = new FeatureStore(store);
        var cutoff = TestData.Day0.AddDays(3).AddHours(12);
        var before = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = true }, cancellationToken: Ct);

        // Later events: same day after the cutoff, the cutoff instant itself, and later days; plus a new user and title.
        await TestData.WriteBatchAsync(store, "late-same-day", [TestData.Play("u1", "a", cutoff), TestData.Play("u1", "b", cutoff.AddMinutes(5), 1), TestData.Play("new-user", "c", cutoff.AddHours(1))]);
        await TestData.WriteDaysAsync(store, 4, 2, seed: 9);
        var after = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = true }, cancellationToken: Ct);

        Assert.NotEqual(before.SnapshotId, after.SnapshotId);
        Assert.Equal(before.EventsUsed, after.EventsUsed);
        Assert.True(after.EventsAfterCutoff >= 3);
        Assert.Empty(await SnapshotComparer.CompareAsync(features, before.SnapshotId, after.SnapshotId, Ct));
        Assert.DoesNotContain(await features.ReadUsersAsync(after.SnapshotId, Ct), u => u.UserId == "new-user");
    }

    [Fact]
    public async Task Refresh_AtTheSameCutoffOverTheSameInputs_ReturnsTheSameSnapshot_NotAnEmptySegment()
    {
        var store = TestEnvironment.NewFolderStore("same-cutoff");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 4);
        var features = new FeatureStore(store);
        var cutoff = TestData.Day0.AddDays(2).AddHours(12); // day 2's batch is partial: read again by every refresh

        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);
        var again = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);
        var third = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);

        Assert.Equal(first.SnapshotId, again.SnapshotId);
        Assert.Equal(first.SnapshotId, third.SnapshotId);
        Assert.Equal(first.Segments.Count, third.Segments.Count);
        Assert.Equal(first.SnapshotId, (await features.GetLatestAsync(Ct))!.SnapshotId);

        // New data before the cutoff is a new snapshot.
        await TestData.WriteBatchAsync(store, "late", [TestData.Play("u1", "a", cutoff.AddHours(-1))]);
        var later = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);
        Assert.NotEqual(first.SnapshotId, later.SnapshotId);
        Assert.Equal(first.EventsUsed + 1, later.EventsUsed);
    }

    /// <summary>
    /// A refresh killed between writing its manifest and moving <c>latest.json</c>: the retry found the snapshot, said
    /// "already exists" and left "latest" on the older one for good. The retry now finishes the move.
    /// </summary>
    [Fact]
    public async Task Refresh_KilledBeforeTheLatestPointerMoved_TheRetryMovesIt()
    {
        var store = TestEnvironment.NewFolderStore("pointer");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 4);
        var features = new FeatureStore(store);
        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2) }, cancellationToken: Ct);
        var olderPointer = (await store.ReadAsync(FeatureStore.LatestPath, Ct))!.Data;
        var second = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(3) }, cancellationToken: Ct);
        await store.WriteAsync(FeatureStore.LatestPath, olderPointer, WriteCondition.None, Ct); // the kill: pointer never moved

        Assert.Equal(first.SnapshotId, (await features.GetLatestAsync(Ct))!.SnapshotId);
        var retry = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(3) }, cancellationToken: Ct);

        Assert.Equal(second.SnapshotId, retry.SnapshotId);
        Assert.Equal(second.SnapshotId, (await features.GetLatestAsync(Ct))!.SnapshotId);
    }

    [Fact]
    public async Task Refresh_ACutoffInTheFuture_IsRefused_SoItCannotPinLatest()
    {
        var store = TestEnvironment.NewFolderStore("future");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 2);
        var features = new FeatureStore(store);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => features.RefreshAsync(new FeatureRefreshRequest { Cutoff = DateTimeOffset.UtcNow.AddDays(1) }, cancellationToken: Ct));

        Assert.Contains("is in the future", error.Message);
        Assert.Null(await features.GetLatestAsync(Ct));
        var now = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = DateTimeOffset.UtcNow.AddMinutes(1) }, cancellationToken: Ct); // within the clock-skew allowance
        Assert.Equal(now.SnapshotId, (await features.GetLatestAsync(Ct))!.SnapshotId);
    }

    [Fact]
    public async Task IncrementalRefresh_ReadsOnlyNewBatches_AndEqualsFullRebuild()
    {
        var store = TestEnvironment.NewFolderStore("incr");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 5);
        var features = new FeatureStore(store) { UseStateCache = false }; // read the state back from the store
        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(5) }, cancellationToken: Ct);
        Assert.Equal("full", first.Mode);

        await TestData.WriteDaysAsync(store, 5, 2, seed: 3);
        var cutoff = TestData.Day0.AddDays(7);
        var incremental = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);
        var full = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = true }, cancellationToken: Ct);

        Assert.Equal("incremental", incremental.Mode);
        Assert.Equal(first.SnapshotId, incremental.BaseSnapshotId);
        Assert.Equal(40 * (2 + 1), incremental.EventsRead); // day 5: 2 batches, day 6: 1 batch, 40 events each
        Assert.Equal(full.EventsUsed, incremental.EventsUsed);
        Assert.Equal(full.Watermark.Batches.Select(b => b.Path).Order(), incremental.Watermark.Batches.Select(b => b.Path).Order());
        Assert.Empty(await SnapshotComparer.CompareAsync(features, full.SnapshotId, incremental.SnapshotId, Ct));
        var (fullStats, incrementalStats) = ((await features.GetStatisticsAsync(full.SnapshotId, Ct))!, (await features.GetStatisticsAsync(incremental.SnapshotId, Ct))!);
        Assert.Equal(fullStats.Select(s => (s.Name, s.Count, s.Mean)), incrementalStats.Select(s => (s.Name, s.Count, s.Mean)));
    }

    [Fact]
    public async Task IncrementalRefresh_AppendsOneSegment_CompactsAfterTheLimit_AndStillEqualsFullRebuild()
    {
        var store = TestEnvironment.NewFolderStore("segments");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 6);
        var features = new FeatureStore(store, options: Microsoft.Extensions.Options.Options.Create(new FeatureStoreOptions { CompactAfterSegments = 2 })) { UseStateCache = false };
        var chain = new List<FeatureSnapshotManifest>();
        for (var day = 3; day <= 6; day++)
            chain.Add(await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(day) }, cancellationToken: Ct));

        // full, +1 segment, compacted into 1, +1 segment; an appended segment holds only the day just read.
        Assert.Equal([1, 2, 1, 2], chain.Select(m => m.Segments.Count));
        Assert.Equal([false, false, true, false], chain.Select(m => m.Compacted));
        Assert.Equal(chain[1].EventsRead, chain[1].Segments[^1].Events);
        Assert.Equal(chain[0].Segments[0], chain[1].Segments[0]);
        var full = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(6), Full = true }, cancellationToken: Ct);
        Assert.Equal(full.EventsUsed, chain[^1].EventsUsed);
        Assert.Empty(await SnapshotComparer.CompareAsync(features, full.SnapshotId, chain[^1].SnapshotId, Ct));
        var fullAtCompaction = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = chain[2].Cutoff, Full = true }, cancellationToken: Ct);
        Assert.Empty(await SnapshotComparer.CompareAsync(features, fullAtCompaction.SnapshotId, chain[2].SnapshotId, Ct));
    }

    [Fact]
    public async Task Views_ReadAfterTheCatalogueChanged_UseTheCatalogueOfRefreshTime()
    {
        var store = TestEnvironment.NewFolderStore("frozen-catalog");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 2);
        var features = new FeatureStore(store);
        var snapshot = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2) }, cancellationToken: Ct);
        await CatalogStore.MergeAsync(store, [new CatalogItem { ContentId = "a", Title = "A", Genres = ["Western"], ReleaseDate = new DateOnly(2020, 1, 1) }], Ct);

        var a = (await features.ReadItemsAsync(snapshot.SnapshotId, Ct)).Single(i => i.ItemId == "a");
        Assert.Equal(["Drama"], a.GenreList);
        Assert.Equal("PG", a.MaturityRating);
    }

    [Fact]
    public async Task IncrementalRefresh_AfterMidDayCutoff_RereadsThePartlyCoveredBatch()
    {
        var store = TestEnvironment.NewFolderStore("midday");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 3);
        var features = new FeatureStore(store);
        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2).AddHours(9) }, cancellationToken: Ct);
        Assert.NotEmpty(first.Watermark.PartialBatches);

        var cutoff = TestData.Day0.AddDays(3);
        var incremental = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);
        var full = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = true }, cancellationToken: Ct);
        Assert.Equal("incremental", incremental.Mode);
        Assert.Empty(incremental.Watermark.PartialBatches);
        Assert.Empty(await SnapshotComparer.CompareAsync(features, full.SnapshotId, incremental.SnapshotId, Ct));
    }

    [Fact]
    public async Task Refresh_ComputesDocumentedDefinitions()
    {
        var store = TestEnvironment.NewFolderStore("defs");
        await TestData.WriteCatalogAsync(store);
        var d = TestData.Day0;
        await TestData.WriteBatchAsync(store, "d0", [TestData.Play("u1", "a", d.AddHours(1)), TestData.Play("u1", "b", d.AddHours(2), 4), TestData.Play("u2", "a", d.AddHours(3))]);
        await TestData.WriteBatchAsync(store, "d30", [TestData.Play("u1", "a", d.AddDays(30).AddHours(1))]);
        var features = new FeatureStore(store);
        var cutoff = d.AddDays(31);
        var snapshot = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);

        var u1 = (await features.ReadUsersAsync(snapshot.SnapshotId, Ct)).Single(u => u.UserId == "u1");
        Assert.Equal(3, u1.EventsTotal);
        Assert.Equal(2, u1.DistinctItems);
        Assert.Equal(23.0 / 24, u1.DaysSinceLast, 9);
        Assert.Equal(1, u1.Events7d);
        Assert.Equal("light", u1.ActivityLevel);
        Assert.Equal(4.0, u1.MeanRating);
        Assert.Equal("Drama", u1.TopGenre);
        Assert.Equal("PG", u1.PreferredMaturity);

        // Drama: a at day 0 h1 (twice counting the day-30 one), b at h2; half-life 30 days.
        static double W(double ageDays) => Math.Pow(2, -ageDays / 30);
        var genres = (await features.ReadUserGenresAsync(snapshot.SnapshotId, Ct)).Where(g => g.UserId == "u1").ToDictionary(g => g.Genre);
        var drama = W(31 - 1 / 24.0) + W(31 - 2 / 24.0) + W(1 - 1 / 24.0);
        var comedy = W(31 - 2 / 24.0);
        Assert.Equal(drama, genres["Drama"].DecayedCount, 9);
        Assert.Equal(comedy, genres["Comedy"].DecayedCount, 9);
        Assert.Equal(drama / (drama + comedy), genres["Drama"].Affinity, 9);

        var items = (await features.ReadItemsAsync(snapshot.SnapshotId, Ct)).ToDictionary(i => i.ItemId);
        Assert.Equal(1, items["a"].Popularity1d);
        Assert.Equal(1, items["a"].Popularity30d);
        Assert.Equal(3, items["a"].EventsTotal);
        Assert.Equal(2, items["a"].DistinctUsers);
        Assert.Equal(0, items["c"].EventsTotal); // cold-start title: present with zeros
        Assert.DoesNotContain("future", items.Keys); // not released by the cutoff
        Assert.Equal(["Comedy", "Drama"], items["b"].GenreList);

        var history = (await features.ReadHistoryAsync(snapshot.SnapshotId, Ct)).Single(h => h.UserId == "u1").ItemList;
        Assert.Equal(["b", "a"], history); // most recent last
        var statistics = (await features.GetStatisticsAsync(snapshot.SnapshotId, Ct))!;
        Assert.Contains(statistics, s => s.Name == "user.events_total" && s.Count == 2);
        Assert.Contains(statistics, s => s.Name == "item.genre" && s.Categories!["Drama"] == 2);
    }

    [Fact]
    public async Task Refresh_SameInputsTwice_ReturnsTheSameSnapshot()
    {
        var store = TestEnvironment.NewFolderStore("idem");
        await TestData.WriteDaysAsync(store, 0, 2);
        var features = new FeatureStore(store);
        var cutoff = TestData.Day0.AddDays(2);
        var a = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = true }, cancellationToken: Ct);
        var b = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = true }, cancellationToken: Ct);
        Assert.Equal(a.SnapshotId, b.SnapshotId);
        Assert.Equal(a.CreatedAt, b.CreatedAt);
    }

    [Fact]
    public async Task Refresh_ReuseWhenUpToDate_ReturnsLatestUntilNewEventsArrive()
    {
        var store = TestEnvironment.NewFolderStore("reuse");
        await TestData.WriteDaysAsync(store, 0, 2);
        var features = new FeatureStore(store);
        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2) }, cancellationToken: Ct);
        var again = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2).AddHours(5), ReuseWhenUpToDate = true }, cancellationToken: Ct);
        Assert.Equal(first.SnapshotId, again.SnapshotId);
        await TestData.WriteDaysAsync(store, 2, 1);
        var next = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(3), ReuseWhenUpToDate = true }, cancellationToken: Ct);
        Assert.NotEqual(first.SnapshotId, next.SnapshotId);
        Assert.Equal("incremental", next.Mode);
    }

    [Fact]
    public async Task OnlineStore_FlagsStaleValues_AndFollowsNewSnapshots()
    {
        var store = TestEnvironment.NewFolderStore("online");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 2);
        var clock = new ManualClock(TestData.Day0.AddDays(2).AddHours(1));
        var features = new FeatureStore(store, clock);
        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2) }, cancellationToken: Ct);
        var online = new OnlineFeatureStore(features, clock);

        var fresh = await online.GetUserAsync("u1", Ct);
        Assert.True(fresh.Found);
        Assert.False(fresh.IsStale);
        Assert.Equal(first.SnapshotId, fresh.SnapshotId);
        Assert.False((await online.GetUserAsync("nobody", Ct)).Found);
        Assert.NotEmpty((await online.GetUserHistoryAsync("u1", Ct)).Value!);
        Assert.NotEmpty((await online.GetUserGenresAsync("u1", Ct)).Value!);
        var popular = (await online.GetPopularItemsAsync(2, Ct)).Value!;
        Assert.Equal(2, popular.Count);
        Assert.True(popular[0].Popularity7d >= popular[1].Popularity7d);

        clock.Now = clock.Now.AddDays(2);
        var stale = await online.GetItemAsync("a", Ct);
        Assert.True(stale.Found);
        Assert.True(stale.IsStale);
        Assert.True(stale.Age > TimeSpan.FromDays(2));

        await TestData.WriteDaysAsync(store, 2, 2);
        var second = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(4) }, cancellationToken: Ct);
        online.Invalidate();
        var next = await online.GetUserAsync("u1", Ct);
        Assert.Equal(second.SnapshotId, next.SnapshotId);
        Assert.False(next.IsStale);
    }

    [Fact]
    public async Task Status_ReportsWatermarkAndPendingBatches()
    {
        var store = TestEnvironment.NewFolderStore("status");
        await TestData.WriteDaysAsync(store, 0, 3);
        var clock = new ManualClock(TestData.Day0.AddDays(3));
        var features = new FeatureStore(store, clock);
        Assert.Null((await features.GetStatusAsync(Ct)).LatestSnapshotId);
        await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2) }, cancellationToken: Ct);
        var status = await features.GetStatusAsync(Ct);
        Assert.Equal(new DateOnly(2026, 3, 2), status.WatermarkPartition);
        Assert.Equal(1, status.PendingBatches); // day 2 has one batch (2 % 2 == 0 -> 1 batch)
        Assert.Equal(["2026-03-03"], status.PendingPartitions);
        Assert.Equal(24, status.AgeHours);
    }
}
