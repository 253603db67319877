using MLOps.Core;
using MLOps.Storage;
using MLOps.Core.Data;
using MLOps.Tests;

namespace MLOps.Features.Tests;

/// <summary>
/// A point-in-time item view lists only titles that existed by the cutoff: the release date, else the last day of the
/// release year (MovieLens titles carry only the year); titles with events before the cutoff are listed regardless.
/// </summary>
public sealed class PointInTimeCatalogTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task ItemView_ListsTitlesByReleaseDateOrYear_AndAgesThemFromTheSameDay()
    {
        var store = TestEnvironment.NewFolderStore("pit-catalog");
        await store.WriteAsync(CatalogStore.CurrentPath, CatalogStore.Serialize(
        [
            new CatalogItem { ContentId = "old", Title = "Old (2009)", Year = 2009, Genres = ["Drama"] },
            new CatalogItem { ContentId = "new", Title = "New (2018)", Year = 2018, Genres = ["Action"] },
            new CatalogItem { ContentId = "sameyear", Title = "Same year (2010)", Year = 2010, Genres = ["Comedy"] },
            new CatalogItem { ContentId = "rated-early", Title = "Festival (2011)", Year = 2011, Genres = ["Horror"], MaturityRating = "R" },
            new CatalogItem { ContentId = "dated", Title = "Dated", ReleaseDate = new DateOnly(2010, 3, 1), Year = 2010 },
            new CatalogItem { ContentId = "undated", Title = "Undated" },
        ]));
        var at = new DateTimeOffset(2010, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await TestData.WriteBatchAsync(store, "b0", [TestData.Play("u1", "rated-early", at), TestData.Play("u1", "old", at.AddHours(1))]);
        var features = new FeatureStore(store);
        var cutoff = new DateTimeOffset(2010, 7, 1, 0, 0, 0, TimeSpan.Zero);
        var snapshot = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);

        var items = (await features.ReadItemsAsync(snapshot.SnapshotId, Ct)).ToDictionary(i => i.ItemId);
        // 2018 and 2010 (the year has not ended by the cutoff) are not listed; a title with events is, with its catalogue data.
        Assert.Equal(["dated", "old", "rated-early", "undated"], items.Keys.Order(StringComparer.Ordinal));
        Assert.True(items["rated-early"].InCatalog);
        Assert.Equal("Horror", items["rated-early"].Genres);
        Assert.Equal("R", items["rated-early"].MaturityRating);
        // Ages: from the release date, else from 31 Dec of the year; unknown while the year has not ended, or without either.
        Assert.Equal((cutoff - new DateTimeOffset(2010, 3, 1, 0, 0, 0, TimeSpan.Zero)).TotalDays, items["dated"].AgeDays);
        Assert.Equal((cutoff - new DateTimeOffset(2009, 12, 31, 0, 0, 0, TimeSpan.Zero)).TotalDays, items["old"].AgeDays);
        Assert.Null(items["rated-early"].AgeDays);
        Assert.Null(items["undated"].AgeDays);
        var age = (await features.GetStatisticsAsync(snapshot.SnapshotId, Ct))!.Single(s => s.Name == "item.age_days");
        Assert.Equal(2, age.Nulls);
    }
}
