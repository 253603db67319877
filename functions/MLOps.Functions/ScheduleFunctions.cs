using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using MLOps.Durable;
using MLOps.Workflows;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Functions;

/// <summary>
/// The schedules of the local host, as timer triggers: DriftMonitor hourly, Purge daily (retention
/// <c>Workflows__RetentionDays</c>, 30 days unless set). Instance ids are the local host's (one per scheduled minute),
/// so a repeated tick never starts a second run. Switch one off with the app setting
/// <c>AzureWebJobs.&lt;function&gt;.Disabled=true</c>.
/// </summary>
public sealed class ScheduleFunctions(TimeProvider time, IOptions<WorkflowOptions> options)
{
    [Function("DriftMonitorSchedule")]
    public Task DriftMonitorSchedule([TimerTrigger("0 0 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        new DurableTaskClientAdapter(client).StartAsync(OrchestrationNames.DriftMonitor, new DriftMonitorInput(),
            $"drift-monitor-{time.GetUtcNow():yyyyMMddHHmm}");

    [Function("PurgeSchedule")]
    public Task PurgeSchedule([TimerTrigger("0 30 3 * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        StartPurgeAsync(new DurableTaskClientAdapter(client));

    /// <summary>The purge the daily timer starts, with the configured retention (as the local host's schedule).</summary>
    public Task<StartResult> StartPurgeAsync(IOrchestrationClient client) =>
        client.StartAsync(OrchestrationNames.Purge, new PurgeInput(options.Value.RetentionDays), $"purge-{time.GetUtcNow():yyyyMMddHHmm}");
}
