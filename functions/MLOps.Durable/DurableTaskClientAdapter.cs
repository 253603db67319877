using System.Text.Json;
using DurableTask.Core.Exceptions;
using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using MLOps.Workflows.Orchestration;

namespace MLOps.Durable;

/// <summary>
/// The contract's <see cref="IOrchestrationClient"/> over Durable Task's <see cref="DurableTaskClient"/> (the
/// Functions host's <c>[DurableClient]</c>), so its HTTP management functions call the same handlers as the local host.
/// Inputs and event payloads cross as <see cref="JsonElement"/> in <see cref="WorkflowJson"/>'s conventions.
/// </summary>
public sealed class DurableTaskClientAdapter(DurableTaskClient client) : IOrchestrationClient
{
    public Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default) =>
        instanceId is null
            ? ScheduleAsync(name, input, null, cancellationToken)
            : StartAsync(name, input, instanceId, StartMode.ReplaceFinished, cancellationToken);

    /// <summary>
    /// Durable Task client 1.3.0 has no create-only start (no dedupe statuses: the Azure Storage provider recreates an
    /// instance whose id is taken by a finished one), so the id's state is checked first. The check and the create are
    /// two calls: a start racing this one between them is refused by the host — host.json sets
    /// <c>overridableExistingInstanceStates: NonRunningStates</c>, so a Pending or Running instance is never replaced —
    /// and the refusal (gRPC AlreadyExists) is reported like the check's answer. What stays open is a racing instance
    /// that both started and finished inside that gap; the timers are singletons, so two starts of one slot only meet
    /// when a past-due catch-up overlaps a tick.
    /// </summary>
    public async Task<StartResult> StartAsync(string name, object? input, string instanceId, StartMode mode, CancellationToken cancellationToken = default)
    {
        if (await ExistingAsync(instanceId, mode, cancellationToken).ConfigureAwait(false) is { } existing) return existing;
        try
        {
            return await ScheduleAsync(name, input, instanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsAlreadyExists(e))
        {
            // Another start created the id between the check and this create: report it as the check would have.
            return await ExistingAsync(instanceId, StartMode.Once, cancellationToken).ConfigureAwait(false)
                ?? new StartResult(instanceId, AlreadyRunning: true);
        }
    }

    /// <summary>What an existing instance of the id means for a start in <paramref name="mode"/>; null when it may start.</summary>
    private async Task<StartResult?> ExistingAsync(string instanceId, StartMode mode, CancellationToken cancellationToken)
    {
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is not { } existing) return null;
        var finished = ToState(existing).IsFinished;
        if (!finished) return new StartResult(instanceId, AlreadyRunning: true);
        return mode == StartMode.Once ? new StartResult(instanceId, AlreadyRunning: false) { AlreadyFinished = true } : null;
    }

    private async Task<StartResult> ScheduleAsync(string name, object? input, string? instanceId, CancellationToken cancellationToken)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(name, WorkflowJson.ToElement(input),
            new StartOrchestrationOptions(instanceId), cancellationToken).ConfigureAwait(false);
        return new StartResult(id, AlreadyRunning: false);
    }

    /// <summary>The host's refusal to replace an unfinished instance: gRPC AlreadyExists from client 1.3.0, the Durable Task exception from later clients.</summary>
    public static bool IsAlreadyExists(Exception e) =>
        e is RpcException { StatusCode: StatusCode.AlreadyExists } or OrchestrationAlreadyExistsException;

    public async Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) =>
        await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false) is { } m ? ToState(m) : null;

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) =>
        client.RaiseEventAsync(instanceId, eventName, WorkflowJson.ToElement(payload), cancellationToken);

    public Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        client.TerminateInstanceAsync(instanceId, reason, cancellationToken);

    public async Task SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanSuspend(instanceId, await StatusAsync(instanceId, cancellationToken).ConfigureAwait(false));
        await client.SuspendInstanceAsync(instanceId, reason, cancellationToken).ConfigureAwait(false);
    }

    public async Task ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanResume(instanceId, await StatusAsync(instanceId, cancellationToken).ConfigureAwait(false));
        await client.ResumeInstanceAsync(instanceId, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Microsoft.DurableTask.Client 1.3.0 has no rewind: the state is checked (404 / 409 as on the local host), then refused.</summary>
    public async Task RewindAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanRewind(instanceId, await StatusAsync(instanceId, cancellationToken).ConfigureAwait(false));
        throw new NotSupportedException(RewindUnsupported);
    }

    public const string RewindUnsupported =
        "rewind is not available on the Durable engine in this version (Microsoft.DurableTask.Client 1.3.0 has no rewind API); start a new instance instead.";

    /// <summary>Checked before acting, as Durable Functions' own client does, so both engines refuse with the same words.</summary>
    private async Task<RuntimeStatus> StatusAsync(string instanceId, CancellationToken cancellationToken) =>
        (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is { } m
            ? ToState(m).RuntimeStatus
            : throw UnknownInstance.Exception(instanceId));

    public async Task<IReadOnlyList<OrchestrationState>> ListAsync(IReadOnlyCollection<RuntimeStatus>? statuses = null, CancellationToken cancellationToken = default)
    {
        var query = new OrchestrationQuery(Statuses: statuses?.Select(ToDurable).ToList(), FetchInputsAndOutputs: true);
        var list = new List<OrchestrationState>();
        await foreach (var m in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken).ConfigureAwait(false))
            list.Add(ToState(m));
        return InstancePaging.NewestFirst(list);
    }

    public async Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var filter = new PurgeInstancesFilter(CreatedTo: olderThan,
            Statuses: [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated]);
        var result = await client.PurgeAllInstancesAsync(filter, cancellationToken).ConfigureAwait(false);
        return result.PurgedInstanceCount;
    }

    public async Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default) =>
        ToState(await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false));

    public static OrchestrationState ToState(OrchestrationMetadata m) => new()
    {
        InstanceId = m.InstanceId,
        Name = m.Name,
        RuntimeStatus = m.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Pending => RuntimeStatus.Pending,
            OrchestrationRuntimeStatus.Running => RuntimeStatus.Running,
            OrchestrationRuntimeStatus.Completed => RuntimeStatus.Completed,
            OrchestrationRuntimeStatus.Failed => RuntimeStatus.Failed,
            OrchestrationRuntimeStatus.Suspended => RuntimeStatus.Suspended,
            OrchestrationRuntimeStatus.Terminated => RuntimeStatus.Terminated,
            _ => RuntimeStatus.Running, // ContinuedAsNew (obsolete): the instance goes on
        },
        CreatedAt = m.CreatedAt,
        LastUpdatedAt = m.LastUpdatedAt,
        Input = Parse(m.SerializedInput),
        Output = m.RuntimeStatus == OrchestrationRuntimeStatus.Failed ? null : Parse(m.SerializedOutput),
        CustomStatus = Parse(m.SerializedCustomStatus),
        Failure = m.FailureDetails is { } f ? new FailureDetails(f.ErrorType, f.ErrorMessage) : null,
    };

    private static OrchestrationRuntimeStatus ToDurable(RuntimeStatus status) => status switch
    {
        RuntimeStatus.Pending => OrchestrationRuntimeStatus.Pending,
        RuntimeStatus.Running or RuntimeStatus.ContinuedAsNew => OrchestrationRuntimeStatus.Running,
        RuntimeStatus.Completed => OrchestrationRuntimeStatus.Completed,
        RuntimeStatus.Failed => OrchestrationRuntimeStatus.Failed,
        RuntimeStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
        _ => OrchestrationRuntimeStatus.Terminated,
    };

    private static JsonElement? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonDocument.Parse(json).RootElement.Clone();
}
