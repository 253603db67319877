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
