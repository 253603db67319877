using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MLOps.Core;
using MLOps.Storage;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows;

public static class WorkflowServices
{
    /// <summary>
    /// The orchestrations, activities and the services the activities call, without an engine.
    /// The Azure host calls this and adds the Durable adapter; <see cref="AddWorkflows"/> adds the embedded runner.
    /// </summary>
    public static IHostApplicationBuilder AddWorkflowDefinitions(this IHostApplicationBuilder builder)
    {
        builder.AddMLOpsCore();
        // Both hosts read the schedules' settings ("Workflows", e.g. Workflows__RetentionDays); a retention outside
        // Purge's bounds stops the host at start rather than purging more (or less) than anyone meant.
        builder.Services.AddOptions<WorkflowOptions>().BindConfiguration("Workflows")
            .Validate(o => new PurgeInput(o.RetentionDays).Validate() is null,
                $"Workflows:RetentionDays must be a whole number of days from 0 to {PurgeInput.MaxRetentionDays}.")
            // A schedule's instance id is its slot's start to the minute: a shorter or unaligned interval would give two slots one id.
            .Validate(o => IsWholeMinutes(o.DriftMonitorInterval), "Workflows:DriftMonitorInterval must be a whole number of minutes, at least 00:01:00.")
            .Validate(o => IsWholeMinutes(o.PurgeInterval), "Workflows:PurgeInterval must be a whole number of minutes, at least 00:01:00.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(_ => WorkflowCatalog.Create());
        PipelineWiring.AddPipelinePorts(builder);
        return builder;
    }

    private static bool IsWholeMinutes(TimeSpan interval) => interval >= TimeSpan.FromMinutes(1) && interval.Ticks % TimeSpan.TicksPerMinute == 0;

    /// <summary>
    /// The local engine: definitions + the embedded runner as <see cref="IOrchestrationClient"/>. With
    /// <paramref name="runSchedules"/> (the local host), a hosted service resumes unfinished instances at start, picks up
    /// instances other processes start, and runs the schedules (configuration "Workflows", SchedulesEnabled to switch off).
    /// </summary>
    public static IHostApplicationBuilder AddWorkflows(this IHostApplicationBuilder builder, bool runSchedules = true)
    {
        builder.AddWorkflowDefinitions();
        builder.Services.TryAddSingleton(sp => new EmbeddedOrchestrationEngine(
            sp.GetRequiredService<IBlobStore>(), sp.GetRequiredService<WorkflowRegistry>(), sp,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkflowOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.TryAddSingleton<IOrchestrationClient>(sp => sp.GetRequiredService<EmbeddedOrchestrationEngine>());
        if (runSchedules) builder.Services.AddHostedService<WorkflowHostedService>();
        return builder;
    }
}
