using Microsoft.Extensions.Logging;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows;

/// <summary>
/// The local host's schedules, one pass per <see cref="TickAsync"/> (the hosted service calls it at start and then every
/// PendingScanInterval). Time is cut into UTC slots, as the Azure host's timers do: DriftMonitor at every multiple of
/// DriftMonitorInterval since 1970-01-01 00:00 UTC (1 h: on the hour, the timer's <c>0 0 * * * *</c>), Purge at 03:30 UTC
/// + k × PurgeInterval (1 day: daily at 03:30, the timer's <c>0 30 3 * * *</c>). A pass starts the slot the clock is in
/// (the latest slot start ≤ now) as <c>drift-monitor-yyyyMMddHHmm</c> / <c>purge-yyyyMMddHHmm</c> of the slot's start,
/// with <see cref="StartMode.Once"/>: when any instance of that id exists on the store, finished or not, nothing starts.
/// So a slot runs once per store whatever the number of hosts or restarts, the first pass after a start catches up the
/// current slot if no one ran it, and older missed slots are not run.
/// </summary>
public sealed partial class WorkflowScheduler(EmbeddedOrchestrationEngine engine, WorkflowOptions options, TimeProvider time, ILogger log)
{
    /// <summary>Purge's time of day, the Azure host's <c>PurgeSchedule</c> timer (<c>0 30 3 * * *</c>).</summary>
    public static readonly TimeSpan PurgeTimeOfDay = new(3, 30, 0);

    private string? _lastDrift;
    private string? _lastPurge;

    /// <summary>The start of the slot <paramref name="now"/> is in: origin + k × interval, origin = epoch + offset.</summary>
    public static DateTimeOffset SlotStart(DateTimeOffset now, TimeSpan interval, TimeSpan offset = default)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "a schedule's interval must be positive.");
        var origin = DateTimeOffset.UnixEpoch + offset;
        var elapsed = now.UtcTicks - origin.UtcTicks;
        var k = elapsed >= 0 ? elapsed / interval.Ticks : (elapsed - interval.Ticks + 1) / interval.Ticks;
        return origin + TimeSpan.FromTicks(k * interval.Ticks);
    }

    public static string DriftMonitorInstanceId(DateTimeOffset now, TimeSpan interval) =>
        $"drift-monitor-{SlotStart(now, interval).UtcDateTime:yyyyMMddHHmm}";

    public static string PurgeInstanceId(DateTimeOffset now, TimeSpan interval) =>
        $"purge-{SlotStart(now, interval, PurgeTimeOfDay).UtcDateTime:yyyyMMddHHmm}";

    /// <summary>Starts the current slots not yet started on the store; returns the instances this pass created.</summary>
    public async Task<IReadOnlyList<StartResult>> TickAsync(CancellationToken cancellationToken = default)
    {
        var started = new List<StartResult>();
        var now = time.GetUtcNow();
        var drift = DriftMonitorInstanceId(now, options.DriftMonitorInterval);
        if (drift != _lastDrift)
        {
            var start = await engine.StartAsync(OrchestrationNames.DriftMonitor, new DriftMonitorInput(), drift, StartMode.Once, cancellationToken).ConfigureAwait(false);
            _lastDrift = drift; // only once the store answered: a failed start is tried again at the next pass
            Report(OrchestrationNames.DriftMonitor, start, started);
        }
        var purge = PurgeInstanceId(now, options.PurgeInterval);
        if (purge != _lastPurge)
        {
            var start = await engine.StartAsync(OrchestrationNames.Purge, new PurgeInput(options.RetentionDays), purge, StartMode.Once, cancellationToken).ConfigureAwait(false);
            _lastPurge = purge;
            Report(OrchestrationNames.Purge, start, started);
        }
        return started;
    }

    private void Report(string name, StartResult start, List<StartResult> started)
    {
        if (start.Started)
        {
            LogScheduled(log, name, start.InstanceId);
            started.Add(start);
        }
        else LogSlotTaken(log, name, start.InstanceId, start.AlreadyRunning ? "running" : "finished");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule started {Name} as {InstanceId}")]
    private static partial void LogScheduled(ILogger logger, string name, string instanceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Schedule slot of {Name} already started on this store: {InstanceId} is {State}")]
    private static partial void LogSlotTaken(ILogger logger, string name, string instanceId, string state);
}
