using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MLOps.Core;

namespace MLOps.Observability.Tests;

/// <summary>
/// What the Azure Monitor exporter actually sends (captured by a loopback "ingestion endpoint"), since the alert rules
/// (bicep/modules/alerts.bicep) and the runbook's queries read those rows: customMetrics names and customDimensions keys,
/// and which table a log record lands in.
/// </summary>
public sealed class AzureMonitorPayloadTests
{
    [Fact]
    public async Task AzureMonitorExporter_SendsTheAlertRulesMetricsAndDimensions_AndErrorLogsWithAnExceptionAsExceptions()
    {
        var ct = TestContext.Current.CancellationToken;
        var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
        tcp.Stop();
        using var ingestion = new HttpListener();
        ingestion.Prefixes.Add($"http://127.0.0.1:{port}/");
        ingestion.Start();
        var items = new List<JsonElement>();
        var receiving = Task.Run(async () =>
        {
            while (ingestion.IsListening)
            {
                HttpListenerContext context;
                try { context = await ingestion.GetContextAsync(); } catch (Exception) { return; }
                Stream body = context.Request.InputStream;
                if (context.Request.Headers["Content-Encoding"] == "gzip") body = new GZipStream(body, CompressionMode.Decompress);
                using (var reader = new StreamReader(body))
                    foreach (var line in (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        lock (items) items.Add(JsonDocument.Parse(line).RootElement.Clone());
                context.Response.StatusCode = 200;
                await context.Response.OutputStream.WriteAsync("""{"itemsReceived":0,"itemsAccepted":0,"errors":[]}"""u8.ToArray());
                context.Response.Close();
            }
        }, ct);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetrySettings.ConnectionStringKey] = $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:{port}/",
            [TelemetrySettings.DisableOfflineStorageKey] = "true",
        });
        builder.AddMLOpsTelemetry("mlops-payload-test");
        var run = Guid.NewGuid().ToString("N");
        using (var host = builder.Build())
        {
            await host.StartAsync(ct);
            MLOpsMetrics.OrchestrationsCompleted.Add(1, new("name", run), new("status", "failed"));
            MLOpsMetrics.DriftScore.Record(0.3, new("feature", run), new("method", "psi"));
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MLOps.Serving.Model.ModelHost");
            // ModelHost's load-failure message (its [LoggerMessage] template), with the exception it logs.
            logger.LogError(new InvalidDataException("bad magic"), "ALERT: failed to load {Model} version {Version} ({Alias}); keeping the previous model.", run, "v7", "champion");
            TelemetryHarness.Flush(host.Services, requireSuccess: false);
            await host.StopAsync(ct); // disposing the providers flushes the logs
        }
        var deadline = Environment.TickCount64 + 10_000;
        bool Has(Func<JsonElement, bool> match) { lock (items) return items.Any(match); }
        static string? Prop(JsonElement item, string key) =>
            item.GetProperty("data").GetProperty("baseData").TryGetProperty("properties", out var p) && p.TryGetProperty(key, out var v) ? v.GetString() : null;
        while (!Has(i => i.GetProperty("name").GetString() == "Exception") && Environment.TickCount64 < deadline) await Task.Delay(50, ct);
        ingestion.Stop();

        List<JsonElement> all;
        lock (items) all = [.. items];
        // customMetrics: name = the instrument's name, customDimensions = its tags, as the log alert rules query them.
        var metrics = all.Where(i => i.GetProperty("name").GetString() == "Metric").ToList();
        var failed = Assert.Single(metrics, m => Prop(m, "name") == run);
        Assert.Equal("mlops.orchestrations.completed", failed.GetProperty("data").GetProperty("baseData").GetProperty("metrics")[0].GetProperty("name").GetString());
        Assert.Equal("failed", Prop(failed, "status"));
        var drift = Assert.Single(metrics, m => Prop(m, "feature") == run);
        Assert.Equal("mlops.drift.score", drift.GetProperty("data").GetProperty("baseData").GetProperty("metrics")[0].GetProperty("name").GetString());
        Assert.Equal("psi", Prop(drift, "method"));

        // An error logged with an exception is an `exceptions` row, not a `traces` row: its outer message is the exception's,
        // and the log's own text is only the template (OriginalFormat) with the values as separate properties.
        var error = Assert.Single(all, i => Prop(i, "Model") == run);
        Assert.Equal("Exception", error.GetProperty("name").GetString());
        Assert.Equal("v7", Prop(error, "Version"));
        Assert.Equal("MLOps.Serving.Model.ModelHost", Prop(error, "CategoryName"));
        Assert.StartsWith("ALERT: failed to load {Model}", Prop(error, "OriginalFormat"), StringComparison.Ordinal);
        Assert.Equal("bad magic", error.GetProperty("data").GetProperty("baseData").GetProperty("exceptions")[0].GetProperty("message").GetString());
        await receiving.WaitAsync(TimeSpan.FromSeconds(5), ct).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
