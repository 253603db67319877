using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// The state reads behind the progress lines of <c>pipeline run --wait</c> and <c>pipeline resume</c>. Progress is
/// best-effort: a failed read (a store hiccup) ended the verb while the instance ran on, so it now prints one warning per
/// verb, not one per poll, and the next poll reads again; the work's own outcome decides the exit.
/// </summary>
internal sealed class ProgressReads(IAnsiConsole log, EmbeddedOrchestrationEngine engine)
{
    private bool _warned;

    /// <summary>The instance's state (null when there is no such instance); false when the read failed.</summary>
    public async Task<(bool Read, OrchestrationState? State)> TryGetStateAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return (true, await engine.GetStateAsync(id, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Warn(id, e);
            return (false, null);
        }
    }

    /// <summary>
    /// Whether a finished wait for the instance failed only to read its state: waiting again is right then. Its other
    /// ends stand: the instance's outcome, no such instance, cancellation, the engine's simulated crash, and a record that
    /// was read but cannot be parsed (no later read fixes it: waiting again would wait forever).
    /// </summary>
    public bool FailedToRead(string id, Task wait)
    {
        if (!wait.IsFaulted || wait.Exception.InnerException is not { } e
            || e is OperationCanceledException or KeyNotFoundException or SimulatedCrashException or System.Text.Json.JsonException or InvalidDataException) return false;
        Warn(id, e);
        return true;
    }

    private void Warn(string id, Exception e)
    {
        if (_warned) return;
        _warned = true;
        log.WriteLine($"warning: could not read {id}'s state ({e.Message.Split('\n')[0].Trim()}); progress lines may pause, the work goes on and is still waited for");
    }
}
