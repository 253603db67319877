using Microsoft.Extensions.Logging;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows;

/// <summary>
/// The local host's schedules, one decision per <see cref="TickAsync"/> (the hosted service calls it every
/// PendingScanInterval): DriftMonitor every DriftMonitorInterval after start, Purge at start and every PurgeInterval.
/// </summary>
public sealed partial class WorkflowScheduler
{
    private readonly EmbeddedOrchestrationEngine _engine;
    private readonly WorkflowOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private DateTimeOffset _nextDrift;
    private DateTimeOffset _nextPurge;

    public WorkflowScheduler(EmbeddedOrchestrationEngine engine, WorkflowOptions options, TimeProvider time, ILogger log)
    {
        (_engine, _options, _time, _log) = (engine, options, time, log);
        _nextDrift = time.GetUtcNow() + options.DriftMonitorInterval;
        _nextPurge = time.GetUtcNow();
    }

    /// <summary>Starts what is due now; returns the starts it made (a start may report an existing instance).</summary>
    public async Task<IReadOnlyList<StartResult>> TickAsync(CancellationToken cancellationToken = default)
    {
        var started = new List<StartResult>();
        var now = _time.GetUtcNow();
        if (now >= _nextDrift)
        {
            _nextDrift = now + _options.DriftMonitorInterval;
            var start = await _engine.StartAsync(OrchestrationNames.DriftMonitor, new DriftMonitorInput(), $"drift-monitor-{now:yyyyMMddHHmm}", cancellationToken).ConfigureAwait(false);
            LogScheduled(_log, OrchestrationNames.DriftMonitor, start.InstanceId);
            started.Add(start);
        }
        if (now >= _nextPurge)
        {
            _nextPurge = now + _options.PurgeInterval;
            var start = await _engine.StartAsync(OrchestrationNames.Purge, new PurgeInput(_options.RetentionDays), $"purge-{now:yyyyMMddHHmm}", cancellationToken).ConfigureAwait(false);
            LogScheduled(_log, OrchestrationNames.Purge, start.InstanceId);
            started.Add(start);
        }
        return started;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule started {Name} as {InstanceId}")]
    private static partial void LogScheduled(ILogger logger, string name, string instanceId);
}
