using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

/// <summary>
/// A store that stops answering (Azurite frozen) while serving: requests and /ready stay 200 from memory, but the outage
/// is logged once, counted per failed check, shown in /ready, and its end logged.
/// </summary>
public sealed class StoreOutageTests
{
    private const string Category = "MLOps.Serving.Model.ModelHost";

    [Fact]
    public async Task FrozenStore_IsLoggedOnce_CountedPerCheck_ShownInReady_AndItsEndLogged()
    {
        var ct = TestContext.Current.CancellationToken;
        var capture = new LogCapture();
        var fixture = new ServingFixture { ConfigureServices = s => s.AddSingleton<ILoggerProvider>(capture) };
        fixture.Settings["ServingOptions:StoreCheckTimeout"] = "00:00:00.200";
        await fixture.InitializeAsync();
        long failures = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MLOps.Core.Telemetry.Name && instrument.Name == "mlops.serving.store.check_failures") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref failures, value));
        listener.Start();
        try
        {
            var client = fixture.Client(fixture.ReadKey);
            fixture.Models.ResolveHangs = true;
            await ServingFixture.WaitUntilAsync(() => capture.Messages(Category, LogLevel.Warning).Count > 0 && Interlocked.Read(ref failures) >= 3);

            var ready = await client.GetAsync("/ready", ct);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode); // serving from memory is correct
            var body = await ready.ReadAsync();
            Assert.Contains("did not answer", body.GetProperty("storeCheckError").GetString(), StringComparison.Ordinal);
            Assert.True(body.GetProperty("lastCheckAgeSeconds").GetDouble() >= 0.2); // at least one timed-out check since the last good one
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users/u1/recommendations?k=3", ct)).StatusCode);

            fixture.Models.ResolveHangs = false;
            await ServingFixture.WaitUntilAsync(() => capture.Messages(Category, LogLevel.Information).Any(m => m.Contains("ok again after", StringComparison.Ordinal)));
            var warning = Assert.Single(capture.Messages(Category, LogLevel.Warning)); // once per outage, not per poll
            Assert.Contains("Store check failed", warning, StringComparison.Ordinal);
            body = await (await client.GetAsync("/ready", ct)).ReadAsync();
            Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("storeCheckError").ValueKind);
        }
        finally { await fixture.DisposeAsync(); }
    }
}
