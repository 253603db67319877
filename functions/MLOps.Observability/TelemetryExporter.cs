using Microsoft.Extensions.Configuration;

namespace MLOps.Observability;

/// <summary>Where telemetry goes. Chosen once at startup by <see cref="TelemetrySettings.From"/>.</summary>
public enum TelemetryExporter
{
    /// <summary>Nothing leaves the process (instruments still work; in-process listeners and tests still see them).</summary>
    None,
    /// <summary>Traces, metrics and logs printed to stdout (local debugging).</summary>
    Console,
    /// <summary>OTLP to OTEL_EXPORTER_OTLP_ENDPOINT (a collector, Aspire dashboard, Jaeger...).</summary>
    Otlp,
    /// <summary>Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING), Entra-authenticated when configured.</summary>
    AzureMonitor,
}

/// <summary>
/// Telemetry configuration read from plain settings (environment variables or app settings):
/// <list type="bullet">
/// <item><c>MLOPS_TELEMETRY_EXPORTER</c> = azuremonitor | otlp | console | none: explicit choice (wins).</item>
/// <item><c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>: set => Azure Monitor.</item>
/// <item><c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: set => OTLP.</item>
/// <item>otherwise none.</item>
/// </list>
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> = <c>ClientId=&lt;id&gt;;Authorization=AAD</c> (set by bicep) makes the
/// Azure Monitor exporter sign in with that managed identity, since the component accepts Entra tokens only.
/// </summary>
public sealed record TelemetrySettings(
    TelemetryExporter Exporter,
    string ServiceName,
    string? ServiceVersion,
    string? ConnectionString,
    bool UseEntraAuthentication,
    string? ManagedIdentityClientId,
    string? OtlpEndpoint,
    bool DisableOfflineStorage = false)
{
    public const string ExporterKey = "MLOPS_TELEMETRY_EXPORTER";
    public const string ConnectionStringKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringKey = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    /// <summary>true: the Azure Monitor exporter keeps no retry files on disk (tests; read-only file systems).</summary>
    public const string DisableOfflineStorageKey = "MLOPS_TELEMETRY_DISABLE_OFFLINE_STORAGE";

    /// <summary>Reads the settings; throws <see cref="ArgumentException"/> naming the key for an unknown exporter name
    /// or an Azure Monitor choice without a connection string.</summary>
    public static TelemetrySettings From(IConfiguration configuration, string serviceName)
    {
        var connection = NonEmpty(configuration[ConnectionStringKey]);
        var otlp = NonEmpty(configuration[OtlpEndpointKey]);
        var explicitChoice = NonEmpty(configuration[ExporterKey]);
        var exporter = explicitChoice is null
            ? connection is not null ? TelemetryExporter.AzureMonitor
            : otlp is not null ? TelemetryExporter.Otlp
            : TelemetryExporter.None
            : Parse(explicitChoice);
        if (exporter == TelemetryExporter.AzureMonitor && connection is null)
            throw new ArgumentException($"{ExporterKey}=azuremonitor needs {ConnectionStringKey}.", ConnectionStringKey);

        var (entra, clientId) = ParseAuthentication(NonEmpty(configuration[AuthenticationStringKey]));
        var version = typeof(TelemetrySettings).Assembly.GetName().Version?.ToString();
        var noOfflineStorage = bool.TryParse(configuration[DisableOfflineStorageKey], out var disable) && disable;
        return new TelemetrySettings(exporter, serviceName, version, connection, entra, clientId ?? NonEmpty(configuration["AZURE_CLIENT_ID"]), otlp, noOfflineStorage);
    }

    private static TelemetryExporter Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "none" or "off" => TelemetryExporter.None,
        "console" => TelemetryExporter.Console,
        "otlp" => TelemetryExporter.Otlp,
        "azuremonitor" or "azure-monitor" or "applicationinsights" => TelemetryExporter.AzureMonitor,
        _ => throw new ArgumentException($"{ExporterKey} must be azuremonitor, otlp, console or none (got '{value}').", ExporterKey),
    };

    /// <summary><c>Authorization=AAD[;ClientId=guid]</c>, the Functions host's format.</summary>
    internal static (bool Entra, string? ClientId) ParseAuthentication(string? value)
    {
        if (value is null) return (false, null);
        var parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        var entra = parts.TryGetValue("Authorization", out var auth) && auth.Equals("AAD", StringComparison.OrdinalIgnoreCase);
        return (entra, parts.TryGetValue("ClientId", out var id) && id.Length > 0 ? id : null);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
