using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CoreOrchestrationStatus = DurableTask.Core.OrchestrationStatus;

namespace MLOps.Durable;

/// <summary>
/// Runs orchestrators written against <see cref="TaskOrchestrationContext"/> (the isolated Durable Functions
/// programming model) on DurableTask.Core's replay engine, in process, without the Functions host:
/// a <see cref="TaskHubWorker"/> and a <see cref="TaskHubClient"/> over any orchestration service
/// (the in-memory emulator in tests). Functions are registered through <see cref="DurableTaskShimFactory"/>,
/// the same shims the Durable worker uses.
/// </summary>
public sealed class DurableTaskCoreHost : IAsyncDisposable
{
    private readonly TaskHubWorker worker;
    private readonly TaskHubClient client;
    private readonly DurableTaskShimFactory shims;
    private bool started;

    public DurableTaskCoreHost(IOrchestrationService service, IOrchestrationServiceClient serviceClient, ILoggerFactory? loggerFactory = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        worker = new TaskHubWorker(service, loggerFactory) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
        client = new TaskHubClient(serviceClient, loggerFactory: loggerFactory);
        shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions(), loggerFactory);
    }

    public DurableTaskCoreHost AddOrchestrator(string name, Func<TaskOrchestrationContext, string?, Task<string?>> body)
    {
        worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(name, () => shims.CreateOrchestration(name, body)));
        return this;
    }

    public DurableTaskCoreHost AddActivity(string name, Func<TaskActivityContext, string?, Task<string?>> body)
    {
        worker.AddTaskActivities(new Creator<TaskActivity>(name, () => shims.CreateActivity(name, body)));
        return this;
    }

    public async Task StartAsync()
    {
        if (started) return;
        await worker.StartAsync().ConfigureAwait(false);
        started = true;
    }

    /// <summary>Starts an instance; <paramref name="input"/> reaches the orchestrator as this exact string.</summary>
    public async Task<string> StartInstanceAsync(string name, string? input, string? instanceId = null)
    {
        await StartAsync().ConfigureAwait(false);
        var instance = await client.CreateOrchestrationInstanceAsync(name, string.Empty, instanceId ?? Guid.NewGuid().ToString("N"), input)
            .ConfigureAwait(false);
        return instance.InstanceId;
    }

    public Task RaiseEventAsync(string instanceId, string eventName, string? payload) =>
        client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, eventName, payload);

    public async Task<DurableInstanceState?> GetStateAsync(string instanceId)
    {
        var state = await client.GetOrchestrationStateAsync(instanceId).ConfigureAwait(false);
        return state is null ? null : DurableInstanceState.From(state);
    }

    /// <summary>Waits until the instance completes, fails or is terminated (not continued-as-new).</summary>
    public async Task<DurableInstanceState> WaitForCompletionAsync(string instanceId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero) throw new TimeoutException($"Instance '{instanceId}' did not finish within {timeout}.");
            var state = await client.WaitForOrchestrationAsync(new OrchestrationInstance { InstanceId = instanceId }, remaining).ConfigureAwait(false);
            if (state is not null && state.OrchestrationStatus != CoreOrchestrationStatus.ContinuedAsNew)
                return DurableInstanceState.From(state);
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (started) await worker.StopAsync(isForced: true).ConfigureAwait(false);
        worker.Dispose();
    }

    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> create;
        public Creator(string name, Func<T> create) { Name = name; Version = string.Empty; this.create = create; }
        public override T Create() => create();
    }
}

/// <summary>What a client sees of an instance on the Durable Task engine.</summary>
public sealed record DurableInstanceState(string InstanceId, string Name, string RuntimeStatus, string? Input, string? Output,
    string? CustomStatus, string? FailureMessage, string? FailureType)
{
    internal static DurableInstanceState From(OrchestrationState s) => new(
        s.OrchestrationInstance.InstanceId, s.Name, s.OrchestrationStatus.ToString(), s.Input, s.Output, s.Status,
        s.FailureDetails?.ErrorMessage, s.FailureDetails?.ErrorType);
}
