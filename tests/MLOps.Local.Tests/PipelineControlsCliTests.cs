using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops pipeline suspend ID</c> · <c>resume ID</c> · <c>rewind ID</c> through the real executable: a suspended
/// instance stays suspended across processes (even through the no-ID `pipeline resume`), `resume ID --wait` finishes it;
/// wrong states exit 1 with "conflict:", unknown ids exit 2.
/// </summary>
public class PipelineControlsCliTests
{
    [Fact]
    public async Task Suspend_SurvivesPipelineResume_ResumeIdFinishes_WrongStatesExit1()
    {
        var work = TestEnvironment.NewTempFolder("controls");
        var store = Path.Combine(work, "store");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", store]);

        var started = await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "purge-1", "--json");
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.False(started.Json().GetProperty("alreadyRunning").GetBoolean());
        var again = await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "purge-1", "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(again.Json().GetProperty("alreadyRunning").GetBoolean()); // the singleton: not started twice
        Assert.Contains("Purge purge-1 already exists and is pending; not starting another", again.StdErr, StringComparison.Ordinal);
        var suspend = await Mlops("pipeline", "suspend", "purge-1", "--reason", "hold on", "--json");
        Assert.True(suspend.ExitCode == 0, suspend.ToString());
        Assert.True(suspend.Json().GetProperty("suspended").GetBoolean());
        Assert.Equal("hold on", suspend.Json().GetProperty("reason").GetString());

        var all = await Mlops("pipeline", "resume", "--json"); // finishes every unfinished instance: this one records its suspension and stays
        Assert.True(all.ExitCode == 0, all.ToString());
        var status = await Mlops("pipeline", "status", "purge-1", "--history", "--json");
        Assert.Equal("suspended", status.Json().GetProperty("runtimeStatus").GetString(), ignoreCase: true);
        Assert.Contains(status.Json().GetProperty("history").EnumerateArray(), e => e.GetProperty("type").GetString() == "executionSuspended"
            && e.GetProperty("data").GetString() == "hold on");
        Assert.DoesNotContain(status.Json().GetProperty("history").EnumerateArray(), e => e.GetProperty("type").GetString() == "taskScheduled");

        var twice = await Mlops("pipeline", "suspend", "purge-1");
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("conflict: Cannot suspend instance 'purge-1': it is Suspended", twice.StdErr, StringComparison.Ordinal);

        var resumed = await Mlops("pipeline", "resume", "purge-1", "--wait", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal("completed", resumed.Json().GetProperty("runtimeStatus").GetString(), ignoreCase: true);
        // For a person: one header line (with its times), then the outcome; it printed the header twice.
        var human = await Mlops("pipeline", "status", "purge-1");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Single(human.StdOut.Split('\n'), l => l.StartsWith("Purge purge-1: ", StringComparison.Ordinal));
        Assert.Contains("(created ", human.StdOut, StringComparison.Ordinal);

        var late = await Mlops("pipeline", "suspend", "purge-1", "--json");
        Assert.Equal(1, late.ExitCode);
        Assert.Contains("it is Completed", late.StdErr, StringComparison.Ordinal);
        Assert.Equal("", late.StdOut);
        var approve = await Mlops("pipeline", "approve", "purge-1"); // a finished instance takes no events: state, not usage
        Assert.Equal(1, approve.ExitCode);
        Assert.Contains("conflict: ", approve.StdErr, StringComparison.Ordinal);
        var rewind = await Mlops("pipeline", "rewind", "purge-1");
        Assert.Equal(1, rewind.ExitCode);
        Assert.Contains("conflict: Cannot rewind instance 'purge-1': it is Completed; only a Failed instance can be rewound.", rewind.StdErr, StringComparison.Ordinal);
    }

    /// <summary>A reason given blank is no reason: the verb's default is recorded ("suspended from the CLI"), not "" (until 2026-12-07).</summary>
    [Fact]
    public async Task Suspend_BlankReason_RecordsTheDefault()
    {
        var work = TestEnvironment.NewTempFolder("controls");
        var store = Path.Combine(work, "store");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", store]);
        var started = await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "purge-2", "--json");
        Assert.True(started.ExitCode == 0, started.ToString());

