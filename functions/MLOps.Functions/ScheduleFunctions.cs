using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using MLOps.Durable;
using MLOps.Workflows;

namespace MLOps.Functions;

/// <summary>
/// Schedules. DriftMonitor runs hourly (switch it off with the app setting
/// <c>AzureWebJobs.DriftMonitorSchedule.Disabled=true</c>); it is a singleton, so a run still going is not started twice.
/// </summary>
public sealed class ScheduleFunctions
{
    public const string DriftMonitorInstanceId = "drift-monitor";

    [Function("DriftMonitorSchedule")]
    public Task DriftMonitorSchedule([TimerTrigger("0 0 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        new DurableTaskClientAdapter(client).StartAsync(OrchestrationNames.DriftMonitor, input: null, DriftMonitorInstanceId);
}
