using System.Text.Json;
using MLOps.Workflows.Orchestration;
using static MLOps.Workflows.Tests.Conformance.FeatureWorkflows;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// Operator controls on both engines: suspend (DurableTask.Core's own ExecutionSuspended on the Durable side) holds an
/// instance and the event raised meanwhile; wrong states are refused alike. Resume is not compared: the in-memory
/// emulator discards ExecutionResumed ("Received work-item for an invalid orchestration"), so it is covered on the
/// embedded runner (Embedded/SuspendResumeTests). Rewind exists on the embedded runner only (Durable Task client 1.3.0
/// and DurableTask.Core 2.17.1 have none): Embedded/RewindTests and DurableHostControlTests.
/// </summary>
public static class ControlCases
{
    private static readonly JsonSerializerOptions Json = WorkflowJson.Options;

    public static IReadOnlyList<ConformanceCase> All { get; } =
    [
        new("Suspend_HoldsEventsAndSteps_WrongStatesRefused",
            async run =>
            {
                var notes = run.Probe.Notes;
                var id = await run.StartAsync(Suspendable, null);
                await run.WaitForCustomStatusAsync(id, s => s.Deserialize<StepStatus>(Json)?.Step == "waiting");
                await run.Client.SuspendAsync(id, "conformance", run.CancellationToken);
                await run.WaitForRuntimeStatusAsync(id, RuntimeStatus.Suspended);
                notes["suspendSuspended"] = await CaseRun.OutcomeAsync(() => run.Client.SuspendAsync(id, null, run.CancellationToken));
                await run.Client.RaiseEventAsync(id, "go", "while-suspended", run.CancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1.5), run.CancellationToken); // three emulator polls: time enough to advance, were it not suspended

                var done = await run.RunAsync(Sequence, 1);
                notes["done"] = done.RuntimeStatus.ToString();
                notes["suspendCompleted"] = await CaseRun.OutcomeAsync(() => run.Client.SuspendAsync(done.InstanceId, null, run.CancellationToken));
                notes["resumeCompleted"] = await CaseRun.OutcomeAsync(() => run.Client.ResumeAsync(done.InstanceId, null, run.CancellationToken));
                notes["rewindCompleted"] = await CaseRun.OutcomeAsync(() => run.Client.RewindAsync(done.InstanceId, null, run.CancellationToken));
                return (await run.Client.GetStateAsync(id, run.CancellationToken))!;
            },
            r =>
            {
                Assert.Equal(RuntimeStatus.Suspended, r.Final.RuntimeStatus);
                Assert.Equal("waiting", r.Final.CustomStatus?.Deserialize<StepStatus>(Json)?.Step); // the event did not move it on
                Assert.Equal(1, r.Counts.ActivityRuns(Step)); // the completed Sequence's; the suspended instance took no step
                Assert.Equal("Completed", r.Probe.Notes["done"]);
                Assert.Equal("refused: Suspended", r.Probe.Notes["suspendSuspended"]);
                Assert.Equal("refused: Completed", r.Probe.Notes["suspendCompleted"]);
                Assert.Equal("refused: Completed", r.Probe.Notes["resumeCompleted"]);
                Assert.Equal("refused: Completed", r.Probe.Notes["rewindCompleted"]);
            })
        {
            Comparable = r => $"{r.Final.CustomStatus?.GetRawText()} | {string.Join(", ", r.Probe.Notes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key}={n.Value}"))}",
        },
    ];
}
