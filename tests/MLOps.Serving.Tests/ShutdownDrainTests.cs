using System.Net;

namespace MLOps.Serving.Tests;

/// <summary>Behind a load balancer, a stopping host first says so on /ready and keeps serving for ServingOptions:ShutdownDrain.</summary>
public sealed class ShutdownDrainTests
{
    [Fact]
    public async Task Stopping_ReadyTurns503_WhileRequestsAreStillServed_UntilTheDrainEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture = new ServingFixture();
        fixture.Settings["ServingOptions:ShutdownDrain"] = "00:10:00"; // ended below by cancelling the stop, never waited out
        await fixture.InitializeAsync();
        try
        {
            var client = fixture.Client(fixture.ReadKey);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready", ct)).StatusCode);

            using var endDrain = new CancellationTokenSource();
            var stopping = fixture.App.StopAsync(endDrain.Token);
            var ready = await client.GetAsync("/ready", ct);
            for (var i = 0; i < 200 && ready.StatusCode == HttpStatusCode.OK; i++)
            {
                await Task.Delay(50, ct);
                ready = await client.GetAsync("/ready", ct);
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("Draining", (await ready.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.False(stopping.IsCompleted);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/u1/recommendations?k=3", ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", ct)).StatusCode);

            await endDrain.CancelAsync();
            await stopping;
        }
        finally { await fixture.DisposeAsync(); }
    }
}
