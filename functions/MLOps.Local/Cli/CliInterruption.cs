using System.Runtime.InteropServices;
using MLOps.Core.Ingest;

namespace MLOps.Local.Cli;

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM during an import: the first signal cancels the verb's token instead of ending the process,
/// so the import stops cleanly and says in one line what it left (<see cref="ImportInterruptedException"/>), exiting
/// 130 (SIGINT) or 143 (SIGTERM) as a shell would for a process the signal ended. A second signal ends the process at
/// once. Without this the runtime ended the process on the first signal and the person saw no word.
/// </summary>
public sealed class CliInterruption : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly PosixSignalRegistration[] _signals;
    private int _signalled;

    private CliInterruption(CancellationToken outer)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>130, or 143 when SIGTERM stopped it; a caller's token cancelled in-process reads as Ctrl+C.</summary>
    public int ExitCode { get; private set; } = ExitCodes.Interrupted;

    /// <summary>
    /// Runs an import verb's <paramref name="body"/> with a token the first signal cancels; interrupted, it prints
    /// <c>interrupted: …</c> on stderr (nothing on stdout) and returns the signal's exit code.
    /// </summary>
    public static Task<int> RunAsync(CancellationToken outer, Func<CancellationToken, Task<int>> body) =>
        RunAsync(outer, body, e => (e as ImportInterruptedException)?.Message);

    /// <summary>
    /// As above, with the line <paramref name="say"/> gives for what the stop left (null: not a stop it can describe,
    /// which goes on to the verb's error handling as before).
    /// </summary>
    public static async Task<int> RunAsync(CancellationToken outer, Func<CancellationToken, Task<int>> body, Func<OperationCanceledException, string?> say)
    {
        using var interruption = new CliInterruption(outer);
        try
        {
            return await body(interruption._cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (interruption._cancel.IsCancellationRequested && say(e) is { } line)
        {
            Console.Error.WriteLine($"interrupted: {line}");
            return interruption.ExitCode;
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 1) return; // the second: the default, which ends the process
        context.Cancel = true;
        ExitCode = context.Signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var signal in _signals) signal.Dispose();
        _cancel.Dispose();
    }
}
