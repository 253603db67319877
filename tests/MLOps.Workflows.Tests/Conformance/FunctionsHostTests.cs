using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using MLOps.Functions;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// The Azure host cannot run here, so its functions are checked against the registry both engines run: every
/// orchestration has an [OrchestrationTrigger] function and every activity an [ActivityTrigger] function of that name.
/// </summary>
public sealed class FunctionsHostTests
{
    private static readonly Assembly Functions = typeof(ActivityFunctions).Assembly;

    private static Dictionary<string, MethodInfo> FunctionsWith<TTrigger>() where TTrigger : Attribute =>
        Functions.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null && m.GetParameters().Any(p => p.GetCustomAttribute<TTrigger>() is not null))
            .ToDictionary(m => m.GetCustomAttribute<FunctionAttribute>()!.Name, StringComparer.Ordinal);

    [Fact]
    public void EveryRegisteredOrchestration_HasAnOrchestrationTriggerFunction()
    {
        var registry = WorkflowCatalog.Create();
        var functions = FunctionsWith<OrchestrationTriggerAttribute>();
        Assert.NotEmpty(registry.Orchestrators);
        Assert.Equal(registry.Orchestrators.Select(o => o.Name).Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryRegisteredActivity_HasAnActivityTriggerFunction()
    {
        var registry = WorkflowCatalog.Create();
        var functions = FunctionsWith<ActivityTriggerAttribute>();
        Assert.NotEmpty(registry.Activities);
        Assert.Equal(registry.Activities.Select(a => a.Name).Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));
    }
}
