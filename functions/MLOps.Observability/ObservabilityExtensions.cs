using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MLOps.Core;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MLOps.Observability;

public static class ObservabilityExtensions
{
    /// <summary>ASP.NET Core's meter: <c>http.server.request.duration</c> tagged with <c>http.route</c> (request latency by route).</summary>
    public const string AspNetCoreHostingMeter = "Microsoft.AspNetCore.Hosting";

    /// <summary>The log category of ASP.NET Core's "Request starting / finished" lines, which carry the full URL.</summary>
    public const string RequestUrlLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// OpenTelemetry for a host, wired once: traces (HTTP requests + every <see cref="Telemetry.ActivitySource"/> span:
    /// pipeline activities, scoring), metrics (the "MLOps" meter of <see cref="MLOpsMetrics"/> + request latency by
    /// route) and logs (every ILogger category, including the [LoggerMessage] methods), exported to the place
    /// <see cref="TelemetrySettings.From"/> picks: Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set,
    /// OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, console on request, otherwise nowhere.
    /// </summary>
    public static IHostApplicationBuilder AddMLOpsTelemetry(this IHostApplicationBuilder builder, string serviceName = "mlops")
    {
        var settings = TelemetrySettings.From(builder.Configuration, serviceName);
        builder.Services.AddSingleton(settings);
        // ASP.NET Core logs every request's whole URL at Information ("Request starting GET …/api/search?q=…&user=…"):
        // search text and user ids in every log sink, exported ones included. The request span carries the route,
        // status and duration with the query's values redacted, so the URL lines are left to warnings and errors.
        builder.Logging.AddFilter(RequestUrlLogCategory, LogLevel.Warning);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(settings.ServiceName, serviceVersion: settings.ServiceVersion)
                .AddAttributes([new("deployment.environment.name", builder.Configuration["MLOPS_ENVIRONMENT"] ?? builder.Environment.EnvironmentName)]))
            .WithTracing(tracing => tracing
                .AddSource(Telemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path)))
            .WithMetrics(metrics => metrics
                .AddMeter(Telemetry.Name)
                .AddMeter(AspNetCoreHostingMeter)
                .AddView("http.server.request.duration", new ExplicitBucketHistogramConfiguration
                {
                    // Seconds; recommendations are expected in tens of milliseconds.
                    Boundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
                })
                .AddView(MLOpsMetrics.PipelineStepDuration.Name, new ExplicitBucketHistogramConfiguration
                {
                    Boundaries = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
                }))
            .WithLogging(logging => { }, options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            });

        switch (settings.Exporter)
        {
            case TelemetryExporter.AzureMonitor:
                otel.UseAzureMonitorExporter(options =>
                {
                    options.ConnectionString = settings.ConnectionString;
                    options.DisableOfflineStorage = settings.DisableOfflineStorage;
                    if (settings.UseEntraAuthentication)
                        options.Credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = settings.ManagedIdentityClientId });
                });
                break;
            case TelemetryExporter.Otlp:
                otel.UseOtlpExporter();
                break;
            case TelemetryExporter.Console:
                otel.WithTracing(t => t.AddConsoleExporter())
                    .WithMetrics(m => m.AddConsoleExporter())
                    .WithLogging(l => l.AddConsoleExporter());
                break;
            case TelemetryExporter.None:
                break;
        }

        builder.Services.AddHostedService<TelemetryStartupLog>();
        return builder;
    }

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/ready", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Says once, at startup, where telemetry goes (so "why is App Insights empty?" is answered by the log).</summary>
internal sealed partial class TelemetryStartupLog(TelemetrySettings settings, ILogger<TelemetryStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ExporterSelected(logger, settings.Exporter, settings.ServiceName, settings.UseEntraAuthentication);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Telemetry exporter {Exporter} for service {Service} (Entra authentication: {Entra})")]
    private static partial void ExporterSelected(ILogger logger, TelemetryExporter exporter, string service, bool entra);
}
