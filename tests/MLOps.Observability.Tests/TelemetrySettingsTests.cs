using Microsoft.Extensions.Configuration;

namespace MLOps.Observability.Tests;

public sealed class TelemetrySettingsTests
{
    private static TelemetrySettings From(params (string Key, string Value)[] values) =>
        TelemetrySettings.From(new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build(), "svc");

    [Fact]
    public void From_NothingConfigured_ExportsNowhere() => Assert.Equal(TelemetryExporter.None, From().Exporter);

    [Fact]
    public void From_ConnectionString_PicksAzureMonitorOverOtlp()
    {
        var settings = From((TelemetrySettings.ConnectionStringKey, "InstrumentationKey=x"), (TelemetrySettings.OtlpEndpointKey, "http://127.0.0.1:4317"));
        Assert.Equal(TelemetryExporter.AzureMonitor, settings.Exporter);
        Assert.False(settings.UseEntraAuthentication);
    }

    [Fact]
    public void From_OtlpEndpointOnly_PicksOtlp() =>
        Assert.Equal(TelemetryExporter.Otlp, From((TelemetrySettings.OtlpEndpointKey, "http://127.0.0.1:4317")).Exporter);

    [Fact]
    public void From_ExplicitConsole_WinsOverConnectionString() =>
        Assert.Equal(TelemetryExporter.Console, From((TelemetrySettings.ExporterKey, "Console"), (TelemetrySettings.ConnectionStringKey, "InstrumentationKey=x")).Exporter);

    [Fact]
    public void From_UnknownExporter_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentException>(() => From((TelemetrySettings.ExporterKey, "zipkin")));
        Assert.Equal(TelemetrySettings.ExporterKey, error.ParamName);
        Assert.Contains("zipkin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_AzureMonitorWithoutConnectionString_ThrowsNamingTheMissingSetting() =>
        Assert.Equal(TelemetrySettings.ConnectionStringKey, Assert.Throws<ArgumentException>(() => From((TelemetrySettings.ExporterKey, "azuremonitor"))).ParamName);

    [Fact]
    public void From_EntraAuthenticationString_ReadsClientId()
    {
        var settings = From((TelemetrySettings.ConnectionStringKey, "InstrumentationKey=x"),
            (TelemetrySettings.AuthenticationStringKey, "ClientId=abc; Authorization=AAD"), ("AZURE_CLIENT_ID", "other"));
        Assert.True(settings.UseEntraAuthentication);
        Assert.Equal("abc", settings.ManagedIdentityClientId);
    }

    [Fact]
    public void From_EntraWithoutClientId_FallsBackToAzureClientId()
    {
        var settings = From((TelemetrySettings.ConnectionStringKey, "InstrumentationKey=x"),
            (TelemetrySettings.AuthenticationStringKey, "Authorization=AAD"), ("AZURE_CLIENT_ID", "from-env"));
        Assert.True(settings.UseEntraAuthentication);
        Assert.Equal("from-env", settings.ManagedIdentityClientId);
    }
}
