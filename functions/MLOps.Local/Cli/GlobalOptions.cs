using System.CommandLine;

namespace MLOps.Local.Cli;

/// <summary>Options every verb takes: <c>--store</c> and <c>--json</c>.</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> Store = new("--store")
    {
        Description = "Folder, Azure Storage connection string or account URL (default: .mlops; env MLOPS_STORE).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write one JSON document to stdout and nothing else there (progress and logs go to stderr).",
        Recursive = true,
    };
}
