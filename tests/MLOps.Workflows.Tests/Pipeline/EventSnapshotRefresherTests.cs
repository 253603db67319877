using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// The <c>ev-…</c> snapshot's record lists the batches it covers, which training reads (<see cref="SnapshotTrainingInputs"/>);
/// a record an older build wrote (a hash of the log only) is given its list when a refresh reuses it.
/// </summary>
public sealed class EventSnapshotRefresherTests
{
    [Fact]
    public async Task Refresh_RecordsItsBatches_AndFillsThemIntoAnOlderRecordItReuses()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("event-snapshot");
        var day = new DateOnly(2026, 3, 1);
        foreach (var batch in new[] { "b1", "b2" })
        {
            var text = new StringBuilder();
            for (var k = 0; k < 3; k++)
                text.Append(JsonSerializer.Serialize(new ViewingEvent
                {
                    EventId = $"{batch}-{k}", UserId = $"u{k}", ContentId = "m1", EventType = EventType.Play, ViewSeconds = 60,
                    Timestamp = new DateTimeOffset(2026, 3, 1, 10, k, 0, TimeSpan.Zero),
                }, StoreJson.Options)).Append('\n');
            await store.WriteTextAsync(StoreLayout.EventBatch(day, batch), text.ToString());
        }
        var expected = new[] { StoreLayout.EventBatch(day, "b1"), StoreLayout.EventBatch(day, "b2") };

        var first = await new EventSnapshotRefresher(store).RefreshAsync("run-1:refresh", ct);

        Assert.False(first.Reused);
        Assert.Equal(6, first.Events);
        Assert.Equal(expected, await EventSnapshotRefresher.ReadBatchesAsync(store, first.SnapshotId, ct));
        // The record as builds before 2026-12-08 wrote it: the figures, no batches.
        await store.WriteTextAsync(PipelineSnapshots.PathOf(first.SnapshotId), JsonSerializer.Serialize(first, StoreJson.Options));
        Assert.Null(await EventSnapshotRefresher.ReadBatchesAsync(store, first.SnapshotId, ct));

        var again = await new EventSnapshotRefresher(store).RefreshAsync("run-2:refresh", ct);

        Assert.True(again.Reused);
        Assert.Equal((first.SnapshotId, first.Cutoff, 6L), (again.SnapshotId, again.Cutoff, again.Events));
        Assert.Equal(expected, await EventSnapshotRefresher.ReadBatchesAsync(store, first.SnapshotId, ct));
    }
}
