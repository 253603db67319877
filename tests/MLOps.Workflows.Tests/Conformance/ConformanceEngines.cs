using System.Collections.Concurrent;
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
            engine = new EmbeddedOrchestrationEngine(store, registry, new WithClient(services, () => engine));
        }

        public string Name => Embedded;
        public IOrchestrationClient Client => engine;
        public ValueTask DisposeAsync() => engine.DisposeAsync();
    }

    /// <summary>Services in which activities that start or purge instances find the engine they run on.</summary>
    private sealed class WithClient(IServiceProvider inner, Func<IOrchestrationClient> client) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IOrchestrationClient) ? client() : inner.GetService(serviceType);
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

    public WorkflowRegistry Wrap(WorkflowRegistry source)
    {
        var target = new WorkflowRegistry();
        foreach (var o in source.Orchestrators)
        {
            var definition = o;
            target.AddOrchestrator<JsonElement, object?>(definition.Name, async (context, input) =>
            {
                bodies.AddOrUpdate(definition.Name, 1, (_, n) => n + 1);
                return await definition.RunAsync(context, WorkflowJson.FromElement(input, definition.InputType));
            });
        }
        foreach (var a in source.Activities)
        {
            var definition = a;
            target.AddActivity<JsonElement, object?>(definition.Name, async (services, context, input, cancellationToken) =>
            {
                activities.AddOrUpdate(definition.Name, 1, (_, n) => n + 1);
                return await definition.RunAsync(services, context, WorkflowJson.FromElement(input, definition.InputType), cancellationToken)
                    .ConfigureAwait(false);
            });
        }
        return target;
    }
}
