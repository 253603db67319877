using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MLOps.Durable;
using MLOps.Functions;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>The Azure host's timers read the same "Workflows" settings as the local host's schedules.</summary>
public sealed class ScheduleSettingsTests
{
    private static IServiceProvider AzureHostServices(string? retentionDays)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (retentionDays is not null) builder.Configuration.AddInMemoryCollection([new("Workflows:RetentionDays", retentionDays)]);
        builder.AddDurableWorkflows();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public async Task PurgeTimer_StartsPurgeWithTheConfiguredRetention()
    {
        var services = AzureHostServices("7");
        var client = new StartRecorder();

        var start = await new ScheduleFunctions(TimeProvider.System, services.GetRequiredService<IOptions<WorkflowOptions>>(), NullLogger<ScheduleFunctions>.Instance).StartPurgeAsync(client);

        Assert.Equal((OrchestrationNames.Purge, new PurgeInput(7)), (client.Name, client.Input));
        Assert.StartsWith("purge-", start.InstanceId);
    }

    [Fact]
    public async Task PurgeTimer_WithoutTheSetting_KeepsThirtyDays()
    {
        var client = new StartRecorder();
        await new ScheduleFunctions(TimeProvider.System, AzureHostServices(null).GetRequiredService<IOptions<WorkflowOptions>>(), NullLogger<ScheduleFunctions>.Instance).StartPurgeAsync(client);
        Assert.Equal(new PurgeInput(30), client.Input);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("40000")]
    public void RetentionOutsidePurgesBounds_StopsTheHost_NamingTheSetting(string days)
    {
        var e = Assert.Throws<OptionsValidationException>(() => AzureHostServices(days).GetRequiredService<IOptions<WorkflowOptions>>().Value);
        Assert.Contains("Workflows:RetentionDays", e.Message);
    }

    private sealed class StartRecorder : StartOnlyOrchestrationClient
    {
        public string? Name { get; private set; }
        public object? Input { get; private set; }

        public override Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default)
        {
            (Name, Input) = (name, input);
            return Task.FromResult(new StartResult(instanceId ?? "generated", AlreadyRunning: false));
        }

        public override Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) =>
            Task.FromResult<OrchestrationState?>(null);
    }
}
