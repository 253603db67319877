using MLOps.Storage;

namespace MLOps.Tests;

/// <summary>Where tests find the shared datasets and Azurite, and how they make throwaway stores.</summary>
public static class TestEnvironment
{
    /// <summary>The repository root (the folder holding MLOps.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared/data beside the repository, or MLOPS_SHARED_DATA; null when absent (tests then skip with a notice).</summary>
    public static string? SharedData { get; } =
        Environment.GetEnvironmentVariable("MLOPS_SHARED_DATA") is { Length: > 0 } env && Directory.Exists(env) ? env
        : Directory.Exists(Path.Combine(RepoRoot, "..", "shared", "data")) ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"))
        : null;

    public static string? DatasetPath(string name) =>
        SharedData is { } root && Directory.Exists(Path.Combine(root, name)) ? Path.Combine(root, name) : null;

    /// <summary>Azurite connection string exported by tests/run.sh (MLOPS_TEST_AZURITE); null when not running.</summary>
    public static string? Azurite { get; } = Environment.GetEnvironmentVariable("MLOPS_TEST_AZURITE") is { Length: > 0 } s ? s : null;

    /// <summary>A fresh empty folder under this test process's temp folder (deleted when the process exits).</summary>
    public static string NewTempFolder(string label = "test")
    {
        var path = Path.Combine(RunFolder.Value, $"{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    // One folder per test process, deleted at exit; a killed run's folder goes at the next run's start. Without this every
    // full run left about a gigabyte of stores behind (46 GB of them filled this machine's disk).
    private static readonly Lazy<string> RunFolder = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "mlops-tests");
        if (Directory.Exists(root))
            foreach (var dir in Directory.GetDirectories(root, "run-*"))
                if (int.TryParse(Path.GetFileName(dir)["run-".Length..], out var pid) && !IsRunning(pid)) TryDelete(dir);
        var mine = Path.Combine(root, $"run-{Environment.ProcessId}");
        Directory.CreateDirectory(mine);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(mine);
        return mine;
    });

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (a store a test left running): the next run's start retries.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A new empty folder store.</summary>
    public static FolderBlobStore NewFolderStore(string label = "store") => new(NewTempFolder(label));

    /// <summary>A new empty Azurite container, or null when Azurite is not running.</summary>
    public static AzureBlobStore? NewAzuriteStore() =>
        Azurite is { } cs ? (AzureBlobStore)BlobStoreFactory.Open($"{cs};Container=t{Guid.NewGuid():N}") : null;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLOps.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find MLOps.sln above the test binaries.");
    }
}
