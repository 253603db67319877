using System.Collections.Concurrent;
using System.Text.Json;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Workflows.Orchestration;
using Newtonsoft.Json.Linq;
using CoreOrchestrationState = DurableTask.Core.OrchestrationState;
using CoreOrchestrationStatus = DurableTask.Core.OrchestrationStatus;
using OrchestrationState = MLOps.Workflows.Orchestration.OrchestrationState;
using FailureDetails = MLOps.Workflows.Orchestration.FailureDetails;

namespace MLOps.Durable;

/// <summary>
/// Runs orchestrators written against <see cref="TaskOrchestrationContext"/> (the isolated Durable Functions
/// programming model) on DurableTask.Core's replay engine, in process, without the Functions host:
/// a <see cref="TaskHubWorker"/> and a <see cref="TaskHubClient"/> over any orchestration service
/// (the in-memory emulator in tests). Functions are registered through <see cref="DurableTaskShimFactory"/>,
/// the same shims the Durable worker uses. <see cref="AddWorkflows"/> registers a whole
/// <see cref="WorkflowRegistry"/> through the adapter, and the host is then an <see cref="IOrchestrationClient"/>.
/// </summary>
public sealed class DurableTaskCoreHost : IOrchestrationClient, IAsyncDisposable
{
    private readonly TaskHubWorker worker;
    private readonly TaskHubClient client;
    private readonly DurableTaskShimFactory shims;
    private readonly ConcurrentDictionary<string, DateTimeOffset> started = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> purged = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim startLock = new(1, 1);
    private bool running;

