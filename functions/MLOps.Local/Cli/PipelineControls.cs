using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core;
using MLOps.Workflows;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>mlops pipeline suspend ID</c> · <c>resume ID</c> · <c>rewind ID</c>: the operator controls of the embedded runner.
/// Unknown id → exit 2; a state that does not allow it (suspend a finished one, rewind one that has not failed) → "conflict:" and exit 1.
/// </summary>
internal static class PipelineControls
{
    public static Command Suspend()
    {
        var id = new Argument<string>("ID") { Description = "A Pending or Running instance." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the instance's history)." };
        var command = new Command("suspend", "Stop an instance from advancing until `pipeline resume ID` (running activities finish; results and events are kept).") { id, reason };
        command.SetVerbAction((context, cancellationToken) =>
        {
            var instance = context.Parse.GetValue(id)!;
            var why = Why(context.Parse.GetValue(reason), "suspended from the CLI");
            return ControlAsync(context, engine => engine.SuspendAsync(instance, why, cancellationToken), instance, runHere: false,
                new { instanceId = instance, suspended = true, reason = why },
                $"suspension requested for {instance}; it takes effect where the instance runs (serve, or its next `pipeline resume`)", cancellationToken);
        });
        return command;
    }

    public static Task<int> ResumeOneAsync(CliContext context, string instance, string? reason, bool wait, CancellationToken cancellationToken)
    {
        var why = Why(reason, "resumed from the CLI");
        return ControlAsync(context, engine => engine.ResumeAsync(instance, why, cancellationToken), instance, runHere: wait,
            new { instanceId = instance, resumed = true, reason = why },
            $"resume requested for {instance}; it continues where it runs (serve, or `pipeline resume`)", cancellationToken);
    }

    public static Command Rewind()
    {
        var id = new Argument<string>("ID") { Description = "A Failed instance." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the instance's history)." };
        var wait = new Option<bool>("--wait") { Description = "Run the rewound instance here and wait for it to finish." };
        var command = new Command("rewind", "Rewind a Failed instance: its failed steps run again, every step that succeeded keeps its result.") { id, reason, wait };
        command.SetVerbAction((context, cancellationToken) =>
        {
            var instance = context.Parse.GetValue(id)!;
            var why = Why(context.Parse.GetValue(reason), "rewound from the CLI");
            return ControlAsync(context, engine => engine.RewindAsync(instance, why, cancellationToken), instance, runHere: context.Parse.GetValue(wait),
                new { instanceId = instance, rewound = true, reason = why, runtimeStatus = RuntimeStatus.Running },
                $"rewound {instance}: Running again; `mlops serve` or `mlops pipeline resume` runs it (or use --wait)", cancellationToken);
        });
        return command;
    }

    /// <summary>Runs the instance in this process until it finishes or only waits for an event, a timer or a resume.</summary>
    private static async Task<int> RunHereAsync(CliContext context, EmbeddedOrchestrationEngine engine, string instance, CancellationToken cancellationToken)
    {
        engine.RunInstance(instance);
        await engine.WaitUntilQuietAsync(cancellationToken).ConfigureAwait(false);
        var state = (await engine.GetStateAsync(instance, cancellationToken).ConfigureAwait(false))!;
        // Another process (`serve`) holds it: it takes the control from there, and the state read here may predate that.
        var elsewhere = state.IsFinished ? null : await engine.HeldElsewhereAsync(instance, cancellationToken).ConfigureAwait(false);
        PipelineCommand.WriteResult(context, state);
        if (elsewhere is not null)
            context.Log.WriteLine($"{instance} runs in another process ({elsewhere}): it continues there; `mlops pipeline status {instance}` follows it");
        else if (!state.IsFinished) context.Log.WriteLine($"{instance} is {state.RuntimeStatus}: waiting for an event, a timer or a resume");
        return state.RuntimeStatus == RuntimeStatus.Failed ? ExitCodes.Failed : ExitCodes.Done;
    }

    /// <summary>
    /// Applies one control on the embedded engine of this store (without running other started instances), mapping an
    /// unknown id to a usage error (exit 2) and a refused state to a conflict (exit 1); then either reports
    /// <paramref name="result"/> or, with <paramref name="runHere"/>, runs the instance here.
    /// </summary>
    private static async Task<int> ControlAsync(CliContext context, Func<EmbeddedOrchestrationEngine, Task> control, string instance, bool runHere,
        object result, string message, CancellationToken cancellationToken)
    {
        await using var services = PipelineCommand.BuildServices(context);
        var engine = services.GetRequiredService<EmbeddedOrchestrationEngine>();
        engine.RunStartedInstances = false;
        try
        {
            await control(engine).ConfigureAwait(false);
        }
        catch (KeyNotFoundException e)
        {
            throw new CliUsageException(e.Message);
        }
        catch (InstanceStateException e)
        {
            throw new CliConflictException(e.Message);
        }
        if (runHere) return await RunHereAsync(context, engine, instance, cancellationToken).ConfigureAwait(false);
        context.Result(result, c => c.WriteLine(message));
        return ExitCodes.Done;
    }

    /// <summary>A control's <c>--reason</c>: one printable line; given blank it is absent and <paramref name="fallback"/> is recorded.</summary>
    private static string Why(string? reason, string fallback) =>
        FreeText.OrNull(FreeText.Check(reason, "--reason", OrchestrationApi.MaxReasonLength)) ?? fallback;
}
