using System.Text.Json;
using MLOps.Workflows.Orchestration;
using static MLOps.Workflows.Tests.Conformance.FeatureWorkflows;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>The case list (docs/orchestration-conformance.md describes each one).</summary>
public static class ConformanceSuite
{
    private static readonly JsonSerializerOptions Json = WorkflowJson.Options;

    public static IReadOnlyList<ConformanceCase> Cases { get; } =
    [
        new("ActivityRetry_FailsTwice_SucceedsOnThirdAttempt",
            run => run.RunAsync(Retry, new RetryInput(FailTimes: 2, MaxAttempts: 3, FirstRetrySeconds: 0.5)),
            r =>
            {
                Assert.Equal(RuntimeStatus.Completed, r.Final.RuntimeStatus);
                Assert.Equal(new RetryOutput(true, "succeeded on attempt 3", null, null, null), r.Output<RetryOutput>());
                Assert.Equal(3, r.Counts.ActivityRuns(Flaky));
                // Exponential backoff: 0.5 s before attempt 2, 1 s before attempt 3 (timers never fire early).
                var at = r.Probe.Attempts($"{r.Final.InstanceId}/{Flaky}");
                Assert.True(at[1] - at[0] >= TimeSpan.FromSeconds(0.45), $"first retry after {(at[1] - at[0]).TotalSeconds:F2} s");
                Assert.True(at[2] - at[1] >= TimeSpan.FromSeconds(0.95), $"second retry after {(at[2] - at[1]).TotalSeconds:F2} s");
            }),
        new("ActivityRetry_Exhausted_FailureSurfaced",
            run => run.RunAsync(Retry, new RetryInput(FailTimes: 99, MaxAttempts: 3, FirstRetrySeconds: 0.2)),
            r =>
            {
                Assert.Equal(RuntimeStatus.Completed, r.Final.RuntimeStatus);
                var output = r.Output<RetryOutput>();
                Assert.False(output.Succeeded);
                Assert.Equal(Flaky, output.FailedTask);
                Assert.Equal("flaky attempt 3 failed", output.ErrorMessage);
                Assert.Equal("System.InvalidOperationException", output.ErrorType);
                Assert.Equal(3, r.Counts.ActivityRuns(Flaky));
            }),
        new("ActivityFailure_Unhandled_InstanceFails",
            run => run.RunAsync(Unhandled, 99),
            r =>
            {
                Assert.Equal(RuntimeStatus.Failed, r.Final.RuntimeStatus);
                Assert.NotNull(r.Final.Failure);
                Assert.Contains($"'{Flaky}' failed", r.Final.Failure.ErrorMessage, StringComparison.Ordinal);
                Assert.Contains("flaky attempt 1 failed", r.Final.Failure.ErrorMessage, StringComparison.Ordinal);
                Assert.Equal(1, r.Counts.ActivityRuns(Flaky));
            })
        { Comparable = r => (r.Final.RuntimeStatus, r.Final.Failure?.ErrorType, r.Final.Failure?.ErrorMessage) },
        new("DurableTimer_FiresAfterItsDelay",
            run => run.RunAsync(TimerFlow, new TimerInput(1.5)),
            r =>
            {
                Assert.Equal(RuntimeStatus.Completed, r.Final.RuntimeStatus);
                Assert.Equal(new TimerOutput(true, "after-timer:done"), r.Output<TimerOutput>());
                Assert.True(r.Elapsed >= TimeSpan.FromSeconds(1.5), $"finished after {r.Elapsed.TotalSeconds:F2} s");
            }),
        new("ExternalEvent_ApprovalArrivesBeforeTimeout",
            async run =>
            {
                var id = await run.StartAsync(Approval, new ApprovalInput(TimeoutSeconds: 60));
                await run.WaitForCustomStatusAsync(id, s => s.Deserialize<StepStatus>(Json)?.Step == "awaiting-approval");
                await run.Client.RaiseEventAsync(id, "approval", new ApprovalVote(true, "on-call"), run.CancellationToken);
                return await run.Client.WaitForCompletionAsync(id, run.CancellationToken);
            },
            r =>
            {
                Assert.Equal(new ApprovalOutput(true, "on-call", false), r.Output<ApprovalOutput>());
                Assert.Equal("decided", r.Final.CustomStatus?.Deserialize<StepStatus>(Json)?.Step);
            }),
        new("ExternalEvent_NoApprovalBeforeTimeout_TimesOut",
            run => run.RunAsync(Approval, new ApprovalInput(TimeoutSeconds: 1.5)),
            r =>
            {
                Assert.Equal(new ApprovalOutput(false, null, true), r.Output<ApprovalOutput>());
                Assert.Equal("timed-out", r.Final.CustomStatus?.Deserialize<StepStatus>(Json)?.Step);
                Assert.True(r.Elapsed >= TimeSpan.FromSeconds(1.5), $"finished after {r.Elapsed.TotalSeconds:F2} s");
            }),
        new("CustomStatus_VisibleToClientWhileRunning",
            async run =>
            {
                var id = await run.StartAsync(Progress, 3);
                for (var i = 0; i < 3; i++)
                {
                    var step = $"step-{i}";
                    await run.WaitForCustomStatusAsync(id, s => s.Deserialize<StepStatus>(Json)?.Step == step);
                    await run.Client.RaiseEventAsync(id, "continue", step, run.CancellationToken);
                }
                return await run.Client.WaitForCompletionAsync(id, run.CancellationToken);
            },
            r =>
            {
                Assert.Equal(RuntimeStatus.Completed, r.Final.RuntimeStatus);
                Assert.Equal([new("step-0", 0, 3), new("step-1", 1, 3), new StepStatus("step-2", 2, 3)],
                    r.ObservedStatuses.Select(s => s.Deserialize<StepStatus>(Json)!).ToArray());
                Assert.Equal(new StepStatus("done", 3, 3), r.Final.CustomStatus?.Deserialize<StepStatus>(Json));
                Assert.Equal(3, r.Counts.ActivityRuns(Step));
            })
        { Comparable = r => string.Join(" | ", r.ObservedStatuses.Select(s => s.GetRawText()).Append(r.Final.CustomStatus?.GetRawText() ?? "")) },
        new("SubOrchestration_ReturnsChildOutput",
            run => run.RunAsync(Parent, new ChildInput(21)),
            r =>
            {
                Assert.Equal(new ParentOutput(42, null), r.Output<ParentOutput>());
                Assert.Equal(1, r.Counts.BodyRuns(Child) > 0 ? 1 : 0);
                Assert.Equal(1, r.Counts.ActivityRuns(Doubler));
            }),
        new("SubOrchestration_FailureSurfacedToParent",
            run => run.RunAsync(FailingParent, new ChildInput(1)),
            r =>
            {
                var output = r.Output<ParentOutput>();
                Assert.Equal(-1, output.ChildResult);
                Assert.Equal(FailingChild, output.FailedTask);
                Assert.Contains($"'{Flaky}' failed: System.InvalidOperationException: flaky attempt 1 failed", output.ErrorMessage, StringComparison.Ordinal);
                Assert.Equal(1, r.Counts.ActivityRuns(Flaky));
            }),
        new("FanOutFanIn_TuningTrials_ResultsInInputOrder",
            run => run.RunAsync(Tuning, new TuningInput([.. Enumerable.Range(0, 6).Select(i => new Trial(i, Math.Pow(10, -i / 2.0), 8 << (i % 3)))])),
            r =>
            {
                var output = r.Output<TuningOutput>();
                Assert.Equal([0, 1, 2, 3, 4, 5], output.Results.Select(t => t.Id));
                Assert.Equal(output.Results.OrderByDescending(t => t.Score).ThenBy(t => t.Id).First().Id, output.BestTrial);
                Assert.Equal(6, r.Counts.ActivityRuns(TrialActivity));
            }),
        new("ContinueAsNew_RestartsWithNewInputUntilDone",
            run => run.RunAsync(Counter, new CounterInput(0, 3)),
            r =>
            {
                Assert.Equal(RuntimeStatus.Completed, r.Final.RuntimeStatus);
                Assert.Equal(3, r.Output<CounterOutput>().Final);
                Assert.Equal([0, 1, 2], r.Output<CounterOutput>().Ticks);
                Assert.Equal(3, r.Counts.ActivityRuns(Tick));
                Assert.Equal(3, r.Counts.BodyRuns(Counter) >= 3 ? 3 : r.Counts.BodyRuns(Counter));
            }),
        new("DeterministicGuidAndTime_SameOnEveryReplay",
            run => run.RunAsync(Determinism, null),
            r =>
            {
                var o = r.Output<DeterminismOutput>();
                // The activities recorded what the first run computed; the last replay computed the same values.
                Assert.Equal(o.G1, o.EchoG1);
                Assert.Equal(o.G2, o.EchoG2);
                Assert.Equal(o.T1, o.EchoT1);
                Assert.Equal(o.T2, o.EchoT2);
                Assert.NotEqual(o.G1, o.G2);
                Assert.True(o.T2 >= o.T1);
                Assert.True(r.Counts.BodyRuns(Determinism) >= 3, $"body ran {r.Counts.BodyRuns(Determinism)} times");
            })
        { Comparable = r => r.Output<DeterminismOutput>() is var o ? (o.G1 == o.EchoG1, o.G2 == o.EchoG2, o.T1 == o.EchoT1, o.T2 == o.EchoT2, o.G1 != o.G2) : default },
        new("Replay_BodyReRunsEachActivityRunsOnce",
            run => run.RunAsync(Sequence, 4),
            r =>
            {
                Assert.Equal(["s0:done", "s1:done", "s2:done", "s3:done"], r.Output<List<string>>());
                Assert.Equal(4, r.Counts.ActivityRuns(Step));
                Assert.True(r.Counts.BodyRuns(Sequence) >= 5, $"body ran {r.Counts.BodyRuns(Sequence)} times (1 + one per completed activity expected)");
            }),
        new("NonDeterministicChange_FailsNamingTheStep",
            async run =>
            {
                var id = await run.StartAsync(Changing, null);
                await run.WaitForCustomStatusAsync(id, s => s.ValueKind == JsonValueKind.String && s.GetString() == "waiting");
                run.Probe.Changed = true; // the orchestrator now schedules StepB where the history recorded StepA
                await run.Client.RaiseEventAsync(id, "go", "now", run.CancellationToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(run.CancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                return await run.Client.WaitForCompletionAsync(id, timeout.Token);
            },
            r =>
            {
                Assert.Equal(RuntimeStatus.Failed, r.Final.RuntimeStatus);
                Assert.NotNull(r.Final.Failure);
                Assert.Contains(StepA, r.Final.Failure.ErrorMessage, StringComparison.Ordinal);
                Assert.Equal(1, r.Counts.ActivityRuns(StepA));
                // DurableTask.Core fails the instance in the episode that replays StepB over the recorded StepA, but the
                // episode's actions still carry StepB's ScheduleTask, so the activity may run once (a race with the host
                // stopping); the embedded runner checks before it schedules and never runs it (docs/orchestration.md).
                Assert.InRange(r.Counts.ActivityRuns(StepB), 0, r.Engine == ConformanceEngines.DurableTask ? 1 : 0);
            })
        { Comparable = r => r.Final.RuntimeStatus, SameCount = name => name != StepB },
        .. ControlCases.All,
        .. PipelineCases.All,
        RealPipelineCase.Case,
    ];
}
