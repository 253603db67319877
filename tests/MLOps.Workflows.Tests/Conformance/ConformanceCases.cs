using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>What one case produced on one engine.</summary>
public sealed record CaseResult(string Case, string Engine, OrchestrationState Final, ExecutionCounts Counts, CaseProbe Probe,
    TimeSpan Elapsed, IReadOnlyList<JsonElement> ObservedStatuses)
{
    public T Output<T>() => WorkflowJson.FromElement<T>(Final.Output)!;
}

/// <summary>The engine, client and probe a case drives.</summary>
public sealed class CaseRun(IConformanceEngine engine, CaseProbe probe, CancellationToken cancellationToken)
{
    private readonly List<JsonElement> observed = [];

    public IConformanceEngine Engine => engine;
    public IOrchestrationClient Client => engine.Client;
    public CaseProbe Probe => probe;
    public CancellationToken CancellationToken => cancellationToken;
    public IReadOnlyList<JsonElement> ObservedStatuses => observed;

    public async Task<OrchestrationState> RunAsync(string name, object? input)
    {
        var start = await Client.StartAsync(name, input, $"{name}-{Guid.NewGuid():N}", cancellationToken);
        return await Client.WaitForCompletionAsync(start.InstanceId, cancellationToken);
    }

    public async Task<string> StartAsync(string name, object? input) =>
        (await Client.StartAsync(name, input, $"{name}-{Guid.NewGuid():N}", cancellationToken)).InstanceId;

    /// <summary>Polls the status API until the instance shows <paramref name="status"/>.</summary>
    public async Task<OrchestrationState> WaitForRuntimeStatusAsync(string instanceId, RuntimeStatus status)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await Client.GetStateAsync(instanceId, cancellationToken) is { } state && state.RuntimeStatus == status) return state;
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"{instanceId} not {status} within 60 s");
    }

    /// <summary>What a control call did: "accepted", or "refused: STATUS" (<see cref="InstanceStateException"/>), or "not supported".</summary>
    public static async Task<string> OutcomeAsync(Func<Task> control)
    {
        try
        {
            await control();
            return "accepted";
        }
        catch (InstanceStateException e)
        {
            return $"refused: {e.Status}";
        }
        catch (NotSupportedException)
        {
            return "not supported";
        }
    }

    /// <summary>Polls the status API (as a dashboard would) until the custom status satisfies <paramref name="until"/>.</summary>
    public async Task<JsonElement> WaitForCustomStatusAsync(string instanceId, Func<JsonElement, bool> until)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var state = await Client.GetStateAsync(instanceId, cancellationToken);
            if (state?.CustomStatus is { } status && until(status))
            {
                observed.Add(status.Clone());
                return status;
            }
            if (state?.IsFinished == true) throw new InvalidOperationException($"{instanceId} finished ({state.RuntimeStatus}) before its custom status was seen");
            await Task.Delay(100, cancellationToken);
        }
        throw new TimeoutException($"custom status of {instanceId} not seen within 60 s");
    }
}

/// <summary>
/// One conformance case: how to set it up (registry + services), how to drive it, what each engine must show
/// (<see cref="Check"/>), and what must be equal between the engines (<see cref="Comparable"/>, activity counts, status).
/// </summary>
public sealed record ConformanceCase(string Name, Func<CaseRun, Task<OrchestrationState>> Drive, Action<CaseResult> Check)
{
    /// <summary>The part of the result both engines must agree on; the output JSON by default.</summary>
    public Func<CaseResult, object?> Comparable { get; init; } = r => r.Final.Output?.GetRawText();

    /// <summary>Registry and services of the case; the feature workflows by default.</summary>
    public Func<CaseProbe, Task<(WorkflowRegistry Registry, IServiceProvider Services)>> Setup { get; init; } = probe =>
        Task.FromResult<(WorkflowRegistry, IServiceProvider)>((FeatureWorkflows.Register(new WorkflowRegistry(), probe),
            new ServiceCollection().AddSingleton(probe).BuildServiceProvider()));

    /// <summary>The activities whose execution counts must be equal on both engines; all by default.</summary>
    public Func<string, bool> SameCount { get; init; } = _ => true;

    /// <summary>Seconds of computation (the real pipeline): started before the others so it overlaps their real-time waits.</summary>
    public bool StartsFirst { get; init; }

    public override string ToString() => Name;

    public async Task<CaseResult> RunAsync(string engineName, CancellationToken cancellationToken)
    {
        var probe = new CaseProbe();
        var (registry, services) = await Setup(probe);
        var counts = new ExecutionCounts();
        await using var engine = await ConformanceEngines.StartAsync(engineName, counts.Wrap(registry), services);
        var run = new CaseRun(engine, probe, cancellationToken);
        var clock = Stopwatch.StartNew();
        var final = await Drive(run);
        return new CaseResult(Name, engineName, final, counts, probe, clock.Elapsed, run.ObservedStatuses);
    }
}
