namespace MLOps.Workflows.Embedded;

/// <summary>An unfinished instance another live process runs (it holds the lease): "HOST pid N".</summary>
public sealed record HeldInstance(string InstanceId, string Holder);

/// <summary>What <see cref="EmbeddedOrchestrationEngine.ResumeAllAsync"/> did: workers started here, instances left to their holders.</summary>
public sealed record ResumeReport(IReadOnlyList<string> Resumed, IReadOnlyList<HeldInstance> RunningElsewhere);
