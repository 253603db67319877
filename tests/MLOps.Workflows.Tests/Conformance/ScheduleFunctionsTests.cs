using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MLOps.Durable;
using MLOps.Functions;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// The Azure host's timers, called as the worker calls them, over a client that starts like the Functions host's: one
/// instance per UTC slot under the local host's ids, and a tick of a slot whose instance exists starts nothing.
/// </summary>
public sealed class ScheduleFunctionsTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly FakeDurableTaskClient _durable = new();

    private ScheduleFunctions Functions() =>
        new(_clock, Options.Create(new WorkflowOptions { RetentionDays = 30 }), NullLogger<ScheduleFunctions>.Instance);

    private async Task DriftTickAt(DateTimeOffset now)
    {
        _clock.SetUtcNow(now);
        await Functions().DriftMonitorSchedule(new TimerInfo(), _durable, CancellationToken.None);
    }

    private static DateTimeOffset Utc(int day, int hour, int minute, int second = 0) => new(2026, 12, day, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public async Task RepeatedTickInTheSameHour_LeavesTheFinishedInstanceAlone()
    {
        await DriftTickAt(Utc(7, 10, 0, 2));
        _durable.Set("drift-monitor-202612071000", OrchestrationNames.DriftMonitor, OrchestrationRuntimeStatus.Completed);

        await DriftTickAt(Utc(7, 10, 0, 40)); // the same occurrence fired again (a past-due catch-up after a restart)

        Assert.Equal(["drift-monitor-202612071000"], _durable.Scheduled);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, _durable.Instances["drift-monitor-202612071000"].RuntimeStatus);
    }

    [Fact]
    public async Task LateTick_BelongsToTheHourItFiresIn_AndTheNextHourStartsItsOwn()
    {
        await DriftTickAt(Utc(7, 10, 0, 0));
        _durable.Set("drift-monitor-202612071000", OrchestrationNames.DriftMonitor, OrchestrationRuntimeStatus.Completed);
        await DriftTickAt(Utc(7, 10, 7, 30)); // late past-due run of the 10:00 occurrence
        await DriftTickAt(Utc(7, 11, 0, 1));

        Assert.Equal(["drift-monitor-202612071000", "drift-monitor-202612071100"], _durable.Scheduled);
    }

    /// <summary>A tick a moment early read the clock in the previous hour, found that slot's instance and skipped its own hour.</summary>
    [Fact]
    public async Task TickAMomentEarly_StartsItsOwnHour_NotSkipped()
    {
        await DriftTickAt(Utc(7, 10, 0, 0));
        _durable.Set("drift-monitor-202612071000", OrchestrationNames.DriftMonitor, OrchestrationRuntimeStatus.Completed);

        await DriftTickAt(Utc(7, 11, 0, 0).AddMilliseconds(-2)); // the 11:00 occurrence, fired 2 ms early

        Assert.Equal(["drift-monitor-202612071000", "drift-monitor-202612071100"], _durable.Scheduled);
    }

    [Fact]
    public async Task TickWhileTheSlotRuns_ReportsItRunning_AndStartsNothing()
    {
        _clock.SetUtcNow(Utc(7, 10, 20));
        _durable.Set("drift-monitor-202612071000", OrchestrationNames.DriftMonitor, OrchestrationRuntimeStatus.Running);

        var start = await Functions().StartDriftMonitorAsync(new DurableTaskClientAdapter(_durable));

        Assert.Equal((true, false, false), (start.AlreadyRunning, start.AlreadyFinished, start.Started));
        Assert.Empty(_durable.Scheduled);
    }

    [Fact]
    public async Task StartThatLosesARaceBetweenCheckAndCreate_IsReported_NotThrown()
    {
        // Another tick creates the slot's instance after this one found none: the host refuses the second create.
        _clock.SetUtcNow(Utc(7, 10, 0));
        _durable.BeforeSchedule = id => _durable.Set(id, OrchestrationNames.DriftMonitor, OrchestrationRuntimeStatus.Pending);

        var start = await Functions().StartDriftMonitorAsync(new DurableTaskClientAdapter(_durable));

        Assert.Equal(("drift-monitor-202612071000", true), (start.InstanceId, start.AlreadyRunning));
        Assert.Empty(_durable.Scheduled);
    }

    [Fact]
    public async Task PurgeTimer_UsesTheDailySlotFrom0330Utc()
    {
        _clock.SetUtcNow(Utc(7, 3, 29));
        await Functions().PurgeSchedule(new TimerInfo(), _durable, CancellationToken.None); // before 03:30: the previous day's slot
        _durable.Set("purge-202612060330", OrchestrationNames.Purge, OrchestrationRuntimeStatus.Completed);
        _clock.SetUtcNow(Utc(7, 3, 30, 1));
        await Functions().PurgeSchedule(new TimerInfo(), _durable, CancellationToken.None);
        _clock.SetUtcNow(Utc(7, 3, 45));
        await Functions().PurgeSchedule(new TimerInfo(), _durable, CancellationToken.None);

        Assert.Equal(["purge-202612060330", "purge-202612070330"], _durable.Scheduled);
    }

    [Fact]
    public async Task ExplicitStart_StillReplacesAFinishedInstance_ButNotARunningOne()
    {
        // HTTP and CLI starts (StartMode.ReplaceFinished) keep Durable's rule: a finished id runs again.
        var client = new DurableTaskClientAdapter(_durable);
        _durable.Set("done", OrchestrationNames.Purge, OrchestrationRuntimeStatus.Failed);
        _durable.Set("busy", OrchestrationNames.Purge, OrchestrationRuntimeStatus.Running);

        var again = await client.StartAsync(OrchestrationNames.Purge, null, "done");
        var busy = await client.StartAsync(OrchestrationNames.Purge, null, "busy");

        Assert.True(again.Started);
        Assert.True(busy.AlreadyRunning);
        Assert.Equal(["done"], _durable.Scheduled);
    }

    [Fact]
    public void TimerCronExpressions_MatchTheSlotIntervals()
    {
        // The ids assume each timer fires once per slot: hourly on the hour, daily at 03:30 (WorkflowScheduler.PurgeTimeOfDay).
        Assert.Equal(("0 0 * * * *", TimeSpan.FromHours(1)), (ScheduleFunctions.DriftMonitorCron, ScheduleFunctions.DriftMonitorInterval));
        Assert.Equal(("0 30 3 * * *", TimeSpan.FromDays(1)), (ScheduleFunctions.PurgeCron, ScheduleFunctions.PurgeInterval));
        Assert.Equal(new TimeSpan(3, 30, 0), WorkflowScheduler.PurgeTimeOfDay);
    }

    [Fact]
    public void HostJson_KeepsUnfinishedInstances_WhenAStartReusesTheirId()
    {
        // Without it the Functions host (Durable extension 2.13, default AnyState) replaces even a Running instance.
        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(MLOps.Tests.TestEnvironment.RepoRoot, "functions", "MLOps.Functions", "host.json")));
        var durable = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask");
        Assert.Equal("NonRunningStates", durable.TryGetProperty("overridableExistingInstanceStates", out var states) ? states.GetString() : null);
    }
}
