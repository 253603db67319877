using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// A <see cref="DurableTaskClient"/> that behaves like the Functions host's (client 1.3.0 over the Azure Storage
/// provider) for starts: a start with the id of a finished instance recreates it, and — host.json's
/// <c>overridableExistingInstanceStates: NonRunningStates</c> — a start with the id of a Pending or Running one is
/// refused with gRPC AlreadyExists. <see cref="BeforeSchedule"/> lets a test act between a caller's check and its create.
/// </summary>
public sealed class FakeDurableTaskClient() : DurableTaskClient("fake")
{
    public Dictionary<string, OrchestrationMetadata> Instances { get; } = new(StringComparer.Ordinal);

    /// <summary>Every instance this client created or recreated, in order.</summary>
    public List<string> Scheduled { get; } = [];

    public Action<string>? BeforeSchedule { get; set; }

    public void Set(string instanceId, string name, OrchestrationRuntimeStatus status) =>
        Instances[instanceId] = new OrchestrationMetadata(name, instanceId) { RuntimeStatus = status };

    public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        var id = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        BeforeSchedule?.Invoke(id);
        if (Instances.TryGetValue(id, out var existing)
            && existing.RuntimeStatus is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended)
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"An Orchestration instance with the ID {id} already exists."));
        Set(id, orchestratorName.Name, OrchestrationRuntimeStatus.Pending);
        Scheduled.Add(id);
        return Task.FromResult(id);
    }

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Task.FromResult(Instances.GetValueOrDefault(instanceId));

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) => throw new NotSupportedException();
    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw new NotSupportedException();
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw new NotSupportedException();
    public override Task TerminateInstanceAsync(string instanceId, object? output = null, CancellationToken cancellation = default) => throw new NotSupportedException();
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();
    /// <summary>Every instance in one page, in no particular order (the store's own); the filter is not applied.</summary>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create((string? _, int? _, CancellationToken _) => Task.FromResult(new Page<OrchestrationMetadata>([.. Instances.Values], null)));
    public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellation = default) => throw new NotSupportedException();
    public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, CancellationToken cancellation = default) => throw new NotSupportedException();
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
