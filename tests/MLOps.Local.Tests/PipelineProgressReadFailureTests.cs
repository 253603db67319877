using Microsoft.Extensions.DependencyInjection;
using MLOps.Local.Cli;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using Spectre.Console;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>pipeline run --wait</c> and <c>pipeline resume</c> poll the instance state for their progress lines. One failed read
/// (a store hiccup) ended the verb with an error while the instance ran on; progress is best-effort now: one warning line,
/// the wait goes on, and the instance's own outcome is the result.
/// </summary>
public class PipelineProgressReadFailureTests
{
    /// <summary>Fails the next few reads of any instance record once armed.</summary>
    private sealed class FailingStateReads(IBlobStore inner) : DelegatingBlobStore(inner)
    {
        private int _failures;
        public TaskCompletionSource AllFailed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void FailNext(int reads) => Volatile.Write(ref _failures, reads);

        /// <summary>From now on every instance record reads as JSON no build can parse: no retry will ever read it.</summary>
        public volatile bool Corrupt;

        public override Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
        {
            if (!path.EndsWith("/instance.json", StringComparison.Ordinal)) return Inner.ReadAsync(path, cancellationToken);
            if (Corrupt) return Task.FromResult<BlobContent?>(new BlobContent(BinaryData.FromString("{ not json"), new BlobETag("\"corrupt\""), DateTimeOffset.UtcNow));
            var left = Interlocked.Decrement(ref _failures);
            if (left < 0) return Inner.ReadAsync(path, cancellationToken);
            if (left == 0) AllFailed.TrySetResult();
            throw new IOException("the store did not answer");
        }
    }

    /// <summary>An instance whose one activity runs until the test releases it.</summary>
    private sealed class HeldInstance : IAsyncDisposable
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public FailingStateReads Store { get; } = new(TestEnvironment.NewFolderStore());
        public EmbeddedOrchestrationEngine Engine { get; }

        public HeldInstance()
        {
            var registry = new WorkflowRegistry()
                .AddActivity<string, string>("Hold", async (_, _, input, ct) =>
                {
                    Started.TrySetResult();
                    await Release.Task.WaitAsync(ct);
                    return input;
                })
                .AddOrchestrator<string, string>("Held", async (context, input) =>
                {
                    context.SetCustomStatus(new { step = "hold", done = 0, total = 1, detail = "held by the test" });
                    return await context.CallActivityAsync<string>("Hold", input);
                });
            Engine = new EmbeddedOrchestrationEngine(Store, registry, new ServiceCollection().BuildServiceProvider());
        }

        /// <summary>Starts the instance and arms the failures once its worker has read its record and runs the activity.</summary>
        public async Task StartThenFailReadsAsync(string id, int failures, CancellationToken cancellationToken)
        {
            await Engine.StartAsync("Held", "done", id, cancellationToken);
            await Started.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            Store.FailNext(failures);
        }

        public ValueTask DisposeAsync() => Engine.DisposeAsync();
    }

    private static IAnsiConsole Console(StringWriter into) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(into), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });

    private static async Task<T> AfterFailuresThenReleaseAsync<T>(HeldInstance held, Task<T> verb, CancellationToken cancellationToken)
    {
        await Task.WhenAny(held.Store.AllFailed.Task, verb).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        if (held.Store.AllFailed.Task.IsCompleted) await Task.Delay(300, cancellationToken); // a poll after the failures: the verb is still waiting
        Assert.False(verb.IsCompleted, verb.Exception?.InnerException?.Message ?? "the verb ended before its instance did");
        held.Release.SetResult();
        return await verb.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    private static int Warnings(StringWriter log) => log.ToString().Split('\n').Count(l => l.StartsWith("warning: could not read", StringComparison.Ordinal));

    [Fact]
    public async Task RunWait_StateReadsFail_WarnsOnceAndWaitsForTheInstance()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var held = new HeldInstance();
        await held.StartThenFailReadsAsync("r1", failures: 3, ct);
        var log = new StringWriter();

        var state = await AfterFailuresThenReleaseAsync(held, PipelineCommand.WaitWithProgressAsync(Console(log), held.Engine, "r1", ct), ct);

        Assert.Equal(RuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(1, Warnings(log));
    }

    [Fact]
    public async Task Resume_StateReadsFail_WarnsOnceAndWaitsForTheWork()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var held = new HeldInstance();
        await held.StartThenFailReadsAsync("r1", failures: 3, ct);
        var log = new StringWriter();

        var waiting = await AfterFailuresThenReleaseAsync(held,
            PipelineCommand.WithProgressAsync(Console(log), held.Engine, ["r1"], held.Engine.WaitUntilQuietAsync(ct), ct), ct);

        Assert.Empty(waiting);
        Assert.Equal(RuntimeStatus.Completed, (await held.Engine.GetStateAsync("r1", ct))!.RuntimeStatus);
        Assert.Equal(1, Warnings(log));
        Assert.Contains("r1: [0/1] hold: held by the test", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWait_InstanceRecordUnreadable_EndsWithTheErrorInsteadOfWaitingForever()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var held = new HeldInstance();
        await held.StartThenFailReadsAsync("r1", failures: 0, ct);
        held.Store.Corrupt = true;
        var log = new StringWriter();

        var verb = PipelineCommand.WaitWithProgressAsync(Console(log), held.Engine, "r1", ct);

        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => verb.WaitAsync(TimeSpan.FromSeconds(15), ct));
        held.Release.TrySetResult();
    }

    /// <summary>A clock the test moves by hand: the outage lines are a minute apart, the test waits for none of it.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    /// <summary>
    /// A store that stayed down left the verb silent after its one warning; now a persistent outage says so at most once a
    /// minute, its end is announced, and a brief failure after that (a flapping store) prints nothing.
    /// </summary>
    [Fact]
    public async Task StoreStaysDown_StillCannotReadOncePerMinute_ThenReadableAgain_BriefFailuresAfterStaySilent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var held = new HeldInstance();
        await held.StartThenFailReadsAsync("r1", failures: int.MaxValue, ct);
        var log = new StringWriter();
        var clock = new ManualClock();
        var console = Console(log);
        console.Profile.Width = 1000; // one line each, as on a wide terminal
        var reads = new ProgressReads(console, held.Engine, clock);
        async Task PollAsync(int times, TimeSpan apart)
        {
            for (var n = 0; n < times; n++)
            {
                await reads.TryGetStateAsync("r1", ct);
                clock.Advance(apart);
            }
        }

        await PollAsync(241, TimeSpan.FromSeconds(0.25));  // failures at 0, 0.25, …, 60 s
        await PollAsync(239, TimeSpan.FromSeconds(0.25));  // 60.25 … 119.75 s: within the minute since the last line
        await PollAsync(1, TimeSpan.FromSeconds(10));      // 120 s
        held.Store.FailNext(0);
        await PollAsync(3, TimeSpan.FromSeconds(0.25));    // read again at 130 s, then as usual
        held.Store.FailNext(1);
        await PollAsync(2, TimeSpan.FromSeconds(0.25));    // one failure, one read: silent

        Assert.Equal(
            [
                "warning: could not read r1's state (the store did not answer); progress lines may pause, the work goes on and is still waited for",
                "warning: still cannot read r1's state (241 failed reads over 60 s): the store did not answer",
                "warning: still cannot read r1's state (481 failed reads over 120 s): the store did not answer",
                "progress readable again after 481 failed reads over 130 s",
            ],
            log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
        Assert.True((await reads.TryGetStateAsync("r1", ct)).Read);
        held.Release.SetResult();
    }
}
