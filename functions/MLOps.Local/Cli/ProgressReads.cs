using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// The state reads behind the progress lines of <c>pipeline run --wait</c> and <c>pipeline resume</c>. Progress is
/// best-effort: a failed read (a store hiccup) ended the verb while the instance ran on, so it now prints one warning per
/// verb, not one per poll, and the next poll reads again; the work's own outcome decides the exit. A store that stays
/// down used to leave the verb silent after that warning, so an outage (failed reads with no successful one between)
/// gets a "still cannot read" line at most once per <see cref="ReportEvery"/>, and an outage that got a line gets a
/// "readable again" line when it ends; a brief one after the first stays silent, so a flapping store cannot flood.
/// </summary>
internal sealed class ProgressReads(IAnsiConsole log, EmbeddedOrchestrationEngine engine, TimeProvider? clock = null)
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private bool _warned;
    /// <summary>Failed reads since the last successful one (the current outage), and when it began and was last reported.</summary>
    private int _failedReads;
    private long _outageStart, _lastLine;
    private bool _announced;

    /// <summary>The instance's state (null when there is no such instance); false when the read failed.</summary>
    public async Task<(bool Read, OrchestrationState? State)> TryGetStateAsync(string id, CancellationToken cancellationToken)
    {
        OrchestrationState? state;
        try
        {
            state = await engine.GetStateAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failed(id, e);
            return (false, null);
        }
        Recovered();
        return (true, state);
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
        Failed(id, e);
        return true;
    }

    private void Failed(string id, Exception e)
    {
        var now = _clock.GetTimestamp();
        if (_failedReads++ == 0) _outageStart = now;
        var error = e.Message.Split('\n')[0].Trim();
        if (!_warned)
        {
            _warned = _announced = true;
            _lastLine = now;
            log.WriteLine($"warning: could not read {id}'s state ({error}); progress lines may pause, the work goes on and is still waited for");
            return;
        }
        if (_clock.GetElapsedTime(_outageStart, now) < ReportEvery || _clock.GetElapsedTime(_lastLine, now) < ReportEvery) return;
        _announced = true;
        _lastLine = now;
        log.WriteLine($"warning: still cannot read {id}'s state ({_failedReads} failed reads over {Seconds(now)} s): {error}");
    }

    private void Recovered()
    {
        if (_failedReads == 0) return;
        if (_announced)
            log.WriteLine($"progress readable again after {_failedReads} failed reads over {Seconds(_clock.GetTimestamp())} s");
        _failedReads = 0;
        _announced = false;
    }

    private string Seconds(long now) =>
        _clock.GetElapsedTime(_outageStart, now).TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
}
