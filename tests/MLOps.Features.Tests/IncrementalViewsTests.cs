using System.Text.Json;
using MLOps.Core;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Features.Tests;

/// <summary>
/// The views of an incremental snapshot are computed from its base snapshot's view state plus the new segments; these
/// check they equal a full rebuild's bit for bit, statistics included, along a chain with every kind of step.
/// </summary>
public sealed class IncrementalViewsTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Theory]
    [InlineData(50, false)]
    [InlineData(2, false)] // histories overflow: truncation, late events older than the kept titles, titles touched again
    [InlineData(50, true)] // a warm process: each step extends the previous step's view state in memory
    public async Task ViewsExtendedDayByDay_EqualFullRebuild_FeatureByFeature_BitForBit(int historyPerUser, bool warmProcess)
    {
        // The chain lives in one store; each step's full rebuild in a second store with the same events, so the
        // rebuilds never become the snapshot the chain extends.
        var store = TestEnvironment.NewFolderStore("views-chain");
        var rebuildStore = TestEnvironment.NewFolderStore("views-chain-full");
        async Task Both(Func<IBlobStore, Task> write)
        {
            await write(store);
            await write(rebuildStore);
        }
        await Both(TestData.WriteCatalogAsync);
        await Both(s => TestData.WriteDaysAsync(s, 0, 4));
        var features = new FeatureStore(store, options: Microsoft.Extensions.Options.Options.Create(new FeatureStoreOptions { ViewStateEvery = 3, HistoryPerUser = historyPerUser })) { UseStateCache = warmProcess };
        var rebuilds = new FeatureStore(rebuildStore, options: Microsoft.Extensions.Options.Options.Create(new FeatureStoreOptions { HistoryPerUser = historyPerUser })) { UseStateCache = false };
        var previous = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(4));

        // Each step: (what arrives, the new cutoff). Late batches land in old day partitions, inside and outside the windows.
        var lateDay2 = new[] { TestData.Play("u1", "c", TestData.Day0.AddDays(2).AddHours(3), 5), TestData.Play("late-user", "a", TestData.Day0.AddDays(2).AddHours(4)) };
        var lateDay0 = new[] { TestData.Play("u2", "b", TestData.Day0.AddHours(1), 2) };
        var steps = new (Func<IBlobStore, Task> Arrive, DateTimeOffset Cutoff, string What)[]
        {
            (s => TestData.WriteDaysAsync(s, 4, 1, seed: 5), TestData.Day0.AddDays(5), "one new day"),
            (_ => Task.CompletedTask, TestData.Day0.AddDays(6), "no events, the cutoff moves a day"),
            (s => TestData.WriteDaysAsync(s, 6, 2, seed: 7), TestData.Day0.AddDays(8), "two new days"),
            (s => TestData.WriteBatchAsync(s, "late-d02", lateDay2), TestData.Day0.AddDays(8).AddHours(1), "late events two days into the log (inside every window)"),
            (s => TestData.WriteDaysAsync(s, 8, 1, seed: 11), TestData.Day0.AddDays(8).AddHours(15), "a mid-day cutoff (the day's batch is partly covered)"),
            (_ => Task.CompletedTask, TestData.Day0.AddDays(9), "the rest of that day"),
            (s => TestData.WriteBatchAsync(s, "late-d00", lateDay0), TestData.Day0.AddDays(40), "late events on the first day, cutoff 31 days on (windows empty)"),
        };
        var folded = new List<int>();
        foreach (var (arrive, cutoff, what) in steps)
        {
            await Both(arrive);
            var (snapshot, views) = await RefreshAndMaterializeAsync(features, cutoff);
            Assert.True(snapshot.Mode == "incremental", what);
            Assert.True(views.ViewStateBase == previous.Snapshot.SnapshotId, $"{what}: views folded from {views.ViewStateBase ?? "every segment"}, not from the base");
            // A view state is written once the one a snapshot starts from is 3 segments behind; in between it is shared.
            Assert.True(views.SegmentsFolded == folded.Count % 3 + 1, $"{what}: folded {views.SegmentsFolded} segments");
            Assert.Equal(views.SegmentsFolded == 3 ? FeatureStore.ViewStatePath(snapshot.SnapshotId) : previous.Views.ViewState, views.ViewState);
            folded.Add(views.SegmentsFolded);
            Assert.True(views.ViewStateFromMemory == warmProcess, $"{what}: view state from memory {views.ViewStateFromMemory}");

            var (full, fullViews) = await RefreshAndMaterializeAsync(rebuilds, cutoff, fullRebuild: true);
            Assert.Null(fullViews.ViewStateBase);
            Assert.Equal(full.EventsUsed, snapshot.EventsUsed);
            var differences = new List<string>();
            SnapshotComparer.Compare(await rebuilds.ReadUsersAsync(full.SnapshotId, Ct), await features.ReadUsersAsync(snapshot.SnapshotId, Ct), FeatureViewNames.User, differences);
            SnapshotComparer.Compare(await rebuilds.ReadItemsAsync(full.SnapshotId, Ct), await features.ReadItemsAsync(snapshot.SnapshotId, Ct), FeatureViewNames.Item, differences);
            SnapshotComparer.Compare(await rebuilds.ReadUserGenresAsync(full.SnapshotId, Ct), await features.ReadUserGenresAsync(snapshot.SnapshotId, Ct), FeatureViewNames.UserGenre, differences);
            SnapshotComparer.Compare(await rebuilds.ReadHistoryAsync(full.SnapshotId, Ct), await features.ReadHistoryAsync(snapshot.SnapshotId, Ct), FeatureViewNames.UserHistory, differences);
            Assert.True(differences.Count == 0, $"{what}: {string.Join("; ", differences.Take(5))}");
            Assert.Equal(Json(fullViews.Statistics), Json(views.Statistics));
            previous = (snapshot, views);
        }
        Assert.Equal([1, 2, 3, 1, 2, 3, 1], folded);
        Assert.Contains(await features.ReadUsersAsync(previous.Snapshot.SnapshotId, Ct), u => u.UserId == "late-user");
    }

    [Fact]
    public async Task IncrementalViews_ChangeWhereTheDefinitionsSayTheyShould()
    {
        var store = TestEnvironment.NewFolderStore("views-moves");
        await TestData.WriteCatalogAsync(store);
        var d = TestData.Day0;
        await TestData.WriteBatchAsync(store, "d0", [TestData.Play("u1", "a", d.AddHours(1)), TestData.Play("u1", "b", d.AddHours(2), 4)]);
        var features = new FeatureStore(store);
        var first = await RefreshAndMaterializeAsync(features, d.AddDays(1));
        await TestData.WriteBatchAsync(store, "d10", [TestData.Play("u1", "c", d.AddDays(10).AddHours(1))]);
        var second = await RefreshAndMaterializeAsync(features, d.AddDays(11));
        Assert.Equal(first.Snapshot.SnapshotId, second.Views.ViewStateBase);

        var genres = (await features.ReadUserGenresAsync(second.Snapshot.SnapshotId, Ct)).Where(g => g.UserId == "u1").ToDictionary(g => g.Genre);
        static double W(double ageDays) => Math.Pow(2, -ageDays / 30);
        Assert.Equal(W(11 - 1 / 24.0) + W(11 - 2 / 24.0), genres["Drama"].DecayedCount, 12);
        Assert.Equal(W(11 - 2 / 24.0), genres["Comedy"].DecayedCount, 12);
        Assert.Equal(W(1 - 1 / 24.0), genres["Horror"].DecayedCount, 12);
        var u1 = (await features.ReadUsersAsync(second.Snapshot.SnapshotId, Ct)).Single(u => u.UserId == "u1");
        Assert.Equal(3, u1.DistinctItems);
        Assert.Equal(1, u1.Events7d);
        Assert.Equal(23.0 / 24, u1.DaysSinceLast, 12);
        Assert.Equal(["a", "b", "c"], (await features.ReadHistoryAsync(second.Snapshot.SnapshotId, Ct)).Single(h => h.UserId == "u1").ItemList);
    }

    [Fact]
    public async Task ViewState_RoundTripsThroughTheStore()
    {
        var store = TestEnvironment.NewFolderStore("views-roundtrip");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 3);
        var writer = new FeatureStore(store);
        await RefreshAndMaterializeAsync(writer, TestData.Day0.AddDays(2));
        var (snapshot, views) = await RefreshAndMaterializeAsync(writer, TestData.Day0.AddDays(2).AddHours(20)); // with a partly covered batch
        Assert.NotNull(snapshot.PartialSegment);
        Assert.True(await store.ExistsAsync(views.ViewState!, Ct));
        Assert.NotEqual(FeatureStore.ViewStatePath(snapshot.SnapshotId), views.ViewState); // the first snapshot's state, plus one segment

        // The writer keeps the rows it computed; a new instance reads the persisted view state and folds the partial segment.
        var reader = new FeatureStore(store);
        var differences = new List<string>();
        SnapshotComparer.Compare(await writer.ReadUsersAsync(snapshot.SnapshotId, Ct), await reader.ReadUsersAsync(snapshot.SnapshotId, Ct), FeatureViewNames.User, differences);
        SnapshotComparer.Compare(await writer.ReadItemsAsync(snapshot.SnapshotId, Ct), await reader.ReadItemsAsync(snapshot.SnapshotId, Ct), FeatureViewNames.Item, differences);
        SnapshotComparer.Compare(await writer.ReadUserGenresAsync(snapshot.SnapshotId, Ct), await reader.ReadUserGenresAsync(snapshot.SnapshotId, Ct), FeatureViewNames.UserGenre, differences);
        SnapshotComparer.Compare(await writer.ReadHistoryAsync(snapshot.SnapshotId, Ct), await reader.ReadHistoryAsync(snapshot.SnapshotId, Ct), FeatureViewNames.UserHistory, differences);
        Assert.Empty(differences);
        Assert.Equal(snapshot.EventsUsed, (await reader.ReadUsersAsync(snapshot.SnapshotId, Ct)).Sum(u => u.EventsTotal));

        // A corrupt view state is refused, not read as zeros.
        await store.WriteAsync(views.ViewState!, BinaryData.FromBytes([9, 9, 9, 9]), cancellationToken: Ct);
        await Assert.ThrowsAsync<InvalidDataException>(() => new FeatureStore(store).ReadUsersAsync(snapshot.SnapshotId, Ct));
    }

    [Fact]
    public async Task ParquetViews_WhenEnabled_AreWrittenAndHoldTheSameRows()
    {
        var store = TestEnvironment.NewFolderStore("views-parquet");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 2);
        var features = new FeatureStore(store, options: Microsoft.Extensions.Options.Options.Create(new FeatureStoreOptions { ParquetViews = true }));
        var (snapshot, views) = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(2));
        Assert.Equal(FeatureViewNames.All.Order(), views.Files.Keys.Order());
        var blob = await store.ReadAsync(views.Files[FeatureViewNames.UserGenre], Ct);
        using var stream = blob!.Data.ToStream();
        var rows = (await Parquet.Serialization.ParquetSerializer.DeserializeAsync<UserGenreFeatures>(stream, cancellationToken: Ct)).Data;
        var differences = new List<string>();
        SnapshotComparer.Compare(await features.ReadUserGenresAsync(snapshot.SnapshotId, Ct), rows, FeatureViewNames.UserGenre, differences);
        Assert.Empty(differences);
    }

    [Fact]
    public async Task CatalogueChange_RebuildsTheViewStateFromEverySegment_AndStillEqualsFullRebuild()
    {
        var store = TestEnvironment.NewFolderStore("views-catalog");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 3);
        var features = new FeatureStore(store);
        await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(2));
        // A new genre: the base's view state has no column for it.
        await MLOps.Core.Data.CatalogStore.MergeAsync(store, [new MLOps.Core.Data.CatalogItem { ContentId = "x", Title = "X", Genres = ["Western"], ReleaseDate = new DateOnly(2020, 1, 1) }], Ct);
        var (snapshot, views) = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(3));
        Assert.Equal("incremental", snapshot.Mode);
        Assert.Null(views.ViewStateBase);
        Assert.Contains(await features.ReadUserGenresAsync(snapshot.SnapshotId, Ct), g => g.Genre == "Western");

        var (full, _) = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(3), fullRebuild: true);
        Assert.Empty(await SnapshotComparer.CompareAsync(features, full.SnapshotId, snapshot.SnapshotId, Ct));
    }

    [Fact]
    public async Task Refresh_OverSegmentsOfAnOlderFormat_RebuildsInFull()
    {
        var store = TestEnvironment.NewFolderStore("views-old-format");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 3);
        var features = new FeatureStore(store);
        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(2) }, cancellationToken: Ct);
        // Version 1 segments held floating-point sums: they cannot be extended exactly.
        var segment = (await store.ReadAsync(first.Segments[0].Path, Ct))!.Data.ToArray();
        BitConverter.GetBytes(1).CopyTo(segment, 0);
        await store.WriteAsync(first.Segments[0].Path, BinaryData.FromBytes(segment), cancellationToken: Ct);

        var next = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(3) }, cancellationToken: Ct);
        Assert.Equal("full", next.Mode);
        Assert.Equal(4, (await features.MaterializeAsync(next.SnapshotId, cancellationToken: Ct)).RowCounts[FeatureViewNames.Item]); // a, b, c and x (events, no catalogue entry); "future" is not released
    }

    [Fact]
    public async Task WarmProcess_TheNextDaysFoldLeavesTheEarlierSnapshotsRowsAsTheyWere()
    {
        // The in-memory view state is folded in place by the next day; the earlier snapshot's rows, built on first read
        // from the state it was computed with, must not see that day.
        var store = TestEnvironment.NewFolderStore("views-warm");
        var rebuildStore = TestEnvironment.NewFolderStore("views-warm-full");
        foreach (var s in new[] { store, rebuildStore })
        {
            await TestData.WriteCatalogAsync(s);
            await TestData.WriteDaysAsync(s, 0, 4);
        }
        var features = new FeatureStore(store) { UseStateCache = true };
        var (first, _) = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(4));
        await TestData.WriteDaysAsync(store, 4, 1, seed: 5);
        var (_, secondViews) = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(5));
        Assert.True(secondViews.ViewStateFromMemory);

        var (full, _) = await RefreshAndMaterializeAsync(new FeatureStore(rebuildStore) { UseStateCache = false }, TestData.Day0.AddDays(4), fullRebuild: true);
        var rebuilds = new FeatureStore(rebuildStore) { UseStateCache = false };
        var differences = new List<string>();
        SnapshotComparer.Compare(await rebuilds.ReadHistoryAsync(full.SnapshotId, Ct), await features.ReadHistoryAsync(first.SnapshotId, Ct), FeatureViewNames.UserHistory, differences);
        SnapshotComparer.Compare(await rebuilds.ReadUserGenresAsync(full.SnapshotId, Ct), await features.ReadUserGenresAsync(first.SnapshotId, Ct), FeatureViewNames.UserGenre, differences);
        Assert.True(differences.Count == 0, string.Join("; ", differences.Take(5)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Compaction_ExtendsTheViewStateFoldedFromTheSegmentsItReplaces_AndEqualsFullRebuild(bool warmProcess)
    {
        var store = TestEnvironment.NewFolderStore("views-compaction");
        var rebuildStore = TestEnvironment.NewFolderStore("views-compaction-full");
        foreach (var s in new[] { store, rebuildStore })
        {
            await TestData.WriteCatalogAsync(s);
            await TestData.WriteDaysAsync(s, 0, 10);
        }
        var options = new FeatureStoreOptions { CompactAfterSegments = 3, ViewStateEvery = 2 };
        var features = new FeatureStore(store, options: Microsoft.Extensions.Options.Options.Create(options)) { UseStateCache = warmProcess };
        var rebuilds = new FeatureStore(rebuildStore) { UseStateCache = false };
        var previous = (await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(3))).Snapshot;
        var compactions = 0;
        for (var day = 4; day <= 10; day++)
        {
            var (snapshot, views) = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(day));
            // Every step extends the previous snapshot's state, compaction days included (their segment names the files it replaces).
            Assert.True(views.ViewStateBase == previous.SnapshotId, $"day {day}: views from {views.ViewStateBase ?? "every segment"}");
            if (snapshot.Compacted)
            {
                compactions++;
                Assert.Contains(snapshot.Segments[0].Replaces!, p => p.EndsWith("/delta.bin", StringComparison.Ordinal));
                Assert.Equal(FeatureStore.ViewStatePath(snapshot.SnapshotId), views.ViewState); // written under the new names
            }
            var (full, fullViews) = await RefreshAndMaterializeAsync(rebuilds, TestData.Day0.AddDays(day), fullRebuild: true);
            var differences = await SnapshotComparer.CompareAsync(rebuilds, full.SnapshotId, features, snapshot.SnapshotId, Ct);
            Assert.True(differences.Count == 0, $"day {day}: {string.Join("; ", differences.Take(5))}");
            Assert.Equal(Json(fullViews.Statistics), Json(views.Statistics));
            previous = snapshot;
        }
        Assert.True(compactions >= 2, $"{compactions} compactions");
    }

    [Fact]
    public async Task Compaction_WhoseReplacedSegmentIsGone_FoldsFromScratch_AndEqualsFullRebuild()
    {
        var store = TestEnvironment.NewFolderStore("views-compaction-gone");
        await TestData.WriteCatalogAsync(store);
        await TestData.WriteDaysAsync(store, 0, 6);
        // The persisted state stays the first one, so the compaction's reader must fold the replaced daily segments.
        var options = new FeatureStoreOptions { CompactAfterSegments = 3, ViewStateEvery = 10 };
        var features = new FeatureStore(store, options: Microsoft.Extensions.Options.Options.Create(options)) { UseStateCache = false };
        await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(3));
        var (day1, _) = await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(4));
        await RefreshAndMaterializeAsync(features, TestData.Day0.AddDays(5));
        var compacted = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(6) }, cancellationToken: Ct);
        Assert.True(compacted.Compacted);
        Assert.Contains(day1.Segments[^1].Path, compacted.Segments[0].Replaces!);
        await store.DeleteAsync(day1.Segments[^1].Path, cancellationToken: Ct);

        var views = await features.MaterializeAsync(compacted.SnapshotId, cancellationToken: Ct);
        Assert.Null(views.ViewStateBase);
        var full = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = TestData.Day0.AddDays(6), Full = true }, cancellationToken: Ct);
        Assert.Empty(await SnapshotComparer.CompareAsync(features, full.SnapshotId, compacted.SnapshotId, Ct));
    }

    private static async Task<(FeatureSnapshotManifest Snapshot, FeatureMaterialization Views)> RefreshAndMaterializeAsync(FeatureStore features, DateTimeOffset cutoff, bool fullRebuild = false)
    {
        var snapshot = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = fullRebuild }, cancellationToken: Ct);
        return (snapshot, await features.MaterializeAsync(snapshot.SnapshotId, cancellationToken: Ct));
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, StoreJson.Options);
}
