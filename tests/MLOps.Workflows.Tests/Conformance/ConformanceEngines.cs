using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using DurableTask.Emulator;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Durable;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>One engine running one case: an <see cref="IOrchestrationClient"/> over its own registry and services.</summary>
public interface IConformanceEngine : IAsyncDisposable
{
    string Name { get; }
    IOrchestrationClient Client { get; }
}

/// <summary>The two engines of the conformance suite.</summary>
public static class ConformanceEngines
{
    public const string Embedded = "embedded-runner";
    public const string DurableTask = "durabletask-core";

    public static IReadOnlyList<string> All { get; } = [Embedded, DurableTask];

    public static Task<IConformanceEngine> StartAsync(string engine, WorkflowRegistry registry, IServiceProvider services) => engine switch
    {
        DurableTask => Task.FromResult<IConformanceEngine>(new DurableTaskEngine(registry, services)),
        Embedded => Task.FromResult<IConformanceEngine>(new EmbeddedEngine(registry, services)),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };

    /// <summary>The embedded runner (MLOps.Workflows) over a fresh folder store, the local host's engine.</summary>
    private sealed class EmbeddedEngine : IConformanceEngine
    {
        private readonly EmbeddedOrchestrationEngine engine;

        public EmbeddedEngine(WorkflowRegistry registry, IServiceProvider services)
        {
            var store = services.GetService<IBlobStore>() ?? TestEnvironment.NewFolderStore("conformance");
            engine = new EmbeddedOrchestrationEngine(store, registry, new WithClient(services, () => engine!));
        }

        public string Name => Embedded;
        public IOrchestrationClient Client => engine;
        public ValueTask DisposeAsync() => engine.DisposeAsync();
    }

    /// <summary>
    /// Services in which activities that start or purge instances find the engine they run on (also in the scopes the
    /// embedded runner creates per activity).
    /// </summary>
    private sealed class WithClient(IServiceProvider inner, Func<IOrchestrationClient> client) : IServiceProvider, IServiceScopeFactory
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IOrchestrationClient) ? client()
            : serviceType == typeof(IServiceScopeFactory) ? this
            : inner.GetService(serviceType);

        public IServiceScope CreateScope()
        {
            var scope = inner.CreateScope();
            return new Scope(scope, new WithClient(scope.ServiceProvider, client));
        }

        private sealed class Scope(IServiceScope scope, IServiceProvider provider) : IServiceScope
        {
            public IServiceProvider ServiceProvider => provider;
            public void Dispose() => scope.Dispose();
        }
    }

    /// <summary>The adapter (MLOps.Durable) on DurableTask.Core's replay engine with the in-memory emulator.</summary>
    private sealed class DurableTaskEngine : IConformanceEngine
    {
        private readonly DurableTaskCoreHost host;

        public DurableTaskEngine(WorkflowRegistry registry, IServiceProvider services)
        {
            var service = new LocalOrchestrationService();
            host = new DurableTaskCoreHost(service, service).AddWorkflows(registry, services);
        }

        public string Name => DurableTask;
        public IOrchestrationClient Client => host;
        public ValueTask DisposeAsync() => host.DisposeAsync();
    }
}

/// <summary>
/// Counts what an engine executes: each activity's runs and each orchestrator body's runs (replays included).
/// <see cref="Wrap"/> copies a registry with counting wrappers, so counting needs nothing from either engine.
/// </summary>
public sealed class ExecutionCounts
{
    private readonly ConcurrentDictionary<string, int> activities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> bodies = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Activities => new SortedDictionary<string, int>(activities, StringComparer.Ordinal);
    public IReadOnlyDictionary<string, int> OrchestratorBodies => new SortedDictionary<string, int>(bodies, StringComparer.Ordinal);
    public int ActivityRuns(string name) => activities.GetValueOrDefault(name);
    public int BodyRuns(string name) => bodies.GetValueOrDefault(name);

    /// <summary>A copy of <paramref name="source"/> whose definitions count their runs (same names, same input/output types).</summary>
    public WorkflowRegistry Wrap(WorkflowRegistry source)
    {
        var target = new WorkflowRegistry();
        foreach (var o in source.Orchestrators)
            CountedOrchestrator.MakeGenericMethod(o.InputType, o.OutputType).Invoke(this, [target, o]);
        foreach (var a in source.Activities)
            CountedActivity.MakeGenericMethod(a.InputType, a.OutputType).Invoke(this, [target, a]);
        return target;
    }

    private static readonly MethodInfo CountedOrchestrator = typeof(ExecutionCounts).GetMethod(nameof(AddCountedOrchestrator), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo CountedActivity = typeof(ExecutionCounts).GetMethod(nameof(AddCountedActivity), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private void AddCountedOrchestrator<TInput, TOutput>(WorkflowRegistry target, OrchestratorDefinition definition) =>
        target.AddOrchestrator<TInput, TOutput>(definition.Name, async (context, input) =>
        {
            bodies.AddOrUpdate(definition.Name, 1, (_, n) => n + 1);
            return (TOutput)(await definition.RunAsync(context, input))!;
        });

    private void AddCountedActivity<TInput, TOutput>(WorkflowRegistry target, ActivityDefinition definition) =>
        target.AddActivity<TInput, TOutput>(definition.Name, async (services, context, input, cancellationToken) =>
        {
            activities.AddOrUpdate(definition.Name, 1, (_, n) => n + 1);
            return (TOutput)(await definition.RunAsync(services, context, input, cancellationToken).ConfigureAwait(false))!;
        });
}
