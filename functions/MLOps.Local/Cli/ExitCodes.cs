namespace MLOps.Local.Cli;

/// <summary>The CLI contract's exit codes (DESIGN.md, "Interfaces").</summary>
public static class ExitCodes
{
    public const int Done = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl+C (SIGINT): 128 + 2, what a shell reports for a process the signal ended.</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM: 128 + 15.</summary>
    public const int Terminated = 143;
}

/// <summary>Bad usage or bad input: the CLI prints the message as one line and exits 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>The request is valid but the state does not allow it (e.g. suspend a finished instance): "conflict: …", exit 1.</summary>
public sealed class CliConflictException(string message) : Exception(message);
