using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Embedded;

/// <summary>
/// A side-effect ledger activities write to, keyed by step (the idempotency key): the test can see whether an
/// effect happened twice. Stored in the blob store, as real activity effects are, so it survives a "crash".
/// </summary>
public sealed class Ledger(IBlobStore store)
{
    public async Task<bool> ApplyOnceAsync(string key, string value) =>
        await store.TryCreateAsync($"ledger/{key.Replace(':', '_')}", BinaryData.FromString(value));

    public async Task<List<string>> KeysAsync() =>
        (await store.ListAllAsync("ledger/")).Select(b => b.Path["ledger/".Length..]).ToList();
}

public sealed record Order(string Customer, int[] Items);
public sealed record Receipt(string Customer, int Total, int Steps, string Approval, Guid Token);
public sealed record ItemInput(string Key, int Item);

/// <summary>Small orchestrations that exercise every feature of the contract.</summary>
public static class TestWorkflows
{
    public static readonly ConcurrentDictionary<string, int> FlakyAttempts = new();

    public static WorkflowRegistry Registry(Action<WorkflowRegistry>? extra = null)
    {
        var registry = new WorkflowRegistry()
            .AddActivity<ItemInput, int>("Price", async (services, context, input, ct) =>
            {
                await services.GetRequiredService<Ledger>().ApplyOnceAsync(input.Key, input.Item.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return input.Item * 10;
            })
            .AddActivity<string, string>("Echo", (_, _, input, _) => Task.FromResult(input))
            .AddActivity<string, int>("Flaky", (_, _, key, _) =>
            {
                var n = FlakyAttempts.AddOrUpdate(key, 1, (_, v) => v + 1);
                if (n < 3) throw new InvalidOperationException($"attempt {n} fails");
                return Task.FromResult(n);
            })
            .AddOrchestrator<Order, Receipt>("Checkout", async (context, order) =>
            {
                context.SetCustomStatus(new { step = "pricing" });
                var prices = await Task.WhenAll(order.Items.Select((item, i) =>
                    context.CallActivityAsync<int>("Price", new ItemInput(context.StepKey($"price-{i}"), item))));
                var total = prices.Sum();
                var token = context.NewGuid();
                var approval = "auto";
                if (total > 100)
                {
                    context.SetCustomStatus(new { step = "awaiting-approval" });
                    try
                    {
                        approval = await context.WaitForExternalEvent<bool>("approval", TimeSpan.FromHours(1)) ? "approved" : "rejected";
                    }
                    catch (TaskCanceledException)
                    {
                        approval = "timed-out";
                    }
                }
                var echoed = await context.CallActivityAsync<string>("Echo", order.Customer);
                context.SetCustomStatus(new { step = "done" });
                return new Receipt(echoed, total, prices.Length, approval, token);
            })
            .AddOrchestrator<string, int>("Retrying", (context, key) =>
                context.CallActivityAsync<int>("Flaky", key, new RetryPolicy(3, TimeSpan.FromSeconds(1))))
            .AddOrchestrator<int, int>("Countdown", async (context, n) =>
            {
                if (n <= 0) return 0;
                await context.CallActivityAsync<string>("Echo", $"n={n}");
                context.ContinueAsNew(n - 1);
                return n;
            })
            .AddOrchestrator<Order, int>("Parent", async (context, order) =>
            {
                var receipt = await context.CallSubOrchestratorAsync<Receipt>("Checkout", order);
                return receipt.Total + 1;
            });
        extra?.Invoke(registry);
        return registry;
    }
}

public sealed class EngineHarness : IAsyncDisposable
{
    private readonly List<EmbeddedOrchestrationEngine> _engines = [];

    public EngineHarness(WorkflowRegistry? registry = null)
    {
        Store = TestEnvironment.NewFolderStore("workflows");
        Registry = registry ?? TestWorkflows.Registry();
        var services = new ServiceCollection();
        services.AddSingleton<IBlobStore>(Store);
        services.AddSingleton<Ledger>();
        Services = services.BuildServiceProvider();
    }

    public FolderBlobStore Store { get; }
    public WorkflowRegistry Registry { get; }
    public ServiceProvider Services { get; }
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public Ledger Ledger => Services.GetRequiredService<Ledger>();

    public EmbeddedOrchestrationEngine NewEngine(Func<string, bool>? crashAt = null)
    {
        var engine = new EmbeddedOrchestrationEngine(Store, Registry, Services, Time,
            new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20), MaxConcurrentActivities = 4 }) { CrashAt = crashAt };
        _engines.Add(engine);
        return engine;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var engine in _engines) await engine.DisposeAsync();
        await Services.DisposeAsync();
    }
}
