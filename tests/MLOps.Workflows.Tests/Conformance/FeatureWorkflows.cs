using System.Collections.Concurrent;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>What the feature activities saw on one engine: attempts with their wall-clock times, and a code switch.</summary>
public sealed class CaseProbe
{
    private readonly ConcurrentDictionary<string, List<DateTimeOffset>> attempts = new(StringComparer.Ordinal);

    /// <summary>Flipped by the non-determinism case: "deploys" orchestrator code that takes a different step.</summary>
    public volatile bool Changed;

    /// <summary>What a case recorded besides its final state (the real pipeline case: its first run and the registry it left).</summary>
    public ConcurrentDictionary<string, object> Notes { get; } = new(StringComparer.Ordinal);

    public int Attempt(string key)
    {
        var list = attempts.GetOrAdd(key, _ => []);
        lock (list)
        {
            list.Add(DateTimeOffset.UtcNow);
            return list.Count;
        }
    }

    public IReadOnlyList<DateTimeOffset> Attempts(string key)
    {
        var list = attempts.GetOrAdd(key, _ => []);
        lock (list) return [.. list];
    }
}

public sealed record RetryInput(int FailTimes, int MaxAttempts, double FirstRetrySeconds);
public sealed record RetryOutput(bool Succeeded, string? Result, string? FailedTask, string? ErrorType, string? ErrorMessage);
public sealed record TimerInput(double Seconds);
public sealed record TimerOutput(bool ContextTimeAdvanced, string After);
public sealed record ApprovalInput(double TimeoutSeconds);
public sealed record ApprovalVote(bool Approved, string By);
public sealed record ApprovalOutput(bool Approved, string? By, bool TimedOut);
public sealed record StepStatus(string Step, int Done, int Total);
public sealed record ChildInput(int Value);
public sealed record ParentOutput(int ChildResult, string? FailedTask, string? ErrorType = null, string? ErrorMessage = null);
public sealed record Trial(int Id, double Regularization, int Factors);
public sealed record TrialResult(int Id, double Score);
public sealed record TuningInput(IReadOnlyList<Trial> Trials);
public sealed record TuningOutput(IReadOnlyList<TrialResult> Results, int BestTrial);
public sealed record CounterInput(int N, int Until);
public sealed record CounterOutput(int Final, IReadOnlyList<int> Ticks);
public sealed record DeterminismOutput(Guid G1, Guid G2, DateTime T1, DateTime T2, Guid EchoG1, Guid EchoG2, DateTime EchoT1, DateTime EchoT2);
public sealed record Stamp(Guid Guid, DateTime Time);

/// <summary>
/// Small orchestrations, one per contract feature, written once against <see cref="IOrchestrationContext"/> and
/// run unchanged by both engines. Durations come from the inputs (the emulator's timers fire in real time).
/// </summary>
public static class FeatureWorkflows
{
    public const string Retry = "Cf.Retry";
    public const string Unhandled = "Cf.Unhandled";
    public const string Flaky = "Cf.Flaky";
    public const string TimerFlow = "Cf.Timer";
    public const string Approval = "Cf.Approval";
    public const string Progress = "Cf.Progress";
    public const string Parent = "Cf.Parent";
    public const string Child = "Cf.Child";
    public const string FailingParent = "Cf.FailingParent";
    public const string FailingChild = "Cf.FailingChild";
    public const string Doubler = "Cf.Doubler";
    public const string Tuning = "Cf.Tuning";
    public const string TrialActivity = "Cf.Trial";
    public const string Counter = "Cf.Counter";
    public const string Tick = "Cf.Tick";
    public const string Determinism = "Cf.Determinism";
    public const string Echo = "Cf.Echo";
    public const string Sequence = "Cf.Sequence";
    public const string Step = "Cf.Step";
    public const string Changing = "Cf.Changing";
    public const string StepA = "Cf.StepA";
    public const string StepB = "Cf.StepB";
    public const string Suspendable = "Cf.Suspendable";

