using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace MLOps.Observability.Tests;

/// <summary>
/// Adds in-memory exporters next to whatever AddMLOpsTelemetry wired, so a test sees exactly what a real exporter
/// (Azure Monitor, OTLP, console) would be handed.
/// </summary>
internal sealed class TelemetryHarness
{
    public List<MetricSnapshot> Metrics { get; } = [];
    public List<Activity> Activities { get; } = [];
    public List<LogRecord> Logs { get; } = [];

    public void Attach(IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(Metrics));
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Activities));
        builder.Services.ConfigureOpenTelemetryLoggerProvider(l => l.AddInMemoryExporter(Logs));
    }

    /// <summary>A web app on a TestServer with <c>AddMLOpsTelemetry</c> (no exporter of its own) and this harness's exporters.</summary>
    public WebApplication BuildWebApp(string serviceName)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [TelemetrySettings.ExporterKey] = "none" });
        builder.AddMLOpsTelemetry(serviceName);
        Attach(builder);
        return builder.Build();
    }

    /// <summary>
    /// The server spans of <paramref name="route"/>, once there are <paramref name="count"/> (or 5 s have passed): the hosting
    /// layer stops a request's span after the response reached the test client, so on a busy machine the last span can be
    /// exported a moment after a flush.
    /// </summary>
    public async Task<List<Activity>> ServerSpansAsync(IServiceProvider services, string route, int count)
    {
        List<Activity> Spans() => Activities.ToArray().Where(a => a.Kind == ActivityKind.Server && Equals(a.GetTagItem("http.route"), route)).ToList();
        var deadline = Environment.TickCount64 + 5_000;
        Flush(services);
        while (Spans().Count < count && Environment.TickCount64 < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            Flush(services);
        }
        return Spans();
    }

    /// <summary>Collects every metric now (the periodic reader would wait a minute) and flushes spans and logs.</summary>
    public static void Flush(IServiceProvider services, bool requireSuccess = true)
    {
        var metrics = services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
        var traces = services.GetRequiredService<TracerProvider>().ForceFlush(10_000);
        if (requireSuccess) Assert.True(metrics && traces, $"flush failed (metrics: {metrics}, traces: {traces})");
        services.GetService<LoggerProvider>()?.ForceFlush(10_000);
    }

    /// <summary>Points of one metric whose tags include <paramref name="tag"/> = <paramref name="value"/>
    /// (tests tag with a unique value: the instruments are static and shared by every test in the process).</summary>
    public List<MetricPoint> Points(string metric, string tag, string value)
    {
        var points = new List<MetricPoint>();
        foreach (var snapshot in Metrics.Where(m => m.Name == metric))
            foreach (var point in snapshot.MetricPoints)
            {
                foreach (var t in point.Tags)
                    if (t.Key == tag && Equals(t.Value?.ToString(), value)) { points.Add(point); break; }
            }
        return points;
    }

    public static string? Tag(MetricPoint point, string key)
    {
        foreach (var t in point.Tags) if (t.Key == key) return t.Value?.ToString();
        return null;
    }
}
