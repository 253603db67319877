using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MLOps.Core;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Embedded;

/// <summary>
/// Where an instance's record (status and history) lives, <c>orchestrations/&lt;id&gt;/instance.json</c>, and how it is
/// read and checkpointed: a compare-and-swap on the blob's ETag, create-only for a new record. Kept apart from the engine
/// so the blob layout and the tolerance of damaged records change here, not in the worker loop.
/// </summary>
internal sealed partial class InstanceRecords(IBlobStore store, ILogger log, Action throwIfCrashed)
{
    /// <summary>Damaged records: each logged once, not every scan.</summary>
    private readonly ConcurrentDictionary<string, byte> _unreadableReported = new(StringComparer.Ordinal);

    public static string InstancePath(string id) => $"{StoreLayout.Orchestrations}{id}/instance.json";

    public async Task<(InstanceRecord Record, BlobETag ETag)?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        EmbeddedOrchestrationEngine.ValidateInstanceId(id);
        var read = await store.ReadJsonAsync<InstanceRecord>(InstancePath(id), WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
        return read is { } r ? (r.Value, r.ETag) : null;
    }

    /// <summary>Writes the record if it is still at <paramref name="etag"/> (null: only if none exists); a crashed engine writes nothing.</summary>
    public async Task<BlobETag> SaveAsync(InstanceRecord record, BlobETag? etag, CancellationToken cancellationToken)
    {
        throwIfCrashed();
        return await store.WriteJsonAsync(InstancePath(record.InstanceId), record,
            etag is { } e ? WriteCondition.Match(e) : WriteCondition.CreateOnly, WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
    }

    public async Task<List<InstanceRecord>> ListRecordsAsync(CancellationToken cancellationToken)
    {
        var records = new List<InstanceRecord>();
        foreach (var blob in await store.ListAllAsync(StoreLayout.Orchestrations, cancellationToken).ConfigureAwait(false))
        {
            if (!blob.Path.EndsWith("/instance.json", StringComparison.Ordinal)) continue;
            try
            {
                var read = await store.ReadJsonAsync<InstanceRecord>(blob.Path, WorkflowJson.Options, cancellationToken).ConfigureAwait(false);
                if (read is { } r) records.Add(r.Value);
            }
            catch (JsonException e)
            {
                // One damaged record must not stop the host (its schedules, every other instance) or the instance list.
                ReportUnreadable(blob.Path, e.Message);
            }
        }
        return records;
    }

    /// <summary>Logs a record (or index marker) that cannot be read, once per path and process.</summary>
    public void ReportUnreadable(string path, string message)
    {
        if (_unreadableReported.TryAdd(path, 0)) LogUnreadableRecord(log, path, message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orchestration record {Path} is unreadable and skipped (repair or delete it): {Message}")]
    private static partial void LogUnreadableRecord(ILogger logger, string path, string message);
}
