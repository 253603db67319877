using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using MLOps.Core;
using OpenTelemetry.Metrics;

namespace MLOps.Observability.Tests;

public sealed class MetricsTests
{
    private static (IHost Host, TelemetryHarness Harness) BuildHost(Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?> { [TelemetrySettings.ExporterKey] = "none" });
        builder.AddMLOpsTelemetry("mlops-test");
        var harness = new TelemetryHarness();
        harness.Attach(builder);
        return (builder.Build(), harness);
    }

    [Fact]
    public async Task AddMLOpsTelemetry_EveryCatalogueMetric_IsExportedWithItsNameUnitAndTags()
    {
        var (host, harness) = BuildHost();
        using var _ = host;
        await host.StartAsync(TestContext.Current.CancellationToken);
        var run = Guid.NewGuid().ToString("N");

        MLOpsMetrics.RecommendationsServed.Add(7, new KeyValuePair<string, object?>("route", run));
        MLOpsMetrics.RecommendationsServed.Add(3, new KeyValuePair<string, object?>("route", run));
        MLOpsMetrics.PipelineStepDuration.Record(1.5, new KeyValuePair<string, object?>("step", run));
        MLOpsMetrics.PipelineStepDuration.Record(4.5, new KeyValuePair<string, object?>("step", run));
        MLOpsMetrics.OrchestrationsCompleted.Add(1, new("name", run), new("status", "failed"));
        MLOpsMetrics.DriftScore.Record(0.12, new("feature", run), new("method", "psi"));
        MLOpsMetrics.DriftScore.Record(0.31, new("feature", run), new("method", "psi"));
        MLOpsMetrics.OpenAlerts.Record(2, new KeyValuePair<string, object?>("severity", run));
        MLOpsMetrics.ModelVersionInUse.Record(42, new("model", run), new("alias", "champion"));
        TelemetryHarness.Flush(host.Services);

        var served = Assert.Single(harness.Points("mlops.recommendations.served", "route", run));
        Assert.Equal(10, served.GetSumLong());

        var step = Assert.Single(harness.Points("mlops.pipeline.step.duration", "step", run));
        Assert.Equal(2, step.GetHistogramCount());
        Assert.Equal(6.0, step.GetHistogramSum(), 6);

        var failed = Assert.Single(harness.Points("mlops.orchestrations.completed", "name", run));
        Assert.Equal(1, failed.GetSumLong());
        Assert.Equal("failed", TelemetryHarness.Tag(failed, "status"));

        var drift = Assert.Single(harness.Points("mlops.drift.score", "feature", run));
        Assert.Equal(0.31, drift.GetGaugeLastValueDouble(), 6); // a gauge keeps the latest score, not a sum
        Assert.Equal("psi", TelemetryHarness.Tag(drift, "method"));

        Assert.Equal(2, Assert.Single(harness.Points("mlops.drift.alerts.open", "severity", run)).GetGaugeLastValueLong());
        var version = Assert.Single(harness.Points("mlops.model.version", "model", run));
        Assert.Equal(42, version.GetGaugeLastValueLong());
        Assert.Equal("champion", TelemetryHarness.Tag(version, "alias"));

        var units = harness.Metrics.Where(m => m.Name.StartsWith("mlops.", StringComparison.Ordinal))
            .GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.First().Unit);
        Assert.Equal("s", units["mlops.pipeline.step.duration"]);
        Assert.Equal("1", units["mlops.drift.score"]);
        Assert.Equal(MetricType.Histogram, harness.Metrics.First(m => m.Name == "mlops.pipeline.step.duration").MetricType);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddMLOpsTelemetry_ActivitySourceSpan_IsExportedAsTrace()
    {
        var (host, harness) = BuildHost();
        using var _ = host;
        await host.StartAsync(TestContext.Current.CancellationToken);
        var run = Guid.NewGuid().ToString("N");

        using (var activity = Telemetry.ActivitySource.StartActivity("pipeline.step.train"))
        {
            Assert.NotNull(activity); // null would mean nobody listens to the MLOps source
            activity.SetTag("run", run);
            using var child = Telemetry.ActivitySource.StartActivity("model.fit");
            child?.SetTag("run", run);
        }
        TelemetryHarness.Flush(host.Services);

        var spans = harness.Activities.Where(a => Equals(a.GetTagItem("run"), run)).ToList();
        Assert.Equal(2, spans.Count);
        var parent = Assert.Single(spans, s => s.DisplayName == "pipeline.step.train");
        var fit = Assert.Single(spans, s => s.DisplayName == "model.fit");
        Assert.Equal(parent.SpanId, fit.ParentSpanId);
        Assert.Equal(parent.TraceId, fit.TraceId);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddMLOpsTelemetry_AtStartup_LogsTheChosenExporterThroughOpenTelemetry()
    {
        var (host, harness) = BuildHost(new Dictionary<string, string?> { [TelemetrySettings.ExporterKey] = "none" });
        using var _ = host;
        await host.StartAsync(TestContext.Current.CancellationToken);
        TelemetryHarness.Flush(host.Services);

        var record = Assert.Single(harness.Logs, l => l.EventId.Id == 9001);
        Assert.Contains("Telemetry exporter None for service mlops-test", record.FormattedMessage, StringComparison.Ordinal);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddMLOpsTelemetry_WithConnectionString_WiresAzureMonitorAndStillEmits()
    {
        // Ingestion endpoint on a closed loopback port: the exporter is built and fails to send, nothing leaves the
        // machine. (No Entra authentication string here: the credential would probe the managed identity endpoint.)
        var (host, harness) = BuildHost(new Dictionary<string, string?>
        {
            [TelemetrySettings.ConnectionStringKey] = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:9/",
            [TelemetrySettings.DisableOfflineStorageKey] = "true", // no retry files left in the temp folder
        });
        using var _ = host;
        var settings = (TelemetrySettings)host.Services.GetService(typeof(TelemetrySettings))!;
        Assert.Equal(TelemetryExporter.AzureMonitor, settings.Exporter);
        Assert.False(settings.UseEntraAuthentication);
        Assert.True(settings.DisableOfflineStorage);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var run = Guid.NewGuid().ToString("N");
        MLOpsMetrics.RecommendationsServed.Add(5, new KeyValuePair<string, object?>("route", run));
        TelemetryHarness.Flush(host.Services, requireSuccess: false); // the Azure Monitor export itself fails: nothing listens

        Assert.Equal(5, Assert.Single(harness.Points("mlops.recommendations.served", "route", run)).GetSumLong());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
