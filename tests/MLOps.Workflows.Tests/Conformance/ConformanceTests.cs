using System.Collections.Concurrent;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// Starts every (case, engine) run at once when the class starts — the emulator's timers and polling are real
/// time, so running them side by side keeps the suite short — and each theory row awaits its own run.
/// </summary>
public sealed class ConformanceRuns : IDisposable
{
    private readonly ConcurrentDictionary<(string Case, string Engine), Lazy<Task<CaseResult>>> runs = new();
    private readonly CancellationTokenSource cancel = new(TimeSpan.FromMinutes(6));

    public ConformanceRuns()
    {
        // Forty runs start at once and the emulator blocks pool threads while it polls; on two cores the pool's
        // slow growth starved them (a CI run hung here), so give the pool room up front.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 128), Math.Max(io, 128));
        // The gate below admits runs roughly in the order they were started: the long compute-bound ones go first.
        foreach (var c in ConformanceSuite.Cases.OrderByDescending(c => c.StartsFirst))
            foreach (var e in ConformanceEngines.All)
                _ = Get(c.Name, e);
    }

    public Task<CaseResult> Get(string caseName, string engine) =>
        runs.GetOrAdd((caseName, engine), key => new Lazy<Task<CaseResult>>(() =>
            Task.Run(() => RunOneAtATimeAsync(key.Case, key.Engine)))).Value;

    // Four at a time keeps the suite short without forty emulators polling on two cores.
    private readonly SemaphoreSlim gate = new(4);

    /// <summary>A run that outlives its limit fails its row with its name instead of stalling the whole suite.</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(90);

    private async Task<CaseResult> RunOneAtATimeAsync(string caseName, string engine)
    {
        await gate.WaitAsync(cancel.Token).ConfigureAwait(false);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
            limit.CancelAfter(RunLimit);
            try
            {
                return await ConformanceSuite.Cases.Single(c => c.Name == caseName).RunAsync(engine, limit.Token)
                    .WaitAsync(RunLimit + TimeSpan.FromSeconds(5), cancel.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException && !cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"{caseName} on {engine} did not finish within {RunLimit.TotalSeconds:F0} s", e);
            }
        }
        finally { gate.Release(); }
    }

    public void Dispose()
    {
        cancel.Cancel();
        cancel.Dispose();
    }
}

/// <summary>
/// One conformance suite, two engines: every case runs on the embedded runner and on the Durable adapter over
/// DurableTask.Core; each row checks its engine's result and that it equals the other engine's
/// (output, activity execution counts, runtime status).
/// </summary>
public sealed class ConformanceTests(ConformanceRuns runs) : IClassFixture<ConformanceRuns>
{
    public static TheoryData<string, string> Rows()
    {
        var rows = new TheoryData<string, string>();
        foreach (var c in ConformanceSuite.Cases)
            foreach (var e in ConformanceEngines.All)
                rows.Add(c.Name, e);
        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Case_SameBehaviourOnBothEngines(string @case, string engine)
    {
        var definition = ConformanceSuite.Cases.Single(c => c.Name == @case);
        var result = await runs.Get(@case, engine);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{@case} on {engine}: {result.Final.RuntimeStatus} in {result.Elapsed.TotalSeconds:F1} s; activities {Format(result.Counts.Activities)}; orchestrator bodies {Format(result.Counts.OrchestratorBodies)}");
        definition.Check(result);

        foreach (var other in ConformanceEngines.All.Where(e => e != engine))
        {
            var theirs = await runs.Get(@case, other);
            Assert.Equal(theirs.Final.RuntimeStatus, result.Final.RuntimeStatus);
            Assert.Equal(definition.Comparable(theirs), definition.Comparable(result));
            Assert.Equal(theirs.Counts.Activities.Where(a => definition.SameCount(a.Key)), result.Counts.Activities.Where(a => definition.SameCount(a.Key)));
        }
    }

    private static string Format(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"));
}
