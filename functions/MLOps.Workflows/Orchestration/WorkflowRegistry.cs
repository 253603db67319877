using System.Diagnostics;
using System.Text.Json;
using MLOps.Core;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Storage;

namespace MLOps.Workflows.Orchestration;

/// <summary>
/// An orchestrator by name, untyped so an engine can bind it: the engine deserializes the input JSON into
/// <see cref="InputType"/> and serializes the returned object as <see cref="OutputType"/>.
/// </summary>
public sealed record OrchestratorDefinition(string Name, Type InputType, Type OutputType, Func<IOrchestrationContext, object?, Task<object?>> RunAsync);

/// <summary>An activity by name; it resolves its services from the provider the engine passes.</summary>
public sealed record ActivityDefinition(string Name, Type InputType, Type OutputType,
    Func<IServiceProvider, ActivityContext, object?, CancellationToken, Task<object?>> RunAsync);

/// <summary>
/// The orchestrations and activities both engines run, by name. Built once (see <see cref="WorkflowCatalog"/>) and
/// registered as a singleton; the embedded runner and the Durable adapter enumerate it.
/// </summary>
public sealed class WorkflowRegistry
{
    private readonly Dictionary<string, OrchestratorDefinition> _orchestrators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActivityDefinition> _activities = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Orchestration, string Event), Type> _events = [];
    private readonly Dictionary<(string Orchestration, string Event), string> _awaitedAtStep = [];

    public IReadOnlyCollection<OrchestratorDefinition> Orchestrators => _orchestrators.Values;
    public IReadOnlyCollection<ActivityDefinition> Activities => _activities.Values;

    public WorkflowRegistry AddOrchestrator<TInput, TOutput>(string name, Func<IOrchestrationContext, TInput, Task<TOutput>> run)
    {
        _orchestrators.Add(name, new OrchestratorDefinition(name, typeof(TInput), typeof(TOutput),
            async (context, input) => await run(context, (TInput)input!).ConfigureAwait(true)));
        return this;
    }

    public WorkflowRegistry AddActivity<TInput, TOutput>(string name, Func<IServiceProvider, ActivityContext, TInput, CancellationToken, Task<TOutput>> run)
    {
        _activities.Add(name, new ActivityDefinition(name, typeof(TInput), typeof(TOutput),
            async (services, context, input, cancellationToken) =>
            {
                // Both engines run activities through here, so one span and one duration per step on either host.
                using var span = Telemetry.ActivitySource.StartActivity($"activity {name}");
                span?.SetTag("mlops.activity", name);
                span?.SetTag("mlops.instance", context.InstanceId);
                var started = Stopwatch.GetTimestamp();
                var outcome = "failed";
                try
                {
                    var output = await run(services, context, (TInput)input!, cancellationToken).ConfigureAwait(false);
                    outcome = "ok";
                    return output;
                }
                catch (Exception e)
                {
                    span?.SetStatus(ActivityStatusCode.Error, e.Message);
                    throw;
                }
                finally
                {
                    MLOpsMetrics.PipelineStepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
                        new KeyValuePair<string, object?>("step", name), new KeyValuePair<string, object?>("outcome", outcome));
                }
            }));
        return this;
    }

    /// <summary>An activity implemented by a method of a service resolved from DI.</summary>
    public WorkflowRegistry AddActivity<TService, TInput, TOutput>(string name, Func<TService, TInput, ActivityContext, CancellationToken, Task<TOutput>> run)
        where TService : notnull =>
        AddActivity<TInput, TOutput>(name, (services, context, input, cancellationToken) =>
            run(services.GetRequiredService<TService>(), input, context, cancellationToken));

    public OrchestratorDefinition GetOrchestrator(string name) =>
        _orchestrators.TryGetValue(name, out var d) ? d
        : throw new ArgumentException($"no orchestration named '{name}' (known: {string.Join(", ", _orchestrators.Keys.Order(StringComparer.Ordinal))}).", nameof(name));

    public ActivityDefinition GetActivity(string name) =>
        _activities.TryGetValue(name, out var d) ? d
        : throw new ArgumentException($"No activity named '{name}' (known: {string.Join(", ", _activities.Keys.Order(StringComparer.Ordinal))}).", nameof(name));

    public bool HasOrchestrator(string name) => _orchestrators.ContainsKey(name);

    /// <summary>
    /// Declares the payload an orchestration reads from an external event: the API refuses a payload of another shape
    /// (and a missing one) with a 400, instead of delivering it to fail the instance when the orchestration reads it.
    /// </summary>
    public WorkflowRegistry AddEvent<TPayload>(string orchestration, string eventName)
    {
        _events.Add((orchestration, eventName), typeof(TPayload));
        return this;
    }

    /// <summary>The declared payload type of an event, or null when the orchestration takes any JSON (or none) for it.</summary>
    public Type? EventPayloadType(string orchestration, string eventName) => _events.GetValueOrDefault((orchestration, eventName));

    /// <summary>
    /// Declares an event the orchestration reads once, while its custom status step is <paramref name="step"/> (an approval):
    /// the API refuses it at any other step (409) instead of accepting an event the orchestration will never read — a
    /// second on-call decision used to get 202 and be dropped.
    /// </summary>
    public WorkflowRegistry AwaitsEventAtStep(string orchestration, string eventName, string step)
    {
        _awaitedAtStep.Add((orchestration, eventName), step);
        return this;
    }

    /// <summary>The step at which the orchestration reads this event, or null when it takes it at any time.</summary>
    public string? StepAwaitingEvent(string orchestration, string eventName) => _awaitedAtStep.GetValueOrDefault((orchestration, eventName));
}

/// <summary>The JSON of orchestration inputs, outputs, events and statuses: the store's conventions.</summary>
public static class WorkflowJson
{
    public static JsonSerializerOptions Options => StoreJson.Options;

    public static JsonElement? ToElement(object? value) =>
        value is null ? null : value is JsonElement e ? e : JsonSerializer.SerializeToElement(value, value.GetType(), Options);

    public static object? FromElement(JsonElement? element, Type type) =>
        element is not { } e || e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
            ? (type.IsValueType ? Activator.CreateInstance(type) : null)
            : type == typeof(JsonElement) ? e : e.Deserialize(type, Options);

    public static T? FromElement<T>(JsonElement? element) => (T?)FromElement(element, typeof(T));
}
