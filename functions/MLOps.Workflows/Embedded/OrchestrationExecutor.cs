using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Embedded;

/// <summary>What one episode (a replay of the whole history) decided.</summary>
public sealed class EpisodeResult
{
    /// <summary>Actions the orchestrator took for the first time (to record, then dispatch).</summary>
    public List<HistoryEvent> NewActions { get; } = [];
    public bool Completed { get; set; }
    public JsonElement? Output { get; set; }
    public FailureDetails? Failure { get; set; }
    public bool ContinuedAsNew { get; set; }
    public JsonElement? ContinueAsNewInput { get; set; }
    public JsonElement? CustomStatus { get; set; }
    public bool Terminated { get; set; }
    /// <summary>Set when the code no longer matches the history: nothing of this episode may be recorded.</summary>
    public NonDeterministicOrchestrationException? NonDeterminism { get; set; }
}

/// <summary>
/// Replays an instance's history through its orchestrator, Durable-style: the orchestrator body runs from the
/// start on a single-threaded pump; each action it takes gets the next step number and is matched against the
/// recorded action of that number (a different kind or name is a non-determinism error naming the step);
/// recorded outcomes are delivered in history order. Pure: no I/O, no clock.
/// </summary>
public static class OrchestrationExecutor
{
    public static EpisodeResult Run(OrchestratorDefinition definition, InstanceRecord record, ILoggerFactory? loggers = null)
    {
        var context = new ReplayContext(definition, record, loggers ?? NullLoggerFactory.Instance);
        return context.Execute();
    }

