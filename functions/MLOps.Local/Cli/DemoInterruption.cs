using MLOps.Core.Ingest;

namespace MLOps.Local.Cli;

/// <summary>
/// The one line <c>mlops demo</c> prints (after <c>interrupted: </c>) when Ctrl+C or SIGTERM stops a step that stops
/// cleanly (its data step): what the stop left, which steps did not run, and how to resume. Until 2026-12-08 the demo's
/// imports ended with no word, where <c>import</c> said this (<see cref="CliInterruption"/>).
/// </summary>
public static class DemoInterruption
{
    public static string Line(string step, OperationCanceledException stop, IReadOnlyList<string> notRun)
    {
        var left = stop switch
        {
            // The demo imports a dataset's catalogue before its events, so stopped in the events the catalogue is committed.
            ImportInterruptedException { Kind: "events" } events => $"{events.WhatItLeft} The catalogue imported before it is committed.",
            ImportInterruptedException import => import.WhatItLeft,
            StepFinished => "the signal came as it finished, so what it did is done (its imports are committed).",
            // The data step's only other cancellable work: the importers turn every stop of theirs into the exception above.
            _ => "generating the demo data stopped before it finished: nothing was imported, and the data is generated again.",
        };
        return $"demo stopped in its {step} step: {left} Not run: {(notRun.Count == 0 ? "none" : string.Join(", ", notRun))}. "
            + "Run the same demo command again to resume: batches already committed are found imported and skipped, the rest is imported afresh, then the other steps run.";
    }

    /// <summary>The signal came while the step did its last writes, which are not cancelled half-way, so it finished.</summary>
    public sealed class StepFinished(CancellationToken token) : OperationCanceledException(token);
}
