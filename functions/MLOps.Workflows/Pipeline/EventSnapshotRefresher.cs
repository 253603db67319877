using System.Diagnostics;
using EventLog = MLOps.Core.Data.EventLog;
using System.Security.Cryptography;
using System.Text;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// The snapshot of the accepted events when no feature store is wired: its id is a hash of the event batches it covers
/// (path and ETag), so no new events means the same snapshot; the cutoff is one second after the newest event.
/// Recorded at <c>pipeline/snapshots/&lt;id&gt;.json</c> with the batches it covers, which training reads
/// (<see cref="SnapshotTrainingInputs"/>), purged with the runs' histories (<see cref="PipelineSnapshots"/>).
/// </summary>
public sealed class EventSnapshotRefresher(IBlobStore store) : IFeatureRefresher
{
    public async Task<FeatureSnapshotRef> RefreshAsync(string stepKey, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var batches = await EventsRequired.CheckAsync(store, "to train on", cancellationToken).ConfigureAwait(false);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', batches.Select(b => $"{b.Blob.Path}|{b.Blob.ETag}"))));
        var id = "ev-" + Convert.ToHexStringLower(hash)[..16];
        var path = PipelineSnapshots.PathOf(id);
        // The log's own order, which training read before records held their batches: the same log trains the same model.
        var paths = batches.Select(b => b.Blob.Path).ToList();
        if (await store.ReadJsonAsync<Record>(path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } existing)
        {
            // A record written before records held their batches (2026-12-08): the same id is the same batches, written in now.
            if (existing.Value.Batches is null)
                await store.WriteAsync(path, Serialize(existing.Value with { Batches = paths }), WriteCondition.None, cancellationToken).ConfigureAwait(false);
            return existing.Value.Ref(reused: true, Math.Round(clock.Elapsed.TotalSeconds, 3));
        }
        long events = 0;
        var users = new HashSet<string>(StringComparer.Ordinal);
        var items = new HashSet<string>(StringComparer.Ordinal);
        var newest = DateTimeOffset.MinValue;
        await foreach (var e in EventLog.ReadAsync(store, paths, cancellationToken).ConfigureAwait(false))
        {
            events++;
            users.Add(e.UserId);
            items.Add(e.ContentId);
            if (e.Timestamp > newest) newest = e.Timestamp;
        }
        var record = new Record(id, newest.AddSeconds(1), events, users.Count, items.Count, paths);
        await store.TryCreateAsync(path, Serialize(record), cancellationToken).ConfigureAwait(false);
        return record.Ref(reused: false, Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    /// <summary>
    /// The event batches (blob paths, in the log's order) snapshot <paramref name="snapshotId"/> covers, or null when it
    /// has no record or one written before records held them.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> ReadBatchesAsync(IBlobStore store, string snapshotId, CancellationToken cancellationToken) =>
        (await store.ReadJsonAsync<Record>(PipelineSnapshots.PathOf(snapshotId), cancellationToken: cancellationToken).ConfigureAwait(false))?.Value.Batches;

    private static BinaryData Serialize(Record record) => BinaryData.FromObjectAsJson(record, StoreJson.Options);

    /// <summary>The stored record: the snapshot's figures (as <see cref="FeatureSnapshotRef"/> names them) and its batches.</summary>
    private sealed record Record(string SnapshotId, DateTimeOffset Cutoff, long Events, int Users, int Items, IReadOnlyList<string>? Batches)
    {
        public FeatureSnapshotRef Ref(bool reused, double seconds) => new(SnapshotId, Cutoff, Events, Users, Items, reused, seconds);
    }
}
