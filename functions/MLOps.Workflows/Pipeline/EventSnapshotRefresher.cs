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
/// Recorded at <c>pipeline/snapshots/&lt;id&gt;.json</c>, purged with the runs' histories (<see cref="PipelineSnapshots"/>).
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
        if (await store.ReadJsonAsync<FeatureSnapshotRef>(path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } existing)
            return existing.Value with { Reused = true, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        long events = 0;
        var users = new HashSet<string>(StringComparer.Ordinal);
        var items = new HashSet<string>(StringComparer.Ordinal);
        var newest = DateTimeOffset.MinValue;
        await foreach (var e in EventLog.ReadAsync(store, batches.Select(b => b.Blob.Path), cancellationToken).ConfigureAwait(false))
        {
            events++;
            users.Add(e.UserId);
            items.Add(e.ContentId);
            if (e.Timestamp > newest) newest = e.Timestamp;
        }
        var snapshot = new FeatureSnapshotRef(id, newest.AddSeconds(1), events, users.Count, items.Count, false, Math.Round(clock.Elapsed.TotalSeconds, 3));
        await store.TryCreateAsync(path, BinaryData.FromObjectAsJson(snapshot, StoreJson.Options), cancellationToken).ConfigureAwait(false);
        return snapshot;
    }
}
