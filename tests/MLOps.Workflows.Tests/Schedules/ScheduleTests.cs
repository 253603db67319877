using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;
using MLOps.Workflows.Tests.Embedded;

namespace MLOps.Workflows.Tests.Schedules;

/// <summary>
/// The local host's schedules on a fake clock: slots aligned to UTC, one instance per slot per store, whatever the
/// number of hosts or restarts. DriftMonitor and Purge are stand-ins that record each run of their instance.
/// </summary>
public sealed class ScheduleTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private sealed class Schedules : IAsyncDisposable
    {
        private EmbeddedOrchestrationEngine? _waiter;
        public ConcurrentQueue<string> Runs { get; } = new();
        public EngineHarness Harness { get; }

        public Schedules(DateTimeOffset start)
        {
            Harness = new EngineHarness(TestWorkflows.Registry(r => r
                .AddActivity<string, int>("RecordRun", (_, context, _, _) => { Runs.Enqueue(context.InstanceId); return Task.FromResult(1); })
                .AddOrchestrator<DriftMonitorInput, int>(OrchestrationNames.DriftMonitor, (context, _) => context.CallActivityAsync<int>("RecordRun", "drift"))
                .AddOrchestrator<PurgeInput, int>(OrchestrationNames.Purge, (context, _) => context.CallActivityAsync<int>("RecordRun", "purge"))));
            Harness.Time.SetUtcNow(start);
        }

        public WorkflowOptions Options { get; } = new() { DriftMonitorInterval = TimeSpan.FromMinutes(1), PurgeInterval = TimeSpan.FromDays(1) };

        /// <summary>A new `mlops serve` process: its own engine and scheduler on the shared store and clock.</summary>
        public WorkflowScheduler NewHost() => new(Harness.NewEngine(), Options, Harness.Time, NullLogger.Instance);

        /// <summary>One scan of each host; every instance a host started is run to its end before the clock moves on.</summary>
        public async Task TickAsync(params WorkflowScheduler[] hosts)
        {
            foreach (var host in hosts)
                foreach (var start in await host.TickAsync(Timeout))
                    await (_waiter ??= Harness.NewEngine()).WaitForCompletionAsync(start.InstanceId, Timeout);
        }

        public Dictionary<string, int> RunsOf(string prefix) =>
            Runs.Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }

    [Fact]
    public async Task TwoHostsOnOneStore_StartedHalfAMinuteApart_RunEachSlotOnce()
    {
        // The reviewer's repro: 1-minute DriftMonitor, the second serve 30 s after the first, 2.5 min of both.
        await using var s = new Schedules(new DateTimeOffset(2026, 12, 7, 1, 25, 10, TimeSpan.Zero));
        var first = s.NewHost();
        await s.TickAsync(first);
        for (var t = 0; t < 15; t++) { s.Harness.Time.Advance(TimeSpan.FromSeconds(2)); await s.TickAsync(first); }
        var second = s.NewHost(); // 01:25:40
        await s.TickAsync(second);
        for (var t = 0; t < 75; t++) { s.Harness.Time.Advance(TimeSpan.FromSeconds(2)); await s.TickAsync(first, second); } // to 01:28:10

        Assert.Equal(new Dictionary<string, int>
        {
            ["drift-monitor-202612070125"] = 1, ["drift-monitor-202612070126"] = 1,
            ["drift-monitor-202612070127"] = 1, ["drift-monitor-202612070128"] = 1,
        }, s.RunsOf("drift-monitor-"));
        // Purge runs daily at 03:30 UTC (the Azure timer's time): the slot of 6 December 03:30 is caught up once.
        Assert.Equal(new Dictionary<string, int> { ["purge-202612060330"] = 1 }, s.RunsOf("purge-"));
    }

    [Fact]
    public async Task RestartedEvery45Seconds_RunsEachDriftSlotOnce_AndPurgeOncePerDay()
    {
        // serve restarted every 45 s for 6 minutes with a 1-minute interval: every minute's slot runs once (caught up
        // at the start that first sees it), Purge once.
        await using var s = new Schedules(new DateTimeOffset(2026, 12, 7, 1, 25, 10, TimeSpan.Zero));
        for (var restart = 0; restart < 8; restart++)
        {
            var host = s.NewHost();
            await s.TickAsync(host);
            for (var t = 0; t < 22; t++) { s.Harness.Time.Advance(TimeSpan.FromSeconds(2)); await s.TickAsync(host); }
            s.Harness.Time.Advance(TimeSpan.FromSeconds(1)); // down for a second: 45 s per process
        }

        // 01:25:10 + 8 × 45 s = 01:31:10; the last process ran until 01:31:09.
        Assert.Equal(Enumerable.Range(25, 7).ToDictionary(m => $"drift-monitor-2026120701{m}", _ => 1), s.RunsOf("drift-monitor-"));
        Assert.Equal(new Dictionary<string, int> { ["purge-202612060330"] = 1 }, s.RunsOf("purge-"));
    }

    [Fact]
    public async Task OverThreeDays_TwoHostsAndDailyRestarts_PurgeOncePerDayAtTheAzureTime()
    {
        await using var s = new Schedules(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));
        s.Options.DriftMonitorInterval = TimeSpan.FromHours(1);
        for (var day = 0; day < 3; day++)
        {
            var (a, b) = (s.NewHost(), s.NewHost());
            for (var t = 0; t < 24 * 12; t++) { await s.TickAsync(a, b); s.Harness.Time.Advance(TimeSpan.FromMinutes(5)); }
        }

        // Started 7 Dec 01:00: the 6 Dec slot is caught up, then 03:30 on 7, 8 and 9 Dec.
        Assert.Equal(new[] { "purge-202612060330", "purge-202612070330", "purge-202612080330", "purge-202612090330" },
            s.RunsOf("purge-").Keys.Order().ToArray());
        Assert.All(s.RunsOf("purge-").Values, n => Assert.Equal(1, n));
        // DriftMonitor on the hour (the Azure cron 0 0 * * * *), 72 hours, each once.
        var drift = s.RunsOf("drift-monitor-");
        Assert.Equal(72, drift.Count);
        Assert.All(drift, kv => Assert.EndsWith("00", kv.Key));
        Assert.All(drift.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Serve_RunsTheCurrentSlotAtStart_WithoutWaitingAScan()
    {
        await using var s = new Schedules(new DateTimeOffset(2026, 12, 7, 1, 25, 40, TimeSpan.Zero));
        s.Options.PendingScanInterval = TimeSpan.FromMinutes(10); // the fake clock never gets there
        var engine = s.Harness.NewEngine();
        using var service = new WorkflowHostedService(engine, Microsoft.Extensions.Options.Options.Create(s.Options), s.Harness.Time,
            NullLogger<WorkflowHostedService>.Instance);
        await service.StartAsync(Timeout);
        try
        {
            var state = await WaitForInstanceAsync(engine, "drift-monitor-202612070125");
            Assert.Equal(RuntimeStatus.Completed, (await engine.WaitForCompletionAsync(state.InstanceId, Timeout)).RuntimeStatus);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<OrchestrationState> WaitForInstanceAsync(EmbeddedOrchestrationEngine engine, string id)
    {
        var timeout = Timeout;
        while (true)
        {
            if (await engine.GetStateAsync(id, timeout) is { } state) return state;
            await Task.Delay(20, timeout); // real time: the service's first pass, not the fake clock
        }
    }
}

/// <summary>The engine's start modes: explicit starts keep replacing a finished instance; a schedule's start does not.</summary>
public sealed class StartModeTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task OnceMode_KeepsAFinishedInstance_ExplicitStartStillReplacesIt()
    {
        await using var h = new EngineHarness();
        var engine = h.NewEngine();
        var first = await engine.StartAsync("Checkout", new Order("ana", [1]), "slot-1", StartMode.Once, Timeout);
        Assert.True(first.Started);
        await engine.WaitForCompletionAsync("slot-1", Timeout);

        var again = await engine.StartAsync("Checkout", new Order("ana", [1]), "slot-1", StartMode.Once, Timeout);
        Assert.Equal((false, true, false), (again.AlreadyRunning, again.AlreadyFinished, again.Started));
        Assert.Equal(1, engine.ActivityExecutions["Price"]);

        var explicitStart = await engine.StartAsync("Checkout", new Order("ana", [1]), "slot-1", Timeout);
        Assert.True(explicitStart.Started);
        await engine.WaitForCompletionAsync("slot-1", Timeout);
        Assert.Equal(2, engine.ActivityExecutions["Price"]);
    }

    [Fact]
    public async Task OnceMode_TwoEnginesRacing_StartOneInstance()
    {
        await using var h = new EngineHarness();
        var engines = Enumerable.Range(0, 4).Select(_ => h.NewEngine()).ToArray();
        var starts = await Task.WhenAll(engines.Select(e => e.StartAsync("Checkout", new Order("bo", [2]), "slot-2", StartMode.Once, Timeout)));
        Assert.Single(starts, s => s.Started);
        await engines[0].WaitForCompletionAsync("slot-2", Timeout);
        Assert.Equal(1, engines.Sum(e => e.ActivityExecutions.GetValueOrDefault("Price")));
    }

    [Theory]
    [InlineData("2026-12-07T01:27:59Z", 60, "drift-monitor-202612070127")]
    [InlineData("2026-12-07T01:59:59Z", 3600, "drift-monitor-202612070100")]
    [InlineData("2026-12-07T02:00:00Z", 3600, "drift-monitor-202612070200")]
    [InlineData("2026-12-07T01:44:00Z", 900, "drift-monitor-202612070130")]
    public void DriftSlots_AreMultiplesOfTheIntervalSinceTheEpoch(string now, int seconds, string id) =>
        Assert.Equal(id, WorkflowScheduler.DriftMonitorInstanceId(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("2026-12-07T03:29:59Z", "purge-202612060330")]
    [InlineData("2026-12-07T03:30:00Z", "purge-202612070330")]
    [InlineData("2026-12-07T23:59:00Z", "purge-202612070330")]
    public void PurgeSlots_AreDailyAt0330Utc(string now, string id) =>
        Assert.Equal(id, WorkflowScheduler.PurgeInstanceId(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromDays(1)));
}
