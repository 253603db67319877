using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Serving.Experiments;

/// <summary>A served title and the model's score of it (null when a fallback, not the model, put it in the list).</summary>
public readonly record struct ServedItem(string ContentId, double? Score);

/// <summary>
/// Exposures (which variant showed which titles to whom) become events in the log. Requests only enqueue;
/// a background loop writes a batch blob per day every second. When the queue is full, exposures are dropped
/// and counted (mlops.serving.exposures.dropped) rather than slowing requests.
/// </summary>
public sealed partial class ExposureLog(IBlobStore store, TimeProvider time, ILogger<ExposureLog> logger) : BackgroundService
{
    private static readonly Counter<long> Dropped = Telemetry.Meter.CreateCounter<long>(
        "mlops.serving.exposures.dropped", "{event}", "Exposure events dropped because the write queue was full.");

    private readonly Channel<ViewingEvent> _queue = Channel.CreateBounded<ViewingEvent>(new BoundedChannelOptions(100_000)
    {
        // Wait, not DropWrite: with DropWrite TryWrite drops silently and still answers true, so nothing was ever counted.
        // TryWrite never waits: when the queue is full it answers false and the exposure is counted as dropped below.
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether a list served to this user outside any experiment is logged: a stable share <paramref name="rate"/> of users.</summary>
    public static bool Sampled(string userId, double rate) =>
        rate >= 1 || (rate > 0 && ExperimentService.Bucket("exposure-sample", userId) < rate);

    public void Log(string experiment, string variant, string userId, IEnumerable<string> contentIds) =>
        Log(experiment, variant, userId, contentIds.Select(id => new ServedItem(id, null)), null);

    /// <summary>
    /// One exposure per served title, with the model's score when the model chose it (null for fallback titles) and the
    /// model that served the list: drift compares these scores with the champion's evaluation (docs/drift.md).
    /// Experiment and variant are null for a list served outside any experiment.
    /// </summary>
    public void Log(string? experiment, string? variant, string userId, IEnumerable<ServedItem> items, string? model)
    {
        var now = time.GetUtcNow();
        foreach (var item in items)
            if (!_queue.Writer.TryWrite(new ViewingEvent
            {
                EventId = $"exp-{Guid.NewGuid():N}",
                UserId = userId,
                ContentId = item.ContentId,
                Timestamp = now,
                EventType = EventType.Exposure,
                Experiment = experiment,
                Variant = variant,
                Score = item.Score,
                Model = item.Score is null ? null : model,
            }))
                Dropped.Add(1);
    }

    private readonly SemaphoreSlim _flushing = new(1, 1);
    private (string Id, List<ViewingEvent> Events)? _failed; // a batch whose write failed: retried first, under its id

    /// <summary>
    /// Writes everything queued so far (the loop calls it; tests call it to avoid waiting). One flush at a time, so a
    /// caller also waits for a batch the loop has already taken off the queue and is still writing.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (id, batch) = _failed ?? ($"{StoreLayout.ExposureBatchPrefix}{time.GetUtcNow():yyyyMMddHHmmss}-{Guid.NewGuid():N}", new List<ViewingEvent>());
            // A failed batch is retried exactly as it was: some of its day blobs may exist already, and an existing blob
            // is taken as holding the same events, so anything added to the batch now would be lost for those days.
            if (_failed is null)
                while (batch.Count < 50_000 && _queue.Reader.TryRead(out var e)) batch.Add(e);
            _failed = null;
            if (batch.Count == 0) return;
            try
            {
                foreach (var day in batch.GroupBy(e => DateOnly.FromDateTime(e.Timestamp.UtcDateTime)))
                {
                    var text = new StringBuilder();
                    foreach (var e in day) text.Append(JsonSerializer.Serialize(e, StoreJson.Options)).Append('\n');
                    try
                    {
                        await store.WriteTextAsync(StoreLayout.EventBatch(day.Key, id), text.ToString(), WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
                    }
                    catch (BlobConditionFailedException)
                    {
                        // A retried batch: this day's blob was written before the failure (same id, same events).
                    }
                }
            }
            catch
            {
                _failed = (id, batch); // nothing is lost: the same batch, under the same id, goes first next time
                throw;
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(FlushInterval, stoppingToken).ConfigureAwait(false);
                try { await FlushAsync(stoppingToken).ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OperationCanceledException) { LogFlushFailed(ex); }
            }
        }
        catch (OperationCanceledException) { }
        // Shutdown: write everything still queued (a retried batch and the 50 000-event batches behind it).
        while (_failed is not null || _queue.Reader.Count > 0)
        {
            try { await FlushAsync(CancellationToken.None).ConfigureAwait(false); }
            catch (Exception ex) { LogFlushFailed(ex); return; }
        }
    }

    [LoggerMessage(LogLevel.Error, "Writing exposure events failed; they stay queued for the next flush.")]
    private partial void LogFlushFailed(Exception ex);
}
