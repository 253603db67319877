using System.Globalization;
using System.Text.Json;
using MLOps.Storage;
using MLOps.Workflows;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>pipeline approve|reject</c> is a one-time decision: the RetrainPipeline applies the first approval event it holds and
/// ignores the rest, so a second decision used to be accepted (exit 0) and silently dropped — two on-call engineers, one
/// approving and one rejecting, both believed they had decided. It is refused instead, naming the first decision: one
/// already in the instance's history or inbox, or one claimed at the same moment (<see cref="OneTimeEventClaims"/>, shared
/// with the HTTP API of both hosts), which the history check alone let through.
/// </summary>
internal static class ApprovalGuard
{
    public static async Task EnsureUndecidedAsync(EmbeddedOrchestrationEngine engine, string instance, string verb, CancellationToken cancellationToken)
    {
        var record = await engine.GetRecordAsync(instance, cancellationToken).ConfigureAwait(false);
        // Unknown: RaiseEventAsync says so (exit 2), as for any event.
        if (record is null) return;
        if (record.IsFinished && await engine.GetStateAsync(instance, cancellationToken).ConfigureAwait(false) is { } done)
            throw new CliConflictException($"{done.TakesNoMoreEvents()} Nothing was sent; to undo a promotion, `mlops models rollback`.");
        if (record.Name != OrchestrationNames.RetrainPipeline)
            throw new CliUsageException($"{instance} is a {record.Name}; only a {OrchestrationNames.RetrainPipeline} waits for approval, so the {verb} would be ignored.");
        var earlier = await engine.RaisedEventsAsync(instance, RetrainPipeline.ApprovalEvent, cancellationToken).ConfigureAwait(false);
        if (earlier is [var first, ..]) throw Conflict(instance, verb, Describe(first.Data, first.Timestamp));
    }

    /// <summary>
    /// Claims the run's approval for this decision (null: the instance is unknown or finished, which raising then reports);
    /// refused when another decision claimed it first.
    /// </summary>
    public static async Task<OrchestrationState?> ClaimAsync(EmbeddedOrchestrationEngine engine, IBlobStore store, string instance, string verb,
        ApprovalDecision decision, CancellationToken cancellationToken)
    {
        if (await engine.GetStateAsync(instance, cancellationToken).ConfigureAwait(false) is not { IsFinished: false } run) return null;
        if (await OneTimeEventClaims.TryClaimAsync(store, run, RetrainPipeline.ApprovalEvent, WorkflowJson.ToElement(decision), DateTimeOffset.UtcNow,
                cancellationToken).ConfigureAwait(false) is { } first)
            throw Conflict(instance, verb, Describe(first.Payload, first.ClaimedAt));
        return run;
    }

    private static CliConflictException Conflict(string instance, string verb, string first) =>
        new($"{instance} already has a decision: {first}. The pipeline applies the first decision it holds, "
            + $"so this {verb} was not sent; agree with who decided, and if a promotion must be undone, `mlops models rollback`.");

    private static string Describe(JsonElement? payload, DateTimeOffset sentAt)
    {
        var at = sentAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        ApprovalDecision? decision = null;
        try { decision = WorkflowJson.FromElement<ApprovalDecision>(payload); }
        catch (JsonException) { } // a payload the pipeline cannot read either: still a decision it holds
        return decision is null
            ? $"an approval event sent {at}"
            : $"{(decision.Approved ? "approved" : "rejected")} by {decision.By ?? "a reviewer"} at {at}" + (decision.Comment is { Length: > 0 } c ? $" (\"{c}\")" : "");
    }
}