    public DurableTaskCoreHost(IOrchestrationService service, IOrchestrationServiceClient serviceClient, ILoggerFactory? loggerFactory = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        worker = new TaskHubWorker(service, loggerFactory) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
        client = new TaskHubClient(serviceClient, loggerFactory: loggerFactory);
        shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions(), loggerFactory);
    }

    public DurableTaskCoreHost AddOrchestrator(string name, Func<TaskOrchestrationContext, JsonElement?, Task<JsonElement?>> body)
    {
        worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(name, () => shims.CreateOrchestration(name, body)));
        return this;
    }

    public DurableTaskCoreHost AddActivity(string name, Func<TaskActivityContext, JsonElement?, Task<JsonElement?>> body)
    {
        worker.AddTaskActivities(new Creator<TaskActivity>(name, () => shims.CreateActivity(name, body)));
        return this;
    }

    /// <summary>
    /// Every orchestrator and activity of <paramref name="registry"/>, through the Durable adapter; activities resolve
    /// <see cref="IOrchestrationClient"/> to this host.
    /// </summary>
    public DurableTaskCoreHost AddWorkflows(WorkflowRegistry registry, IServiceProvider services)
    {
        var workflows = new DurableWorkflows(registry, services);
        foreach (var o in registry.Orchestrators)
            AddOrchestrator(o.Name, (context, _) => workflows.RunOrchestratorAsync(context)); // the Functions trigger's path: input via GetInput
        foreach (var a in registry.Activities)
            AddActivity(a.Name, (context, input) => workflows.RunActivityAsync(a.Name, context.InstanceId, input, this));
        return this;
    }

    public async Task StartWorkerAsync()
    {
        await startLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (running) return;
            await worker.StartAsync().ConfigureAwait(false);
            running = true;
        }
        finally
        {
            startLock.Release();
        }
    }

    public async Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default)
    {
        await StartWorkerAsync().ConfigureAwait(false);
        if (instanceId is not null && await LatestExecutionAsync(instanceId).ConfigureAwait(false) is { } existing
            && existing.OrchestrationStatus is CoreOrchestrationStatus.Pending or CoreOrchestrationStatus.Running or CoreOrchestrationStatus.ContinuedAsNew)
            return new StartResult(instanceId, AlreadyRunning: true);
        var id = instanceId ?? Guid.NewGuid().ToString("N");
        started[id] = DateTimeOffset.UtcNow;
        await client.CreateOrchestrationInstanceAsync(name, string.Empty, id, ToToken(input)).ConfigureAwait(false);
        return new StartResult(id, AlreadyRunning: false);
    }

    public async Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (purged.ContainsKey(instanceId)) return null;
        var state = await LatestExecutionAsync(instanceId).ConfigureAwait(false);
        return state is null ? null : ToState(state);
    }

    /// <summary>
    /// The instance's current execution: after continue-as-new the service holds one state per execution, and the
    /// finished one (if any) is the answer, else the newest.
    /// </summary>
    private async Task<CoreOrchestrationState?> LatestExecutionAsync(string instanceId)
    {
        IList<CoreOrchestrationState>? executions;
        try { executions = await client.GetOrchestrationStateAsync(instanceId, allExecutions: true).ConfigureAwait(false); }
        catch (KeyNotFoundException) { return null; } // older emulators index their store without a lookup
        return executions?.Where(s => s is not null)
            .OrderBy(s => s.OrchestrationStatus == CoreOrchestrationStatus.ContinuedAsNew ? 1 : 0)
            .ThenByDescending(s => s.CreatedTime)
            .FirstOrDefault();
    }

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) =>
        client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, eventName, ToToken(payload));

    public Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason ?? "terminated");

    /// <summary>DurableTask.Core's own suspension: an ExecutionSuspended message; its executor holds later events until ExecutionResumed.</summary>
    public async Task SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanSuspend(instanceId, await StatusAsync(instanceId).ConfigureAwait(false));
        await client.SuspendInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason ?? "suspended").ConfigureAwait(false);
    }

    public async Task ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanResume(instanceId, await StatusAsync(instanceId).ConfigureAwait(false));
        await client.ResumeInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason ?? "resumed").ConfigureAwait(false);
    }

    /// <summary>DurableTask.Core 2.17.1 and its emulator have no rewind.</summary>
    public async Task RewindAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanRewind(instanceId, await StatusAsync(instanceId).ConfigureAwait(false));
        throw new NotSupportedException(DurableTaskClientAdapter.RewindUnsupported);
    }

    private async Task<RuntimeStatus> StatusAsync(string instanceId) =>
        (await GetStateAsync(instanceId).ConfigureAwait(false))?.RuntimeStatus ?? throw UnknownInstance.Exception(instanceId);

    /// <summary>The instances this host started (the in-memory service has no query or purge API: purged ones are forgotten here).</summary>
    public async Task<IReadOnlyList<OrchestrationState>> ListAsync(IReadOnlyCollection<RuntimeStatus>? statuses = null, CancellationToken cancellationToken = default)
    {
        var list = new List<OrchestrationState>();
        foreach (var id in started.Keys)
            if (await GetStateAsync(id, cancellationToken).ConfigureAwait(false) is { } s && (statuses is null || statuses.Contains(s.RuntimeStatus)))
                list.Add(s);
        return InstancePaging.NewestFirst(list);
    }

    public async Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var count = 0;
        foreach (var s in await ListAsync([RuntimeStatus.Completed, RuntimeStatus.Failed, RuntimeStatus.Terminated], cancellationToken).ConfigureAwait(false))
            if (s.LastUpdatedAt < olderThan && started.TryRemove(s.InstanceId, out _) && purged.TryAdd(s.InstanceId, 0)) count++;
        return count;
    }

    /// <summary>
    /// Polls the instance's state until it completes, fails or is terminated (a suspended one is not finished), as Durable's own clients do. Not the service's WaitForOrchestrationAsync: the
    /// in-memory emulator completes those waiters from inside its lock with Task.WaitAll, and a waiter whose
    /// continuation calls back into the service (here: the next status query) then deadlocks it — the intermittent
    /// hang of the conformance suite.
    /// </summary>
    public async Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await LatestExecutionAsync(instanceId).ConfigureAwait(false) is { } state
                && state.OrchestrationStatus is not (CoreOrchestrationStatus.ContinuedAsNew or CoreOrchestrationStatus.Running or CoreOrchestrationStatus.Pending
                    or CoreOrchestrationStatus.Suspended))
                return ToState(state);
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public async ValueTask DisposeAsync()
    {
        if (running) await worker.StopAsync(isForced: true).ConfigureAwait(false);
        worker.Dispose();
        startLock.Dispose();
    }

    private static JToken? ToToken(object? value) =>
        WorkflowJson.ToElement(value) is { } e ? JToken.Parse(e.GetRawText()) : null;

    private static JsonElement? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonDocument.Parse(json).RootElement.Clone();

    private static OrchestrationState ToState(CoreOrchestrationState s) => new()
    {
        InstanceId = s.OrchestrationInstance.InstanceId,
        Name = s.Name,
        RuntimeStatus = s.OrchestrationStatus switch
        {
            CoreOrchestrationStatus.Pending => RuntimeStatus.Pending,
            CoreOrchestrationStatus.Running => RuntimeStatus.Running,
            CoreOrchestrationStatus.Completed => RuntimeStatus.Completed,
            CoreOrchestrationStatus.ContinuedAsNew => RuntimeStatus.ContinuedAsNew,
            CoreOrchestrationStatus.Failed => RuntimeStatus.Failed,
            CoreOrchestrationStatus.Suspended => RuntimeStatus.Suspended,
            _ => RuntimeStatus.Terminated,
        },
        CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(s.CreatedTime, DateTimeKind.Utc)),
        LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(s.LastUpdatedTime, DateTimeKind.Utc)),
        Input = Parse(s.Input),
        Output = s.OrchestrationStatus == CoreOrchestrationStatus.Failed ? null : Parse(s.Output),
        CustomStatus = Parse(s.Status),
        Failure = s.OrchestrationStatus == CoreOrchestrationStatus.Failed
            ? new FailureDetails(s.FailureDetails?.ErrorType ?? "Failed", s.FailureDetails?.ErrorMessage ?? s.Output ?? "failed")
            : null,
    };

    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> create;
        public Creator(string name, Func<T> create) { Name = name; Version = string.Empty; this.create = create; }
        public override T Create() => create();
    }
}
