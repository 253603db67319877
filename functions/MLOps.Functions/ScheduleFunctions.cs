using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using MLOps.Durable;
using MLOps.Workflows;
using MLOps.Workflows.Pipeline;

namespace MLOps.Functions;

/// <summary>
/// The schedules of the local host, as timer triggers: DriftMonitor hourly, Purge daily (30-day retention). Instance ids
/// are the local host's (one per scheduled minute), so a repeated tick never starts a second run. Switch one off with
/// the app setting <c>AzureWebJobs.&lt;function&gt;.Disabled=true</c>.
/// </summary>
public sealed class ScheduleFunctions(TimeProvider time)
{
    [Function("DriftMonitorSchedule")]
    public Task DriftMonitorSchedule([TimerTrigger("0 0 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        new DurableTaskClientAdapter(client).StartAsync(OrchestrationNames.DriftMonitor, new DriftMonitorInput(),
            $"drift-monitor-{time.GetUtcNow():yyyyMMddHHmm}");

    [Function("PurgeSchedule")]
    public Task PurgeSchedule([TimerTrigger("0 30 3 * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        new DurableTaskClientAdapter(client).StartAsync(OrchestrationNames.Purge, new PurgeInput(), $"purge-{time.GetUtcNow():yyyyMMddHHmm}");
}
