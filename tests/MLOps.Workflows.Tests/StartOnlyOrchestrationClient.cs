using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests;

/// <summary>A client for tests that only start instances (and perhaps read one's state): every other call is unsupported.</summary>
public abstract class StartOnlyOrchestrationClient : IOrchestrationClient
{
    public abstract Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default);
    public virtual Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task RewindAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<IReadOnlyList<OrchestrationState>> ListAsync(IReadOnlyCollection<RuntimeStatus>? statuses = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
