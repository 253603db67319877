namespace MLOps.Workflows.Embedded;

/// <summary>The embedded runner and the local schedules (configuration section "Workflows").</summary>
public sealed class WorkflowOptions
{
    /// <summary>Activities running at once across all instances (the bounded worker pool).</summary>
    public int MaxConcurrentActivities { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How often a waiting instance looks for events raised by another process (real time).</summary>
    public TimeSpan InboxPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>An instance's worker holds a lease so two processes never run it at once; a dead holder's lease is taken over at once.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Run the schedules in the local host (serve). Off: only explicit starts run.</summary>
    public bool SchedulesEnabled { get; set; } = true;

    public TimeSpan DriftMonitorInterval { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Finished instances older than this are purged by the Purge orchestration.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>How often the local host looks for instances started by other processes (e.g. `pipeline run`).</summary>
    public TimeSpan PendingScanInterval { get; set; } = TimeSpan.FromSeconds(2);
}
