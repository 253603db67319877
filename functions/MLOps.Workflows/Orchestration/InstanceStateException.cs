namespace MLOps.Workflows.Orchestration;

/// <summary>
/// An operator control asked of an instance in a state that does not allow it (suspend a finished instance, resume
/// one that is not suspended, rewind one that has not failed). The HTTP API answers 409, the CLI exits 1. Both engines
/// check with the same rules and words, which are Durable Functions' (it also refuses to suspend a suspended instance).
/// </summary>
public sealed class InstanceStateException(string instanceId, RuntimeStatus status, string message) : InvalidOperationException(message)
{
    public string InstanceId { get; } = instanceId;
    public RuntimeStatus Status { get; } = status;

    public static void EnsureCanSuspend(string instanceId, RuntimeStatus status)
    {
        if (status is not (RuntimeStatus.Pending or RuntimeStatus.Running or RuntimeStatus.ContinuedAsNew))
            throw new InstanceStateException(instanceId, status,
                $"Cannot suspend instance '{instanceId}': it is {status}; only a Pending or Running instance can be suspended.");
    }

    public static void EnsureCanResume(string instanceId, RuntimeStatus status)
    {
        if (status != RuntimeStatus.Suspended)
            throw new InstanceStateException(instanceId, status, $"Cannot resume instance '{instanceId}': it is {status}; only a Suspended instance can be resumed.");
    }

    public static void EnsureCanRewind(string instanceId, RuntimeStatus status)
    {
        if (status != RuntimeStatus.Failed)
            throw new InstanceStateException(instanceId, status, $"Cannot rewind instance '{instanceId}': it is {status}; only a Failed instance can be rewound.");
    }
}
