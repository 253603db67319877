using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows;

/// <summary>
/// The local host's share of the orchestration work: resume every unfinished instance at start, pick up instances
/// started by other processes (e.g. `mlops pipeline run`), and run the schedules (<see cref="WorkflowScheduler"/>):
/// DriftMonitor and Purge in UTC-aligned slots, each slot's instance id its start, started at most once per store
/// (<see cref="StartMode.Once"/>), so several hosts or restarts never run a slot twice; the current slot is caught up at
/// start when no one ran it.
/// </summary>
public sealed partial class WorkflowHostedService(EmbeddedOrchestrationEngine engine, IOptions<WorkflowOptions> options, TimeProvider time,
    ILogger<WorkflowHostedService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var report = await engine.ResumeAllAsync(stoppingToken).ConfigureAwait(false);
        if (report.Resumed.Count > 0) LogResumed(log, report.Resumed.Count, string.Join(", ", report.Resumed));
        foreach (var held in report.RunningElsewhere) LogRunningElsewhere(log, held.InstanceId, held.Holder);
        var scheduler = new WorkflowScheduler(engine, o, time, log);
        for (var first = true; !stoppingToken.IsCancellationRequested; first = false)
        {
            try
            {
                if (!first)
                {
                    await Task.Delay(o.PendingScanInterval, time, stoppingToken).ConfigureAwait(false);
                    await engine.ResumeAllAsync(stoppingToken).ConfigureAwait(false);
                }
                // The first pass is at start: the current slot runs now when no host has run it yet.
                if (o.SchedulesEnabled) await scheduler.TickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogScheduleFailed(log, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed {Count} unfinished orchestration(s): {Ids}")]
    private static partial void LogResumed(ILogger logger, int count, string ids);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unfinished orchestration {InstanceId} runs in another process ({Holder}); this host takes it over if that one stops")]
    private static partial void LogRunningElsewhere(ILogger logger, string instanceId, string holder);

    [LoggerMessage(Level = LogLevel.Error, Message = "Orchestration schedule tick failed")]
    private static partial void LogScheduleFailed(ILogger logger, Exception e);
}
