using Microsoft.Extensions.Logging;
using MLOps.Core;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

public sealed record DriftMonitorInput(string Model = "recommender", bool StartRetrain = true) : IValidatableInput
{
    public InputProblem? Validate() => ModelNames.Problem(Model) is { } problem ? new("model", problem) : null;
}

public sealed record DriftMonitorResult(DriftSummary Drift, string? RetrainInstanceId, bool RetrainAlreadyRunning, string? RetrainSkippedBecause = null);

/// <summary>
/// Drift on the latest window (alerts raised and resolved by the drift engine); a critical alert starts the
/// singleton RetrainPipeline (a retrain already running is reused, never a second one). No champion, no reference,
/// so never critical; a window holding no events newer than the champion's training snapshot is not judged.
/// </summary>
public static class DriftMonitor
{
    public static async Task<DriftMonitorResult> RunAsync(IOrchestrationContext context, DriftMonitorInput? input)
    {
        input ??= new DriftMonitorInput();
        context.SetCustomStatus(new PipelineStatus("drift-check", 0, 2, "checking drift"));
        var drift = await context.CallActivityAsync<DriftSummary>(PipelineActivities.CheckDrift, context.RunStepKey("drift"), RetrainPipeline.Retry);
        // Each unresolved alert, every check while it stays open: a log query or alert finds it with its id and severity.
        var log = context.CreateReplaySafeLogger("MLOps.Workflows.DriftMonitor");
        foreach (var alert in drift.Alerts)
            log.Log(alert.Severity == MLOps.Drift.Alerts.AlertSeverity.Critical ? LogLevel.Warning : LogLevel.Information,
                "DriftMonitor {InstanceId}: drift alert {AlertId} ({Kind} {Subject}) is {Severity}: {Title}",
                context.InstanceId, alert.Id, alert.Kind, alert.Feature, alert.Severity, alert.Message);
        if (!drift.Critical || !input.StartRetrain)
        {
            context.SetCustomStatus(new PipelineStatus("done", 2, 2, drift.Critical ? "critical drift; retrain not requested" : drift.Note ?? "no critical drift"));
            return new DriftMonitorResult(drift, null, false);
        }
        var critical = drift.Alerts.FirstOrDefault(a => a.CallsForRetrain);
        var start = await context.CallActivityAsync<RetrainStart>(PipelineActivities.StartRetrain, new RetrainInput
        {
            Model = input.Model, Trigger = "drift",
            // The alert's message quotes stored values (a genre's name): made one bounded line so the start is never refused.
            Reason = FreeText.OneLine(critical is null ? $"drift report {drift.ReportId} recommends retraining" : $"critical drift alert {critical.Id}: {critical.Message}", RetrainInput.MaxReasonLength),
        }, RetrainPipeline.Retry);
        if (start.SkippedBecause is { } why)
        {
            context.SetCustomStatus(new PipelineStatus("done", 2, 2, $"critical drift; retrain skipped: {why}"));
            return new DriftMonitorResult(drift, null, false, why);
        }
        context.SetCustomStatus(new PipelineStatus("done", 2, 2, $"retrain {start.InstanceId}{(start.AlreadyRunning ? " (already running)" : " started")}"));
        return new DriftMonitorResult(drift, start.InstanceId, start.AlreadyRunning);
    }
}

public sealed record PurgeInput(int RetentionDays = 30) : IValidatableInput
{
    /// <summary>The longest retention any purge takes (the Purge orchestration, <c>DELETE …/instances</c>, <c>pipeline purge</c>).</summary>
    public const int MaxRetentionDays = 36_500;

    /// <summary>The HTTP purge's bounds (<c>olderThanDays</c>): a negative retention would purge everything finished.</summary>
    public InputProblem? Validate() => RetentionDays is < 0 or > MaxRetentionDays
        ? new("retentionDays", $"retentionDays must be a whole number of days from 0 to {MaxRetentionDays}, not {RetentionDays}.") : null;
}

/// <param name="Purged">Instances whose history was deleted.</param>
/// <param name="ArtifactsPurged">Model versions whose artifact files were deleted (<see cref="ModelArtifactRetention"/>).</param>
/// <param name="ArtifactBytesFreed">The bytes of those files.</param>
public sealed record PurgeResult(DateTime OlderThan, int Purged, int ArtifactsPurged = 0, long ArtifactBytesFreed = 0);

/// <summary>
/// Deletes the history of finished instances older than the retention (running instances are never touched), then the
/// artifact files of old refused or unevaluated model versions (their records stay).
/// </summary>
public static class PurgeOrchestration
{
    public static async Task<PurgeResult> RunAsync(IOrchestrationContext context, PurgeInput? input)
    {
        var olderThan = context.CurrentUtcDateTime.AddDays(-Math.Max(0, (input ?? new PurgeInput()).RetentionDays));
        var purged = await context.CallActivityAsync<int>(PipelineActivities.PurgeHistory, olderThan, RetrainPipeline.Retry);
        var artifacts = await context.CallActivityAsync<ArtifactRetentionResult>(PipelineActivities.PurgeArtifacts, olderThan, RetrainPipeline.Retry);
        return new PurgeResult(olderThan, purged, artifacts.Versions, artifacts.Bytes);
    }
}