    public static WorkflowRegistry Register(WorkflowRegistry registry, CaseProbe probe)
    {
        registry.AddOrchestrator<RetryInput, RetryOutput>(Retry, async (context, input) =>
        {
            try
            {
                var result = await context.CallActivityAsync<string>(Flaky, input.FailTimes,
                    new RetryPolicy(input.MaxAttempts, TimeSpan.FromSeconds(input.FirstRetrySeconds), 2.0));
                return new RetryOutput(true, result, null, null, null);
            }
            catch (WorkflowTaskFailedException e)
            {
                return new RetryOutput(false, null, e.TaskName, e.ErrorType, e.ErrorMessage);
            }
        });
        registry.AddOrchestrator<int, string>(Unhandled, (context, failTimes) => context.CallActivityAsync<string>(Flaky, failTimes));
        registry.AddActivity<CaseProbe, int, string>(Flaky, (p, failTimes, activity, _) =>
        {
            var attempt = p.Attempt($"{activity.InstanceId}/{Flaky}");
            return attempt <= failTimes
                ? throw new InvalidOperationException($"flaky attempt {attempt} failed")
                : Task.FromResult($"succeeded on attempt {attempt}");
        });

        registry.AddOrchestrator<TimerInput, TimerOutput>(TimerFlow, async (context, input) =>
        {
            var start = context.CurrentUtcDateTime;
            await context.CreateTimer(TimeSpan.FromSeconds(input.Seconds));
            var after = await context.CallActivityAsync<string>(Step, "after-timer");
            return new TimerOutput(context.CurrentUtcDateTime - start >= TimeSpan.FromSeconds(input.Seconds), after);
        });

        registry.AddOrchestrator<ApprovalInput, ApprovalOutput>(Approval, async (context, input) =>
        {
            context.SetCustomStatus(new StepStatus("awaiting-approval", 0, 1));
            try
            {
                var decision = await context.WaitForExternalEvent<ApprovalVote>("approval", TimeSpan.FromSeconds(input.TimeoutSeconds));
                context.SetCustomStatus(new StepStatus("decided", 1, 1));
                return new ApprovalOutput(decision.Approved, decision.By, false);
            }
            catch (TaskCanceledException)
            {
                context.SetCustomStatus(new StepStatus("timed-out", 1, 1));
                return new ApprovalOutput(false, null, true);
            }
        });

        registry.AddOrchestrator<int, StepStatus>(Progress, async (context, total) =>
        {
            for (var done = 0; done < total; done++)
            {
                context.SetCustomStatus(new StepStatus($"step-{done}", done, total));
                await context.WaitForExternalEvent<string>("continue", TimeSpan.FromSeconds(60));
                await context.CallActivityAsync(Step, $"step-{done}");
            }
            var final = new StepStatus("done", total, total);
            context.SetCustomStatus(final);
            return final;
        });

        registry.AddOrchestrator<ChildInput, ParentOutput>(Parent, async (context, input) =>
        {
            var result = await context.CallSubOrchestratorAsync<int>(Child, input, $"{context.InstanceId}-child");
            return new ParentOutput(result, null);
        });
        registry.AddOrchestrator<ChildInput, int>(Child, (context, input) => context.CallActivityAsync<int>(Doubler, input.Value));
        registry.AddActivity<int, int>(Doubler, (_, _, value, _) => Task.FromResult(value * 2));
        registry.AddOrchestrator<ChildInput, ParentOutput>(FailingParent, async (context, input) =>
        {
            try
            {
                return new ParentOutput(await context.CallSubOrchestratorAsync<int>(FailingChild, input, $"{context.InstanceId}-child"), null);
            }
            catch (WorkflowTaskFailedException e)
            {
                return new ParentOutput(-1, e.TaskName, e.ErrorType, e.ErrorMessage);
            }
        });
        registry.AddOrchestrator<ChildInput, string>(FailingChild, (context, input) => context.CallActivityAsync<string>(Flaky, 99));

        registry.AddOrchestrator<TuningInput, TuningOutput>(Tuning, async (context, input) =>
        {
            var trials = input.Trials.Select(t => context.CallActivityAsync<TrialResult>(TrialActivity, t)).ToList();
            var results = await Task.WhenAll(trials);
            var best = results.OrderByDescending(r => r.Score).ThenBy(r => r.Id).First().Id;
            return new TuningOutput(results, best);
        });
        registry.AddActivity<Trial, TrialResult>(TrialActivity, async (_, _, trial, cancellationToken) =>
        {
            // Later trials finish first, so fan-in order cannot come from completion order.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, 600 - 100 * trial.Id)), cancellationToken).ConfigureAwait(false);
            return new TrialResult(trial.Id, Math.Round(1.0 / (1.0 + Math.Abs(Math.Log10(trial.Regularization) + 1)) + trial.Factors / 1000.0, 6));
        });

        registry.AddOrchestrator<CounterInput, CounterOutput?>(Counter, async (context, input) =>
        {
            var ticks = await context.CallActivityAsync<List<int>>(Tick, input.N);
            if (input.N + 1 < input.Until)
            {
                context.ContinueAsNew(input with { N = input.N + 1 });
                return null;
            }
            return new CounterOutput(input.N + 1, ticks);
        });
        registry.AddActivity<CaseProbe, int, List<int>>(Tick, (p, n, activity, _) =>
        {
            p.Attempt($"{activity.InstanceId}/{Tick}");
            return Task.FromResult(p.Attempts($"{activity.InstanceId}/{Tick}").Select((_, i) => i).ToList());
        });

        registry.AddOrchestrator<JsonElementInput, DeterminismOutput>(Determinism, async (context, _) =>
        {
            var g1 = context.NewGuid();
            var t1 = context.CurrentUtcDateTime;
            var e1 = await context.CallActivityAsync<Stamp>(Echo, new Stamp(g1, t1));
            var g2 = context.NewGuid();
            var t2 = context.CurrentUtcDateTime;
            var e2 = await context.CallActivityAsync<Stamp>(Echo, new Stamp(g2, t2));
            return new DeterminismOutput(g1, g2, t1, t2, e1.Guid, e2.Guid, e1.Time, e2.Time);
        });
        registry.AddActivity<Stamp, Stamp>(Echo, (_, _, stamp, _) => Task.FromResult(stamp));

        registry.AddOrchestrator<int, List<string>>(Sequence, async (context, steps) =>
        {
            var done = new List<string>();
            for (var i = 0; i < steps; i++) done.Add(await context.CallActivityAsync<string>(Step, $"s{i}"));
            return done;
        });
        registry.AddActivity<string, string>(Step, (_, _, name, _) => Task.FromResult($"{name}:done"));

        registry.AddOrchestrator<JsonElementInput, string>(Changing, async (context, _) =>
        {
            var step = probe.Changed ? StepB : StepA;
            await context.CallActivityAsync(step);
            context.SetCustomStatus("waiting");
            await context.WaitForExternalEvent<string>("go", TimeSpan.FromSeconds(60));
            return step;
        });
        registry.AddOrchestrator<JsonElementInput, string>(Suspendable, async (context, _) =>
        {
            context.SetCustomStatus(new StepStatus("waiting", 0, 1));
            var go = await context.WaitForExternalEvent<string>("go", TimeSpan.FromSeconds(60));
            context.SetCustomStatus(new StepStatus("got-go", 1, 1));
            return await context.CallActivityAsync<string>(Step, go);
        });
        registry.AddActivity<JsonElementInput, string>(StepA, (_, _, _, _) => Task.FromResult("A"));
        registry.AddActivity<JsonElementInput, string>(StepB, (_, _, _, _) => Task.FromResult("B"));
        return registry;
    }
}

/// <summary>An input the orchestration ignores.</summary>
public sealed record JsonElementInput;
