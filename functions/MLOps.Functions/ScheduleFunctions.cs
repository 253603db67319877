using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Durable;
using MLOps.Workflows;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Functions;

/// <summary>
/// The schedules of the local host, as timer triggers: DriftMonitor hourly, Purge daily at 03:30 UTC (retention
/// <c>Workflows__RetentionDays</c>, 30 days unless set). A tick starts the UTC slot the clock is in, under the local
/// host's ids (<see cref="WorkflowScheduler"/>: <c>drift-monitor-yyyyMMddHH00</c>, <c>purge-yyyyMMdd0330</c>), with
/// <see cref="StartMode.Once"/>: when the slot's instance exists, running or finished, nothing starts and nothing is
/// replaced. So a repeated or past-due tick of the same slot is a no-op. Switch one off with the app setting
/// <c>AzureWebJobs.&lt;function&gt;.Disabled=true</c> (in bicep/params' extraAppSettings: each deploy replaces all settings).
/// </summary>
public sealed partial class ScheduleFunctions(TimeProvider time, IOptions<WorkflowOptions> options, ILogger<ScheduleFunctions> log)
{
    /// <summary>DriftMonitor's timer: on the hour; each tick covers the hour it fires in.</summary>
    public const string DriftMonitorCron = "0 0 * * * *";
    public static readonly TimeSpan DriftMonitorInterval = TimeSpan.FromHours(1);

    /// <summary>Purge's timer: daily at 03:30 UTC (<see cref="WorkflowScheduler.PurgeTimeOfDay"/>); each tick covers the day since the last 03:30.</summary>
    public const string PurgeCron = "0 30 3 * * *";
    public static readonly TimeSpan PurgeInterval = TimeSpan.FromDays(1);

    /// <summary>
    /// A timer may fire a moment before its occurrence (clock skew between the scheduler and the worker): the slot is
    /// read at the clock plus this, so a tick at 10:59:59.998 starts 11:00's slot instead of finding 10:00's taken and
    /// skipping the hour. Slots are whole minutes or longer, so no tick lands in a slot after its own.
    /// </summary>
    public static readonly TimeSpan EarlyFireTolerance = TimeSpan.FromSeconds(30);

    [Function("DriftMonitorSchedule")]
    public Task DriftMonitorSchedule([TimerTrigger(DriftMonitorCron)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        StartDriftMonitorAsync(new DurableTaskClientAdapter(client), cancellationToken);

    [Function("PurgeSchedule")]
    public Task PurgeSchedule([TimerTrigger(PurgeCron)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        StartPurgeAsync(new DurableTaskClientAdapter(client), cancellationToken);

    /// <summary>The DriftMonitor instance of the current hour, unless that slot's instance exists.</summary>
    public Task<StartResult> StartDriftMonitorAsync(IOrchestrationClient client, CancellationToken cancellationToken = default) =>
        StartSlotAsync(client, OrchestrationNames.DriftMonitor, new DriftMonitorInput(),
            WorkflowScheduler.DriftMonitorInstanceId(time.GetUtcNow() + EarlyFireTolerance, DriftMonitorInterval), cancellationToken);

    /// <summary>The purge of the current day's slot with the configured retention (as the local host's schedule), unless that slot's instance exists.</summary>
    public Task<StartResult> StartPurgeAsync(IOrchestrationClient client, CancellationToken cancellationToken = default) =>
        StartSlotAsync(client, OrchestrationNames.Purge, new PurgeInput(options.Value.RetentionDays),
            WorkflowScheduler.PurgeInstanceId(time.GetUtcNow() + EarlyFireTolerance, PurgeInterval), cancellationToken);

    private async Task<StartResult> StartSlotAsync(IOrchestrationClient client, string name, object input, string instanceId, CancellationToken cancellationToken)
    {
        var start = await client.StartAsync(name, input, instanceId, StartMode.Once, cancellationToken).ConfigureAwait(false);
        if (start.Started) LogScheduled(log, name, start.InstanceId);
        else LogSlotTaken(log, name, start.InstanceId, start.AlreadyRunning ? "running" : "finished");
        return start;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule started {Name} as {InstanceId}")]
    private static partial void LogScheduled(ILogger logger, string name, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule slot of {Name} already started: {InstanceId} is {State}; nothing started")]
    private static partial void LogSlotTaken(ILogger logger, string name, string instanceId, string state);
}
