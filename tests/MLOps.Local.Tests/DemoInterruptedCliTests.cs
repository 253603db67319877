using MLOps.Core.Ingest;
using MLOps.Local.Cli;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops demo</c> stopped by Ctrl+C in its data step says what it left, which steps did not run and how to resume,
/// and exits 130, as <c>import</c> does (it printed no word: the runtime ended the process; in-process it read
/// "cancelled", exit 1). The verb's token is cancelled before the step starts, a known point without timing.
/// </summary>
[Collection(nameof(ConsoleCapture))]
public sealed class DemoInterruptedCliTests
{
    [Fact]
    public async Task Demo_InterruptedInItsImports_SaysWhatItLeftAndHowToResume_AndExits130()
    {
        var work = TestEnvironment.NewTempFolder("demo-interrupted");
        var data = Directory.CreateDirectory(Path.Combine(work, "gen")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "events.csv"), "userId,contentId,timestamp\nu1,m1,1700000000\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(data, "catalog.ndjson"), "{\"contentId\":\"m1\",\"title\":\"Heat\"}\n", TestContext.Current.CancellationToken);
        var store = Path.Combine(work, "store");
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync();

        var (exit, stderr) = await ConsoleCapture.StdErrAsync(() => MLOpsCli.Build()
            .Parse(["demo", "--data", data, "--no-serve", "--store", store, "--json"])
            .InvokeAsync(cancellationToken: interrupted.Token));

        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        var line = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("interrupted: demo stopped in its data step: ndjson:catalog.ndjson stopped after 0 rows (0 accepted, 0 quarantined); batch ", line, StringComparison.Ordinal);
        Assert.Contains("was not committed, so nothing is half-written: the catalogue is unchanged. Not run: stats, pipeline, serve. Run the same demo command again to resume", line, StringComparison.Ordinal);
        Assert.DoesNotContain("== stats", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A signal in the step's last writes, which are not cancelled, lets the step finish; the demo still stops before the
    /// next step, rather than lose the signal the step took and go on to the pipeline.
    /// </summary>
    [Fact]
    public async Task Step_FinishingDespiteASignal_StopsTheDemoBeforeTheNextStep()
    {
        using var signal = new CancellationTokenSource();
        var step = new DemoStep("data", "a step whose last writes are not cancelled", (_, _) => signal.CancelAsync()) { StopsCleanly = true };
        var cli = new CliContext(MLOpsCli.Build().Parse(["demo", "--store", Path.Combine(TestEnvironment.NewTempFolder("demo-step"), "store")]));

        var (exit, stderr) = await ConsoleCapture.StdErrAsync(() => DemoCommand.RunStepAsync(step, new DemoContext(cli, null, true), ["stats", "pipeline", "serve"], signal.Token));

        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        Assert.Equal("interrupted: demo stopped in its data step: the signal came as it finished, so what it did is done (its imports are committed). Not run: stats, pipeline, serve. "
            + "Run the same demo command again to resume: batches already committed are found imported and skipped, the rest is imported afresh, then the other steps run.",
            stderr.TrimEnd('\n', '\r'));
    }

    /// <summary>Stopped in a dataset's events, the catalogue imported before them is said to be committed.</summary>
    [Fact]
    public void Line_StoppedInTheEvents_NamesTheRowsTheBatchAndTheCommittedCatalogue()
    {
        var stop = new ImportInterruptedException("events", "csv:u.data", "b1", 4_096, 4_000, 96, CancellationToken.None);

        var line = DemoInterruption.Line("data", stop, ["stats", "pipeline", "serve"]);

        Assert.Equal("demo stopped in its data step: csv:u.data stopped after 4,096 rows (4,000 accepted, 96 quarantined); batch b1 was not committed, "
            + "so nothing is half-written: its blobs stay hidden until a run commits them. The catalogue imported before it is committed. "
            + "Not run: stats, pipeline, serve. Run the same demo command again to resume: batches already committed are found imported and skipped, "
            + "the rest is imported afresh, then the other steps run.", line);
    }
}
