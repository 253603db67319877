using MLOps.Core;
using MLOps.Storage;
using MLOps.Core.Data;
using MLOps.Tests;

namespace MLOps.Features.Tests;

/// <summary>
/// Decay weights of events many half-lives before the decay anchor must not underflow: a user whose events are years
/// old keeps genre shares that sum to 1 and a top genre, and the incremental chain still equals a full rebuild when one
/// aggregate mixes events decades of half-lives apart (docs/features.md, "Equality with a full rebuild").
/// </summary>
public sealed class DormantUserDecayTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static DateTimeOffset At(int y, int m, int d) => new(y, m, d, 12, 0, 0, TimeSpan.Zero);

    private static async Task<(FeatureStore Features, IBlobStore Store)> SeedAsync(string name)
    {
        var store = TestEnvironment.NewFolderStore(name);
        await store.WriteAsync(CatalogStore.CurrentPath, CatalogStore.Serialize(
        [
            new CatalogItem { ContentId = "h1", Title = "H1", Genres = ["Horror"] },
            new CatalogItem { ContentId = "h2", Title = "H2", Genres = ["Horror"] },
            new CatalogItem { ContentId = "d1", Title = "D1", Genres = ["Drama"] },
        ]));
        // 'old' watched only in 2012 (~100 half-lives before the 2020 cutoff); 'mixed' in 2012, 2015 and 2019.
        await TestData.WriteBatchAsync(store, "b2012a", [TestData.Play("old", "h1", At(2012, 1, 10)), TestData.Play("old", "h2", At(2012, 1, 10)), TestData.Play("mixed", "h1", At(2012, 1, 10))]);
        await TestData.WriteBatchAsync(store, "b2012b", [TestData.Play("old", "d1", At(2012, 1, 20), 4)]);
        await TestData.WriteBatchAsync(store, "b2015", [TestData.Play("mixed", "h1", At(2015, 5, 1)), TestData.Play("mixed", "d1", At(2015, 5, 2))]);
        await TestData.WriteBatchAsync(store, "b2019", [TestData.Play("mixed", "d1", At(2019, 12, 1)), TestData.Play("recent", "h2", At(2019, 12, 30))]);
        return (new FeatureStore(store), store);
    }

    private static double W(DateTimeOffset cutoff, DateTimeOffset t) => Math.Pow(2, -(cutoff - t).TotalDays / 30);

    [Fact]
    public async Task OldEvents_KeepTheirDecayedShares_AndTopGenre()
    {
        var (features, _) = await SeedAsync("dormant");
        var cutoff = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var snapshot = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);

        var users = (await features.ReadUsersAsync(snapshot.SnapshotId, Ct)).ToDictionary(u => u.UserId);
        Assert.Equal("Horror", users["old"].TopGenre); // two Horror plays against one Drama ten days later
        var genres = (await features.ReadUserGenresAsync(snapshot.SnapshotId, Ct)).Where(g => g.UserId == "old").ToDictionary(g => g.Genre);
        var horror = 2 * W(cutoff, At(2012, 1, 10));
        var drama = W(cutoff, At(2012, 1, 20));
        Assert.Equal(1.0, genres["Horror"].DecayedCount / horror, 9);
        Assert.Equal(1.0, genres["Drama"].DecayedCount / drama, 9);
        Assert.Equal(horror / (horror + drama), genres["Horror"].Affinity, 12);
        Assert.Equal(1.0, genres.Values.Sum(g => g.Affinity), 12);

        // 'mixed': Drama in 2019 dominates; the 2012 Horror play is far below a double's resolution of it.
        Assert.Equal("Drama", users["mixed"].TopGenre);
        var mixed = (await features.ReadUserGenresAsync(snapshot.SnapshotId, Ct)).Where(g => g.UserId == "mixed").ToDictionary(g => g.Genre);
        Assert.Equal(1.0, mixed["Drama"].DecayedCount / (W(cutoff, At(2019, 12, 1)) + W(cutoff, At(2015, 5, 2))), 9);
        Assert.Equal(1.0, mixed["Horror"].DecayedCount / (W(cutoff, At(2015, 5, 1)) + W(cutoff, At(2012, 1, 10))), 9);
        Assert.Equal(1.0, mixed.Values.Sum(g => g.Affinity), 12);

        var statistics = (await features.GetStatisticsAsync(snapshot.SnapshotId, Ct))!;
        Assert.Equal(0, statistics.Single(s => s.Name == "user.top_genre").Nulls);
        Assert.True(statistics.Single(s => s.Name == "user_genre.decayed_count").Min > 0);
    }

    [Fact]
    public async Task IncrementalChain_OverEventsYearsApart_EqualsAFullRebuild_BitForBit()
    {
        var (features, store) = await SeedAsync("dormant-chain");
        var first = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) }, cancellationToken: Ct);
        await features.MaterializeAsync(first.SnapshotId, cancellationToken: Ct);

        // Late batches into old partitions (2013, 2017) and a new day: their events fall into aggregates whose newest
        // events are years later or earlier, i.e. into every era the sums keep, and below them.
        await TestData.WriteBatchAsync(store, "late2013", [TestData.Play("old", "h1", At(2013, 3, 1)), TestData.Play("mixed", "h2", At(2013, 3, 1))]);
        await TestData.WriteBatchAsync(store, "late2017", [TestData.Play("old", "d1", At(2017, 7, 1)), TestData.Play("mixed", "h1", At(2017, 7, 1))]);
        await TestData.WriteBatchAsync(store, "b2020", [TestData.Play("recent", "h1", At(2020, 1, 1)), TestData.Play("old", "h2", At(2020, 1, 1))]);
        var cutoff = new DateTimeOffset(2020, 1, 2, 0, 0, 0, TimeSpan.Zero);
        var incremental = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: Ct);
        var full = await features.RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff, Full = true }, cancellationToken: Ct);

        Assert.Equal("incremental", incremental.Mode);
        Assert.Empty(await SnapshotComparer.CompareAsync(features, full.SnapshotId, incremental.SnapshotId, Ct));
        Assert.Equal("Horror", (await features.ReadUsersAsync(incremental.SnapshotId, Ct)).Single(u => u.UserId == "old").TopGenre);
    }
}
