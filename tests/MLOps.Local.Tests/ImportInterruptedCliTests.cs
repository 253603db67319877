using MLOps.Local.Cli;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// An import stopped by Ctrl+C says so in one line on stderr and exits 130 (it printed nothing: the runtime ended the
/// process). The verb's token is cancelled in-process before the import starts, a known point without timing; the
/// importers' own tests stop them mid-file (MLOps.Core.Tests, InterruptedImportTests).
/// </summary>
[Collection(nameof(ConsoleCapture))]
public sealed class ImportInterruptedCliTests
{
    // The events import stops as it takes its lease, before it knows whether the batch was imported before; the catalogue's
    // finds no earlier import (a folder store's read is not cancelled) and stops at its first row.
    [Theory]
    [InlineData("events", "csv:e.csv stopped before reading any rows, while checking whether batch ", "was already imported: this run imported nothing.",
        "Run the same command again: it finds the batch already imported, or imports it.")]
    [InlineData("catalog", "csv:c.csv stopped after 0 rows (0 accepted, 0 quarantined); batch ", "was not committed, so nothing is half-written",
        "the catalogue is unchanged. Run the same command again to import it.")]
    public async Task Import_Interrupted_SaysWhatItLeftInOneLine_AndExits130(string verb, string start, string left, string then)
    {
        var work = TestEnvironment.NewTempFolder("interrupted-cli");
        await File.WriteAllTextAsync(Path.Combine(work, "e.csv"), "userId,contentId,timestamp\nu1,m1,1700000000\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "c.csv"), "contentId,title\nm1,Heat\n", TestContext.Current.CancellationToken);
        var store = Path.Combine(work, "store");
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync();

        var (exit, stderr) = await ConsoleCapture.StdErrAsync(() => MLOpsCli.Build()
            .Parse(["import", verb, Path.Combine(work, verb == "events" ? "e.csv" : "c.csv"), "--store", store])
            .InvokeAsync(cancellationToken: interrupted.Token));

        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("interrupted: " + start, line, StringComparison.Ordinal);
        Assert.Contains(left, line, StringComparison.Ordinal);
        Assert.Contains(then, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(store, "imports")) && Directory.EnumerateFiles(Path.Combine(store, "imports"), "*.json").Any(), "no batch committed");
    }
}

/// <summary>Tests that swap <see cref="Console.Error"/> run one at a time.</summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture
{
    public static async Task<(int Exit, string StdErr)> StdErrAsync(Func<Task<int>> run)
    {
        var original = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var exit = await run();
            return (exit, captured.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
