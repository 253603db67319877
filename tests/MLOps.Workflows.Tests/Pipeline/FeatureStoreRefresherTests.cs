using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Features;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// The pipeline's refresh step reuses the latest snapshot when no event batch arrived since (no new empty snapshot per
/// run), and its "reused" flag is true exactly when the snapshot it returns already existed.
/// </summary>
public sealed class FeatureStoreRefresherTests
{
    private static readonly DateTimeOffset Day0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task WriteBatchAsync(IBlobStore store, string batch, DateTimeOffset at, int events, EventType type = EventType.Play)
    {
        var text = new StringBuilder();
        for (var k = 0; k < events; k++)
            text.Append(JsonSerializer.Serialize(new ViewingEvent
            {
                EventId = $"{batch}-{k}", UserId = $"u{k % 5}", ContentId = $"m{k % 7}", EventType = type, ViewSeconds = 600, Timestamp = at.AddMinutes(k),
            }, StoreJson.Options)).Append('\n');
        await store.WriteTextAsync(StoreLayout.EventBatch(DateOnly.FromDateTime(at.UtcDateTime), batch), text.ToString());
    }

    [Fact]
    public async Task NoNewEvents_ReusesTheLatestSnapshot_AndSaysSo_NewEvents_MakeANewOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("feature-refresher");
        await WriteBatchAsync(store, "d0", Day0.AddHours(1), 30);
        var clock = new FakeTimeProvider(Day0.AddDays(1));
        var features = new FeatureStore(store, clock);
        var refresher = new FeatureStoreRefresher(features, store, clock);

        var first = await refresher.RefreshAsync("run-1", ct);
        Assert.False(first.Reused);

        // A later run with nothing new: the same snapshot, no new segment, flagged reused.
        clock.Advance(TimeSpan.FromMinutes(25));
        var again = await refresher.RefreshAsync("run-2", ct);
        Assert.Equal(first.SnapshotId, again.SnapshotId);
        Assert.True(again.Reused);
        Assert.Equal(first.Cutoff, again.Cutoff);
        Assert.Single((await features.GetStatusAsync(ct)).Snapshots);

        // New events: a new snapshot, not reused.
        await WriteBatchAsync(store, "d1", Day0.AddDays(1).AddHours(1), 10);
        clock.Advance(TimeSpan.FromDays(1));
        var next = await refresher.RefreshAsync("run-3", ct);
        Assert.NotEqual(first.SnapshotId, next.SnapshotId);
        Assert.False(next.Reused);
        Assert.Equal(40, next.Events);
    }

    [Fact]
    public async Task EmptyStore_FailsWithoutWritingASnapshot()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("feature-refresher-empty");
        var clock = new FakeTimeProvider(Day0);
        var features = new FeatureStore(store, clock);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new FeatureStoreRefresher(features, store, clock).RefreshAsync("run-1", ct));

        Assert.Equal("the store holds no events to train on: import some first (mlops import movielens-100k DIR, mlops import events FILE, or mlops demo).", error.Message);
        Assert.Null(await features.GetLatestAsync(ct));
        Assert.Empty(await store.ListAllAsync(StoreLayout.Features, ct));
    }

    /// <summary>
    /// A store whose events all lie after the refresh's cutoff has events, so the step says that and names the first (it said
    /// "import or generate events first" until 2026-12-08); one whose events before the cutoff are neither plays nor
    /// ratings says that.
    /// </summary>
    [Theory]
    [InlineData(EventType.Play, 1, "the store holds no events before the snapshot's cutoff 2026-03-01 00:00:00Z (the time the refresh ran): the first event is at 2026-03-01 01:00:00Z; nothing to train on until a later cutoff.")]
    [InlineData(EventType.Impression, -1, "the store holds no play or rating before the snapshot's cutoff 2026-03-01 00:00:00Z: the events before it (the first at 2026-02-28 23:00:00Z) are of other types; nothing to train on.")]
    public async Task NoPlayOrRatingBeforeTheCutoff_SaysWhy_NotThatTheStoreIsEmpty(EventType type, int hours, string said)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("feature-refresher-late");
        await WriteBatchAsync(store, "d0", Day0.AddHours(hours), 3, type);
        var clock = new FakeTimeProvider(Day0);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new FeatureStoreRefresher(new FeatureStore(store, clock), store, clock).RefreshAsync("run-1", ct));

        Assert.Equal(said, error.Message);
    }
}