    private sealed class Pump : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
        public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));
        public override void Send(SendOrPostCallback d, object? state) => d(state);
        public override SynchronizationContext CreateCopy() => this;
        public void Drain()
        {
            while (_queue.TryDequeue(out var item)) item.Callback(item.State);
        }
    }

    private enum ActionKind { Activity, Timer, SubOrchestration }

    private sealed class Action(ActionKind kind, string name)
    {
        public ActionKind Kind { get; } = kind;
        public string Name { get; } = name;
        public TaskCompletionSource<JsonElement?> Completion { get; } = new();
    }

    private sealed class ReplayContext(OrchestratorDefinition definition, InstanceRecord record, ILoggerFactory loggers) : IOrchestrationContext
    {
        private readonly Dictionary<int, HistoryEvent> _recorded = [];
        private readonly Dictionary<int, Action> _actions = [];
        private readonly Dictionary<string, LinkedList<TaskCompletionSource<JsonElement?>>> _waiters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Queue<JsonElement?>> _buffered = new(StringComparer.Ordinal);
        private readonly EpisodeResult _result = new();
        private int _nextStep;
        private int _guidCounter;
        private object? _customStatus;
        private bool _customStatusSet;

        public string Name => definition.Name;
        public string InstanceId => record.InstanceId;
        public bool IsReplaying { get; private set; }
        public DateTime CurrentUtcDateTime { get; private set; }
        public DateTime RunStartedUtc { get; private set; }

        public EpisodeResult Execute()
        {
            var history = record.History;
            foreach (var e in history)
                if (e.Type is HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated && e.TaskId is { } id)
                    _recorded[id] = e;
            var lastStart = history.FindLastIndex(e => e.Type == HistoryEventType.OrchestratorStarted);
            var firstStart = history.FindIndex(e => e.Type == HistoryEventType.OrchestratorStarted);
            if (firstStart >= 0) RunStartedUtc = CurrentUtcDateTime = history[firstStart].Timestamp;
            IsReplaying = firstStart >= 0 && firstStart < lastStart;

            var previous = SynchronizationContext.Current;
            var pump = new Pump();
            SynchronizationContext.SetSynchronizationContext(pump);
            try
            {
                Task<object?> body;
                try
                {
                    body = definition.RunAsync(this, WorkflowJson.FromElement(record.Input, definition.InputType));
                }
                catch (Exception e)
                {
                    body = Task.FromException<object?>(e);
                }
                pump.Drain();
                // What arrived while the instance was suspended is delivered, in arrival order, at the resume.
                var held = new List<(HistoryEvent Event, int Index)>();
                var suspended = false;
                for (var i = 0; i < history.Count && _result.NonDeterminism is null; i++)
                {
                    var e = history[i];
                    switch (e.Type)
                    {
                        case HistoryEventType.OrchestratorStarted:
                            CurrentUtcDateTime = e.Timestamp;
                            IsReplaying = i < lastStart;
                            break;
                        case HistoryEventType.ExecutionSuspended:
                            suspended = true;
                            break;
                        case HistoryEventType.ExecutionResumed:
                            suspended = false;
                            foreach (var (h, index) in held)
                            {
                                Apply(h, index);
                                pump.Drain();
                            }
                            held.Clear();
                            break;
                        case HistoryEventType.ExecutionTerminated:
                            _result.Terminated = true;
                            _result.Output = e.Data;
                            return _result;
                        default:
                            if (suspended && IsDelivery(e.Type)) held.Add((e, i));
                            else Apply(e, i);
                            break;
                    }
                    pump.Drain();
                }
                if (_result.NonDeterminism is not null) return _result;
                foreach (var (step, recorded) in _recorded)
                    if (!_actions.ContainsKey(step))
                        return Fail(step, $"history has {Describe(recorded)} but the orchestrator no longer takes it");
                if (_customStatusSet) _result.CustomStatus = WorkflowJson.ToElement(_customStatus);
                if (body.IsCompleted)
                {
                    _result.Completed = true;
                    if (body.IsFaulted || body.IsCanceled)
                    {
                        var error = body.Exception?.InnerException ?? new TaskCanceledException("The orchestrator was cancelled.");
                        if (error is NonDeterministicOrchestrationException nd) { _result.NonDeterminism = nd; return _result; }
                        _result.Failure = new FailureDetails(error.GetType().FullName ?? error.GetType().Name, error.Message);
                    }
                    else if (!_result.ContinuedAsNew)
                    {
                        _result.Output = WorkflowJson.ToElement(body.Result);
                    }
                }
                return _result;
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }
        }

        private static bool IsDelivery(HistoryEventType type) => type is HistoryEventType.TaskCompleted or HistoryEventType.TimerFired
            or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationFailed or HistoryEventType.EventRaised;

        private void Apply(HistoryEvent e, int index)
        {
            switch (e.Type)
            {
                case HistoryEventType.TaskCompleted or HistoryEventType.TimerFired or HistoryEventType.SubOrchestrationCompleted:
                    if (Outcome(e, index) is { } done) done.Completion.TrySetResult(e.Data);
                    break;
                case HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationFailed:
                    if (Outcome(e, index) is { } failed)
                        failed.Completion.TrySetException(new WorkflowTaskFailedException(failed.Name, e.ErrorType ?? "Exception", e.ErrorMessage ?? ""));
                    break;
                case HistoryEventType.EventRaised:
                    Deliver(e.Name!, e.Data);
                    break;
            }
        }

        private Action? Outcome(HistoryEvent e, int index)
        {
            if (e.TaskId is { } id && _actions.TryGetValue(id, out var action)) return action;
            Fail(e.TaskId ?? -1, $"history event #{index} ({e.Type} of '{e.Name}') answers a step the orchestrator did not take");
            return null;
        }

        private EpisodeResult Fail(int step, string message)
        {
            _result.NonDeterminism ??= new NonDeterministicOrchestrationException(record.InstanceId, step, message);
            return _result;
        }

        private static string Describe(HistoryEvent e) => e.Type switch
        {
            HistoryEventType.TaskScheduled => $"activity '{e.Name}'",
            HistoryEventType.TimerCreated => "a timer",
            _ => $"sub-orchestration '{e.Name}'",
        };

        private static string Describe(ActionKind kind, string name) => kind switch
        {
            ActionKind.Activity => $"activity '{name}'",
            ActionKind.Timer => "a timer",
            _ => $"sub-orchestration '{name}'",
        };

        private Action Take(ActionKind kind, string name, Func<int, HistoryEvent> record)
        {
            var step = _nextStep++;
            var action = new Action(kind, name);
            _actions[step] = action;
            var fresh = record(step);
            if (_recorded.TryGetValue(step, out var recorded))
            {
                if (recorded.Type != fresh.Type || !string.Equals(recorded.Name, fresh.Name, StringComparison.Ordinal))
                {
                    var error = Fail(step, $"history has {Describe(recorded)} but the orchestrator now calls {Describe(kind, name)}").NonDeterminism!;
                    action.Completion.TrySetException(error);
                }
            }
            else
            {
                _result.NewActions.Add(fresh);
            }
            return action;
        }

        public T? GetInput<T>() => WorkflowJson.FromElement<T>(record.Input);

        public async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null)
        {
            var action = Take(ActionKind.Activity, name, step => new HistoryEvent
            {
                Type = HistoryEventType.TaskScheduled, TaskId = step, Name = name, Timestamp = CurrentUtcDateTime,
                Data = WorkflowJson.ToElement(input), Retry = retry,
            });
            var json = await action.Completion.Task.ConfigureAwait(true);
            return WorkflowJson.FromElement<TResult>(json)!;
        }

        public Task CallActivityAsync(string name, object? input = null, RetryPolicy? retry = null) =>
            CallActivityAsync<JsonElement?>(name, input, retry);

        public async Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, string? instanceId = null)
        {
            var action = Take(ActionKind.SubOrchestration, name, step => new HistoryEvent
            {
                Type = HistoryEventType.SubOrchestrationCreated, TaskId = step, Name = name, Timestamp = CurrentUtcDateTime,
                Data = WorkflowJson.ToElement(input), ChildInstanceId = instanceId ?? $"{record.InstanceId}:{record.Generation}:{step}",
            });
            var json = await action.Completion.Task.ConfigureAwait(true);
            return WorkflowJson.FromElement<TResult>(json)!;
        }

        public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken = default)
        {
            fireAt = DateTime.SpecifyKind(fireAt, DateTimeKind.Utc);
            var action = Take(ActionKind.Timer, "timer", step => new HistoryEvent
            {
                Type = HistoryEventType.TimerCreated, TaskId = step, Name = "timer", Timestamp = CurrentUtcDateTime, FireAt = fireAt,
            });
            if (cancellationToken.CanBeCanceled)
                cancellationToken.Register(() => action.Completion.TrySetCanceled(cancellationToken));
            return action.Completion.Task;
        }

        public async Task<T> WaitForExternalEvent<T>(string name, TimeSpan timeout)
        {
            var waiter = new TaskCompletionSource<JsonElement?>();
            if (_buffered.TryGetValue(name, out var queue) && queue.TryDequeue(out var early))
                return WorkflowJson.FromElement<T>(early)!;
            if (!_waiters.TryGetValue(name, out var list)) _waiters[name] = list = new();
            var node = list.AddLast(waiter);
            using var cancel = new CancellationTokenSource();
            var timer = CreateTimer(CurrentUtcDateTime + timeout, cancel.Token);
            var first = await Task.WhenAny(waiter.Task, timer).ConfigureAwait(true);
            if (first == waiter.Task)
            {
                cancel.Cancel(); // synchronously: an orchestrator awaits nothing that completes outside its pump
                return WorkflowJson.FromElement<T>(await waiter.Task.ConfigureAwait(true))!;
            }
            if (node.List is not null) list.Remove(node);
            await timer.ConfigureAwait(true); // rethrows a non-determinism error, if that is what ended the timer
            throw new TaskCanceledException($"No '{name}' event arrived within {timeout}.");
        }

        private void Deliver(string name, JsonElement? data)
        {
            if (_waiters.TryGetValue(name, out var list) && list.First is { } first)
            {
                list.RemoveFirst();
                first.Value.TrySetResult(data);
                return;
            }
            if (!_buffered.TryGetValue(name, out var queue)) _buffered[name] = queue = new();
            queue.Enqueue(data);
        }

        public void SetCustomStatus(object? status)
        {
            _customStatus = status;
            _customStatusSet = true;
        }

        public Guid NewGuid()
        {
            // Name-based (RFC 4122 version 5 layout) from instance, generation and counter: the same on every replay.
            var hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{record.InstanceId}/{record.Generation}/{_guidCounter++}"));
            var bytes = hash.AsSpan(0, 16).ToArray();
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes);
        }

        public ILogger CreateReplaySafeLogger(string categoryName) => new ReplaySafeLogger(this, loggers.CreateLogger(categoryName));

        public void ContinueAsNew(object? newInput)
        {
            _result.ContinuedAsNew = true;
            _result.ContinueAsNewInput = WorkflowJson.ToElement(newInput);
        }
    }

    private sealed class ReplaySafeLogger(IOrchestrationContext context, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
        public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!context.IsReplaying) inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