        var suspend = await Mlops("pipeline", "suspend", "purge-2", "--reason", " ", "--json");
        Assert.True(suspend.ExitCode == 0, suspend.ToString());
        Assert.Equal("suspended from the CLI", suspend.Json().GetProperty("reason").GetString());
        Assert.True((await Mlops("pipeline", "resume", "--json")).ExitCode == 0); // records the suspension; the instance stays suspended
        var status = await Mlops("pipeline", "status", "purge-2", "--history", "--json");
        Assert.Contains(status.Json().GetProperty("history").EnumerateArray(), e => e.GetProperty("type").GetString() == "executionSuspended"
            && e.GetProperty("data").GetString() == "suspended from the CLI");
    }

    [Theory]
    [InlineData("suspend")]
    [InlineData("resume")]
    [InlineData("rewind")]
    // One wording for every verb (suspend, resume, rewind and terminate said "No orchestration instance", status "no …").
    [InlineData("terminate")]
    [InlineData("status")]
    public async Task Control_UnknownInstance_Exit2_NamesIt(string verb)
    {
        var work = TestEnvironment.NewTempFolder("controls");
        var run = await CliRunner.RunAsync(work, "pipeline", verb, "no-such-instance", "--store", Path.Combine(work, "s"), "--json");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: no orchestration instance 'no-such-instance'", run.StdErr, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>pipeline run --instance-id X --wait</c> on an existing X runs X only: it resumed the whole store, ran every other
    /// unfinished instance here and abandoned them mid-run when X ended. The others stay pending and are named.
    /// </summary>
    /// <summary>
    /// <c>pipeline resume</c> runs unfinished retrains for minutes; it printed "resuming 1: r1" and then nothing until the end
    /// (found resuming a recorded RetrainPipeline on ML-100k: 18 s of silence). It now prints each instance's steps to
    /// stderr as <c>pipeline run --wait</c> does, and stdout keeps only the JSON document.
    /// </summary>
    [Fact]
    public async Task ResumeAll_PrintsEachInstancesSteps_OnStderr()
    {
        var work = TestEnvironment.NewTempFolder("resume-progress");
        var store = Path.Combine(work, "store");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", store]);
        File.WriteAllLines(Path.Combine(work, "e.ndjson"), Enumerable.Range(0, 60).Select(i =>
            $$"""{"eventId":"e{{i}}","userId":"u{{i % 6}}","contentId":"c{{i % 9}}","timestamp":"2024-05-01T{{i % 24:D2}}:{{i % 60:D2}}:00Z","eventType":"play"}"""));
        Assert.Equal(0, (await Mlops("import", "events", "e.ndjson")).ExitCode);
        Assert.Equal(0, (await Mlops("pipeline", "run", "--no-tune", "--candidates", "popularity,sar", "--instance-id", "r1")).ExitCode);

        var resume = await Mlops("pipeline", "resume", "--json");

        Assert.True(resume.ExitCode is 0 or 1, resume.ToString());
        Assert.Equal("r1", Assert.Single(resume.Json().GetProperty("resumed").EnumerateArray()).GetString());
        Assert.Matches(@"r1: \[\d+/\d+\] [a-z-]+: ", resume.StdErr);
    }

    [Fact]
    public async Task RunWait_OnAnExistingInstance_RunsOnlyThatOne_AndNamesTheOthers()
    {
        var work = TestEnvironment.NewTempFolder("controls");
        var store = Path.Combine(work, "store");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", store]);
        Assert.Equal(0, (await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "x")).ExitCode);
        Assert.Equal(0, (await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "y")).ExitCode);

        var run = await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "x", "--wait");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Purge y is pending: `mlops serve` or `mlops pipeline resume` runs it", run.StdErr, StringComparison.Ordinal);
        var y = await Mlops("pipeline", "status", "y", "--json");
        Assert.Equal("pending", y.Json().GetProperty("runtimeStatus").GetString());
    }

    /// <summary>An id the engine refuses is one line saying why, without .NET's "(Parameter 'id')" suffix.</summary>
    [Theory]
    [InlineData("status")]
    [InlineData("suspend")]
    public async Task Control_InvalidInstanceId_Exit2_OneLineWithoutParameterSuffix(string verb)
    {
        var work = TestEnvironment.NewTempFolder("controls");
        var run = await CliRunner.RunAsync(work, "pipeline", verb, "bad/id", "--store", Path.Combine(work, "s"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: instance id 'bad/id' must be", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", run.StdErr, StringComparison.Ordinal);
    }
}
