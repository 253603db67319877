using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Core.Data;
using MLOps.Serving.Experiments;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

public sealed class ExposureLogTests
{
    /// <summary>A clock the test moves.</summary>

    /// <summary>A store whose first write to a path containing <paramref name="marker"/> fails, as a storage outage would.</summary>
    private sealed class FailOnceStore(IBlobStore inner, string marker) : DelegatingBlobStore(inner)
    {
        private int _failed;

        public override Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default) =>
            path.Contains(marker, StringComparison.Ordinal) && Interlocked.Exchange(ref _failed, 1) == 0
                ? throw new IOException("storage unavailable")
                : Inner.WriteAsync(path, content, condition, cancellationToken);
    }

    [Fact]
    public async Task AFlushThatFailedHalfway_IsRetriedAsItWas_AndLaterExposuresAreNotLost()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = TestEnvironment.NewFolderStore("exposure-retry");
        var clock = new ManualClock(new DateTimeOffset(2024, 5, 1, 23, 59, 0, TimeSpan.Zero));
        var log = new ExposureLog(new FailOnceStore(folder, "dt=2024-05-02"), clock, NullLogger<ExposureLog>.Instance);
        ServedItem[] Items(params string[] ids) => [.. ids.Select(id => new ServedItem(id, 1.0))];

        log.Log("home-v2", "control", "u1", Items("m1", "m2"), "recommender v1");     // day 1
        clock.Now = clock.Now.AddMinutes(2);
        log.Log("home-v2", "control", "u2", Items("m3"), "recommender v1");           // day 2: its blob write fails
        await Assert.ThrowsAsync<IOException>(() => log.FlushAsync(ct));             // day 1's blob is written by then

        clock.Now = clock.Now.AddDays(-1);
        log.Log("home-v2", "treatment", "u3", Items("m4", "m5"), "recommender v2");  // day 1 again, queued after the failure
        await log.FlushAsync(ct); // the failed batch, exactly as it was
        await log.FlushAsync(ct); // what came after it

        var stored = await EventLog.ReadAsync(folder, cancellationToken: ct).Where(e => e.EventType == EventType.Exposure).ToListAsync(ct);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], stored.Select(e => e.ContentId).Order(StringComparer.Ordinal));
    }
    [Fact]
    public void ExposuresBeyondAFullQueue_AreCountedAsDropped()
    {
        // mlops.serving.exposures.dropped is what tells on-call that drift sees fewer served lists: a full queue must count.
        var log = new ExposureLog(TestEnvironment.NewFolderStore("exposure-drop"), TimeProvider.System, NullLogger<ExposureLog>.Instance);
        long dropped = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MLOps.Core.Telemetry.Name && instrument.Name == "mlops.serving.exposures.dropped") l.EnableMeasurementEvents(instrument);
        };
        // Only this log's drops: the counter is process-wide and other tests record into it too.
        var mine = new AsyncLocal<bool> { Value = true };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => { if (mine.Value) Interlocked.Add(ref dropped, value); });
        listener.Start();

        // Nothing flushes (the loop is not running): the queue holds 100 000 exposures, the next 5 are dropped.
        log.Log(null, null, "u1", Enumerable.Range(0, 100_005).Select(i => new ServedItem($"m{i}", 1.0)), "recommender v1");

        Assert.Equal(5, Interlocked.Read(ref dropped));
    }
}
