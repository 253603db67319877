using MLOps.Storage;
using System.Text.Json;
using MLOps.Tests;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Tests.Orchestration;

public sealed class OneTimeEventClaimsTests
{
    private static OrchestrationState Run(DateTimeOffset createdAt) =>
        new() { InstanceId = "retrain-singleton", Name = "RetrainPipeline", RuntimeStatus = RuntimeStatus.Running, CreatedAt = createdAt };

    private static JsonElement Decision(string by) => JsonSerializer.SerializeToElement(new { approved = true, by });

    [Fact]
    public async Task ManySendersAtOnce_ExactlyOneClaims_TheOthersSeeItsPayload()
    {
        var store = TestEnvironment.NewFolderStore("claims");
        var run = Run(new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => OneTimeEventClaims.TryClaimAsync(store, run, "approval", Decision($"p{i}"), DateTimeOffset.UtcNow, default))));

        var winner = Assert.Single(Enumerable.Range(0, 16), i => results[i] is null);
        Assert.All(results.Where(r => r is not null), r => Assert.Equal($"p{winner}", r!.Payload!.Value.GetProperty("by").GetString()));
    }

    [Fact]
    public async Task AReleasedClaim_CanBeTakenAgain_AndANewRunOfTheSameIdHasItsOwn()
    {
        var store = TestEnvironment.NewFolderStore("claims");
        var first = Run(new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));
        Assert.Null(await OneTimeEventClaims.TryClaimAsync(store, first, "approval", Decision("ana"), DateTimeOffset.UtcNow, default));
        Assert.NotNull(await OneTimeEventClaims.TryClaimAsync(store, first, "approval", Decision("bob"), DateTimeOffset.UtcNow, default));

        // The singleton id is reused by the next drift retrain: that run is decided afresh.
        var next = Run(first.CreatedAt.AddHours(5));
        Assert.Null(await OneTimeEventClaims.TryClaimAsync(store, next, "approval", Decision("bob"), DateTimeOffset.UtcNow, default));

        await OneTimeEventClaims.ReleaseAsync(store, first, "approval", default);
        Assert.Null(await OneTimeEventClaims.TryClaimAsync(store, first, "approval", Decision("carol"), DateTimeOffset.UtcNow, default));
    }
}

public sealed class OneTimeEventClaimsPurgeTests
{
    private sealed class States(Dictionary<string, OrchestrationState> states) : StartOnlyOrchestrationClient
    {
        public override Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
        public override Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) =>
            Task.FromResult(states.GetValueOrDefault(instanceId));
    }

    private static OrchestrationState Run(string id, DateTimeOffset createdAt, RuntimeStatus status) =>
        new() { InstanceId = id, Name = "RetrainPipeline", RuntimeStatus = status, CreatedAt = createdAt };

    /// <summary>A claim goes with its run's history: kept while the run waits, deleted once the run is purged, finished or replaced.</summary>
    [Fact]
    public async Task Purge_DeletesTheClaimsOfOldRunsThatAreOver_KeepsTheRest()
    {
        var store = TestEnvironment.NewFolderStore("claims-purge");
        var old = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        var recent = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var cutoff = new DateTimeOffset(2026, 11, 7, 0, 0, 0, TimeSpan.Zero);
        var runs = new Dictionary<string, OrchestrationState>
        {
            ["waiting"] = Run("waiting", old, RuntimeStatus.Running),             // an old run still waiting: kept
            ["finished"] = Run("finished", old, RuntimeStatus.Completed),         // over: deleted
            ["replaced"] = Run("replaced", recent, RuntimeStatus.Running),        // the claim is of an older run of the id: deleted
            ["new"] = Run("new", recent, RuntimeStatus.Completed),               // newer than the cutoff: kept
        };
        foreach (var (id, state) in runs)
            Assert.Null(await OneTimeEventClaims.TryClaimAsync(store, id == "replaced" ? state with { CreatedAt = old } : state, "approval", null, old, default));
        Assert.Null(await OneTimeEventClaims.TryClaimAsync(store, Run("purged", old, RuntimeStatus.Completed), "approval", null, old, default)); // gone: deleted

        var deleted = await OneTimeEventClaims.PurgeAsync(store, new States(runs), cutoff, default);

        Assert.Equal(3, deleted);
        var left = (await store.ListAllAsync(OneTimeEventClaims.Prefix)).Select(b => b.Path.Split('/')[1]).Order();
        Assert.Equal(["new", "waiting"], left);
    }
}
