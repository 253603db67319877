using System.Diagnostics.Metrics;

namespace MLOps.Core;

/// <summary>
/// Every metric the system emits (docs/observability.md defines each). Components record through these;
/// the hosts export the "MLOps" meter (OTLP, console, or Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set).
/// </summary>
public static class MLOpsMetrics
{
    public static readonly Counter<long> RecommendationsServed = Telemetry.Meter.CreateCounter<long>(
        "mlops.recommendations.served", "{item}", "Items returned by recommendation, rows, similar and search endpoints.");

    public static readonly Histogram<double> PipelineStepDuration = Telemetry.Meter.CreateHistogram<double>(
        "mlops.pipeline.step.duration", "s", "Wall time of one pipeline activity (tag: step).");

    public static readonly Counter<long> OrchestrationsCompleted = Telemetry.Meter.CreateCounter<long>(
        "mlops.orchestrations.completed", "{instance}", "Orchestration instances that ended (tags: name, status = completed|failed|terminated).");

    public static readonly Gauge<double> DriftScore = Telemetry.Meter.CreateGauge<double>(
        "mlops.drift.score", "1", "Latest drift score per feature (tags: feature, method).");

    public static readonly Gauge<long> OpenAlerts = Telemetry.Meter.CreateGauge<long>(
        "mlops.drift.alerts.open", "{alert}", "Open drift alerts (tag: severity).");

    public static readonly Gauge<long> ModelVersionInUse = Telemetry.Meter.CreateGauge<long>(
        "mlops.model.version", "{version}", "Model version the server is serving (tags: model, alias).");
}
