using System.Collections.Concurrent;
using System.Diagnostics;
using ActivityContext = MLOps.Workflows.Orchestration.ActivityContext;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Core;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Embedded;

/// <summary>Thrown by a crash hook (tests): the engine stops at once, as a process killed at that point would.</summary>
public sealed class SimulatedCrashException(string point) : Exception($"simulated crash at {point}")
{
    public string Point { get; } = point;
}

/// <summary>
/// The local engine of the orchestration contract. Each instance is one blob <c>orchestrations/&lt;id&gt;/instance.json</c>
/// holding its status and event-sourced history, checkpointed by compare-and-swap. An episode appends what happened
/// (activity results, fired timers, raised events), replays the orchestrator over the whole history, records the new
/// actions it took, checkpoints, and only then dispatches them. A process killed anywhere resumes from the last
/// checkpoint: completed activities are never run again; an activity that ran but was not yet recorded runs again,
/// which is why activities are idempotent (keyed by instance and step).
/// </summary>
public sealed partial class EmbeddedOrchestrationEngine : IOrchestrationClient, IAsyncDisposable
{
    private readonly IBlobStore _store;
    private readonly WorkflowRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly WorkflowOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _activitySlots;
    private readonly ConcurrentDictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    /// <summary>Instances this process was told run elsewhere: each logged once, not every scan.</summary>
    private readonly ConcurrentDictionary<string, byte> _leaseHeldReported = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly UnfinishedIndex _index;
    private readonly InstanceRecords _records;
    private readonly InstanceInbox _inbox;
    private readonly InstanceLeases _leases;
    private readonly UnfinishedInstances _unfinished;
    private int _indexBackfilled;
    private volatile bool _crashed;

    public EmbeddedOrchestrationEngine(IBlobStore store, WorkflowRegistry registry, IServiceProvider services,
        TimeProvider? time = null, WorkflowOptions? options = null, ILoggerFactory? loggers = null)
    {
        _store = store;
        _registry = registry;
        _services = services;
        _time = time ?? TimeProvider.System;
        _options = options ?? new WorkflowOptions();
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _log = _loggers.CreateLogger("MLOps.Workflows.Engine");
        _activitySlots = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentActivities));
        _index = new UnfinishedIndex(store);
        _records = new InstanceRecords(store, _log, ThrowIfCrashed);
        _inbox = new InstanceInbox(store, _time);
        _leases = new InstanceLeases(store, _options.LeaseDuration, () => _crashed);
        _unfinished = new UnfinishedInstances(_index, _records);
        _leases.MarkLive();
    }

    /// <summary>Test seam: called at named points ("checkpoint:before", "checkpoint:after", "activity:&lt;name&gt;:done"); return true to crash there.</summary>
    public Func<string, bool>? CrashAt { get; init; }

    /// <summary>Set when <see cref="CrashAt"/> fired.</summary>
    public string? CrashedAt { get; private set; }

    /// <summary>Activity executions of this engine (name → count), for tests and the kill script.</summary>
    public ConcurrentDictionary<string, int> ActivityExecutions { get; } = new(StringComparer.Ordinal);

    public static string InstancePath(string id) => InstanceRecords.InstancePath(id);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
    private static partial Regex InstanceIdPattern();

    public static void ValidateInstanceId(string id)
    {
        if (!InstanceIdPattern().IsMatch(id))
            throw new ArgumentException($"instance id '{id}' must be 1-100 letters, digits, '-', '_', '.' or ':' and start with a letter or digit.", nameof(id));
    }

    // ---------------------------------------------------------------- client

    public Task<StartResult> StartAsync(string name, object? input = null, string? instanceId = null, CancellationToken cancellationToken = default) =>
        StartCoreAsync(name, input, instanceId, StartMode.ReplaceFinished, cancellationToken);

    /// <summary>A start under <paramref name="mode"/>; with <see cref="StartMode.Once"/> the create-only write makes one of several racing starters win.</summary>
    public Task<StartResult> StartAsync(string name, object? input, string instanceId, StartMode mode, CancellationToken cancellationToken = default) =>
        StartCoreAsync(name, input, instanceId, mode, cancellationToken);

    private async Task<StartResult> StartCoreAsync(string name, object? input, string? instanceId, StartMode mode, CancellationToken cancellationToken)
    {
        var definition = _registry.GetOrchestrator(name);
        var id = instanceId ?? Guid.NewGuid().ToString("N");
        ValidateInstanceId(id);
        var inputJson = input is null ? null : (JsonElement?)JsonSerializer.SerializeToElement(input, input is JsonElement ? typeof(JsonElement) : definition.InputType == typeof(object) ? input.GetType() : definition.InputType, WorkflowJson.Options);
        for (var attempt = 0; ; attempt++)
        {
            var existing = await _records.LoadAsync(id, cancellationToken).ConfigureAwait(false);
            if (existing is { Record.IsFinished: false })
                return new StartResult(id, AlreadyRunning: true);
            if (existing is not null && mode == StartMode.Once)
                return new StartResult(id, AlreadyRunning: false) { AlreadyFinished = true };
            var now = _time.GetUtcNow();
            var record = new InstanceRecord
            {
                InstanceId = id, Name = name, RuntimeStatus = RuntimeStatus.Pending, CreatedAt = now, LastUpdatedAt = now, Input = inputJson,
                History = [new HistoryEvent { Type = HistoryEventType.ExecutionStarted, Timestamp = now.UtcDateTime, Name = name, Data = inputJson }],
            };
            try
            {
                // Marked before the save (a crash after it leaves the instance findable) and after (see UnfinishedIndex).
                await _index.MarkAsync(id, cancellationToken).ConfigureAwait(false);
                await _records.SaveAsync(record, existing?.ETag, cancellationToken).ConfigureAwait(false);
                await _index.MarkAsync(id, cancellationToken).ConfigureAwait(false);
                if (existing is not null) await _inbox.ClearInboxAsync(id, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (BlobConditionFailedException) when (attempt < 5)
            {
                // Another starter won the race: loop and report its instance when it is running.
            }
        }
        EnsureWorker(id);
        return new StartResult(id, AlreadyRunning: false);
    }

    /// <summary>When false (the CLI's `pipeline run` without --wait), started instances are only recorded; serve or resume runs them.</summary>
    public bool RunStartedInstances { get; set; } = true;

    public async Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await _records.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.Record.ToState();

    /// <summary>The full record with history (tests, `pipeline status --history`).</summary>
    public async Task<InstanceRecord?> GetRecordAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await _records.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.Record;

    public async Task RaiseEventAsync(string instanceId, string eventName, object? payload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        var record = (await _records.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.Record
            ?? throw UnknownInstance.Exception(instanceId);
        if (record.IsFinished) throw new InvalidOperationException($"Instance '{instanceId}' is {record.RuntimeStatus.ToString().ToLowerInvariant()}; it takes no more events.");
        await PostAndWakeAsync(instanceId, new InboxMessage(_inbox.NewMessageId(), InboxMessage.EventKind, eventName, WorkflowJson.ToElement(payload), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    public async Task TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        var record = (await _records.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.Record
            ?? throw UnknownInstance.Exception(instanceId);
        if (record.IsFinished) return;
        await PostAndWakeAsync(instanceId, new InboxMessage(_inbox.NewMessageId(), InboxMessage.TerminateKind, null, WorkflowJson.ToElement(reason ?? "terminated"), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    public async Task SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanSuspend(instanceId, await PendingStatusAsync(instanceId, cancellationToken).ConfigureAwait(false));
        await PostAndWakeAsync(instanceId, new InboxMessage(_inbox.NewMessageId(), InboxMessage.SuspendKind, null, WorkflowJson.ToElement(reason ?? "suspended"), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    public async Task ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        InstanceStateException.EnsureCanResume(instanceId, await PendingStatusAsync(instanceId, cancellationToken).ConfigureAwait(false));
        await PostAndWakeAsync(instanceId, new InboxMessage(_inbox.NewMessageId(), InboxMessage.ResumeKind, null, WorkflowJson.ToElement(reason ?? "resumed"), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The status once the suspend/resume messages still in the inbox are applied, so that suspend-then-resume works
    /// before the worker has taken the first message, and a second suspend is refused as Durable refuses it.
    /// </summary>
    private async Task<RuntimeStatus> PendingStatusAsync(string instanceId, CancellationToken cancellationToken)
    {
        var record = (await _records.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.Record
            ?? throw UnknownInstance.Exception(instanceId);
        var status = record.RuntimeStatus;
        if (record.IsFinished) return status;
        foreach (var (_, message) in await _inbox.ReadInboxAsync(instanceId, cancellationToken).ConfigureAwait(false))
            if (!record.History.Exists(e => e.MessageId == message.Id))
                status = message.Kind switch { InboxMessage.SuspendKind => RuntimeStatus.Suspended, InboxMessage.ResumeKind => RuntimeStatus.Running, _ => status };
        return status;
    }

    /// <summary>
    /// Rewinds a Failed instance (<see cref="HistoryRewind"/>), its failed sub-orchestrations first. The rewound
    /// history is checkpointed before anything runs, so a process killed right after resumes the rewound instance.
    /// </summary>
    public async Task RewindAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default)
    {
        await RewindRecordAsync(instanceId, reason ?? "rewound", cancellationToken).ConfigureAwait(false);
        await RunAfterCurrentWorkerAsync(instanceId).ConfigureAwait(false);
    }

    private async Task RewindRecordAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        var (record, etag) = await _records.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ?? throw UnknownInstance.Exception(instanceId);
        InstanceStateException.EnsureCanRewind(instanceId, record.RuntimeStatus);
        foreach (var child in HistoryRewind.FailedChildren(record))
            if (await _records.LoadAsync(child, cancellationToken).ConfigureAwait(false) is { Record.RuntimeStatus: RuntimeStatus.Failed })
                await RewindRecordAsync(child, reason, cancellationToken).ConfigureAwait(false); // a child already rewound (a crash in between) is kept
        var now = _time.GetUtcNow();
        record.History = HistoryRewind.Rewind(_registry.GetOrchestrator(record.Name), record, out var cut);
        record.History.Add(new HistoryEvent { Type = HistoryEventType.ExecutionRewound, Timestamp = now.UtcDateTime, Data = WorkflowJson.ToElement(reason) });
        record.RuntimeStatus = RuntimeStatus.Running;
        record.Failure = null;
        record.Output = null;
        record.LastUpdatedAt = now;
        var topLevel = record.ParentInstanceId is null; // children resume through their parents
        if (topLevel) await _index.MarkAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await _records.SaveAsync(record, etag, cancellationToken).ConfigureAwait(false);
        if (topLevel) await _index.MarkAsync(instanceId, cancellationToken).ConfigureAwait(false);
        LogRewound(_log, instanceId, reason, cut);
    }

    /// <summary>A worker that just saw the instance fail may still be leaving: start the next one after it.</summary>
    private async Task RunAfterCurrentWorkerAsync(string instanceId)
    {
        if (_workers.TryGetValue(instanceId, out var leaving)) await leaving.Done.Task.ConfigureAwait(false);
        EnsureWorker(instanceId);
    }

    /// <summary>Runs one instance in this process (the CLI's `--wait`), even when <see cref="RunStartedInstances"/> is false.</summary>
    public bool RunInstance(string instanceId) => EnsureWorker(instanceId, force: true);

    public async Task<IReadOnlyList<OrchestrationState>> ListAsync(IReadOnlyCollection<RuntimeStatus>? statuses = null, CancellationToken cancellationToken = default)
    {
        var list = new List<OrchestrationState>();
        foreach (var record in await _records.ListRecordsAsync(cancellationToken).ConfigureAwait(false))
            if (statuses is null || statuses.Count == 0 || statuses.Contains(record.RuntimeStatus)) list.Add(record.ToState());
        return InstancePaging.NewestFirst(list);
    }

    public async Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        var purged = 0;
        foreach (var record in await _records.ListRecordsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!record.IsFinished || record.LastUpdatedAt >= olderThan) continue;
            // A finished instance's worker may still be tidying up (inbox, index, lease) for a moment: purged once it has left,
            // not skipped (a purge right after a status read of "completed" found nothing to purge).
            if (_workers.TryGetValue(record.InstanceId, out var leaving)
                && !await HasLeftAsync(leaving, cancellationToken).ConfigureAwait(false)) continue;
            foreach (var blob in await _store.ListAllAsync($"{StoreLayout.Orchestrations}{record.InstanceId}/", cancellationToken).ConfigureAwait(false))
            {
                // The instance blob goes last and only if unchanged, so a concurrent restart of the id is never lost.
                if (blob.Path.EndsWith("/instance.json", StringComparison.Ordinal)) continue;
                await _store.DeleteAsync(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            try
            {
                var current = await _store.ReadAsync(InstancePath(record.InstanceId), cancellationToken).ConfigureAwait(false);
                if (current is not null && current.Data.ToObjectFromJson<InstanceRecord>(WorkflowJson.Options) is { IsFinished: true } still && still.LastUpdatedAt < olderThan
                    && await _store.DeleteAsync(InstancePath(record.InstanceId), current.ETag, cancellationToken).ConfigureAwait(false))
                    purged++;
            }
            catch (BlobConditionFailedException)
            {
                // Restarted meanwhile: keep it.
            }
        }
        return purged;
    }

    private static async Task<bool> HasLeftAsync(Worker worker, CancellationToken cancellationToken)
    {
        try
        {
            await worker.Done.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var state = await GetStateAsync(instanceId, cancellationToken).ConfigureAwait(false)
                ?? throw UnknownInstance.Exception(instanceId);
            if (state.IsFinished) return state;
            if (_workers.TryGetValue(instanceId, out var worker))
                await Task.WhenAny(worker.Done.Task, Task.Delay(_options.InboxPollInterval * 5, cancellationToken)).ConfigureAwait(false);
            else
                await Task.Delay(_options.InboxPollInterval, cancellationToken).ConfigureAwait(false);
            if (_crashed) throw new SimulatedCrashException(CrashedAt ?? "?");
        }
    }

    /// <summary>
    /// Starts a worker for every unfinished top-level instance in the store (children resume through their parents),
    /// except suspended ones with nothing in their inbox and ones another live process runs. The first call of an engine
    /// reads every instance record (and indexes unfinished ones a build before the index started); later calls, the
    /// host's pending scan, read only the indexed ones (<see cref="UnfinishedIndex"/>).
    /// </summary>
    public async Task<ResumeReport> ResumeAllAsync(CancellationToken cancellationToken = default)
    {
        var unfinished = Interlocked.Exchange(ref _indexBackfilled, 1) == 0
            ? await _unfinished.BackfillIndexAsync(cancellationToken).ConfigureAwait(false)
            : await _unfinished.ListIndexedAsync(cancellationToken).ConfigureAwait(false);
        var resumed = new List<string>();
        var elsewhere = new List<HeldInstance>();
        foreach (var record in unfinished)
        {
            if (record.IsFinished || record.ParentInstanceId is not null) continue;
            // A suspended instance stays parked (no worker, nothing dispatched) until a message (resume, terminate) arrives.
            if (record.RuntimeStatus == RuntimeStatus.Suspended && !_workers.ContainsKey(record.InstanceId)
                && await _inbox.IsEmptyAsync(record.InstanceId, cancellationToken).ConfigureAwait(false)) continue;
            if (!_workers.ContainsKey(record.InstanceId) && await _leases.HeldElsewhereAsync(record.InstanceId, cancellationToken).ConfigureAwait(false) is { } holder)
            {
                elsewhere.Add(new HeldInstance(record.InstanceId, holder));
                continue;
            }
            if (EnsureWorker(record.InstanceId, force: true)) resumed.Add(record.InstanceId);
        }
        return new ResumeReport(resumed, elsewhere);
    }

    /// <summary>
    /// Waits until every instance this engine runs has finished or waits only for an external event or a timer
    /// (e.g. an approval), i.e. nothing is left to compute. Returns the ids still waiting.
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitUntilQuietAsync(CancellationToken cancellationToken = default)
    {
        var quietSince = (long?)null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_crashed) throw new SimulatedCrashException(CrashedAt ?? "?");
            var active = _workers.Values.ToList();
            if (active.Count == 0) return [];
            if (active.All(w => w.IsWaitingOnOutside))
            {
                quietSince ??= Stopwatch.GetTimestamp();
                if (Stopwatch.GetElapsedTime(quietSince.Value) > _options.InboxPollInterval * 3) return active.Select(w => w.Id).ToList();
            }
            else quietSince = null;
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ids of instances that have a worker in this process.</summary>
    public IReadOnlyCollection<string> ActiveInstances => _workers.Keys.ToList();

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        var pending = _workers.Values.Select(w => w.Done.Task).ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Workers that do not stop in time are abandoned: their leases expire or are taken over.
        }
        _leases.MarkGone();
    }

    // ---------------------------------------------------------------- inbox and lease (stored by InstanceInbox, InstanceLeases)

    /// <summary>Leaves a message in the instance's inbox and wakes the worker that takes it (or starts one).</summary>
    private async Task PostAndWakeAsync(string id, InboxMessage message, CancellationToken cancellationToken)
    {
        await _inbox.PostAsync(id, message, cancellationToken).ConfigureAwait(false);
        if (_workers.TryGetValue(id, out var worker)) worker.Wake();
        else EnsureWorker(id);
    }

    /// <summary>"HOST pid N" when another live process holds the instance's lease (it runs the instance there), else null.</summary>
    public Task<string?> HeldElsewhereAsync(string instanceId, CancellationToken cancellationToken = default) =>
        _leases.HeldElsewhereAsync(instanceId, cancellationToken);

    /// <summary>A crashed (simulated) engine writes no more records, as a killed process would not.</summary>
    private void ThrowIfCrashed()
    {
        if (_crashed) throw new SimulatedCrashException(CrashedAt ?? "?");
    }

    // ---------------------------------------------------------------- workers

    private void Crash(string point)
    {
        if (_crashed) throw new SimulatedCrashException(CrashedAt ?? point);
        if (CrashAt is { } hook && hook(point))
        {
            CrashedAt = point;
            _crashed = true;
            _stopping.Cancel();
            throw new SimulatedCrashException(point);
        }
    }

    private sealed class Worker(string id)
    {
        private readonly SemaphoreSlim _wake = new(0);
        public string Id { get; } = id;
        public ConcurrentQueue<HistoryEvent> Messages { get; } = new();
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public HashSet<int> Dispatched { get; } = [];
        public int InFlight;
        public volatile bool Idle;
        public CancellationTokenSource Cancel { get; } = new();
        public bool IsWaitingOnOutside => Idle && Volatile.Read(ref InFlight) == 0 && Messages.IsEmpty;

        public void Post(HistoryEvent e)
        {
            Messages.Enqueue(e);
            Wake();
        }

        public void Wake() => _wake.Release();

        public Task WaitAsync(TimeSpan poll, CancellationToken cancellationToken) => _wake.WaitAsync(poll, cancellationToken);
    }

    /// <summary>Runs the instance in this process unless a worker already does. True when a worker was started.</summary>
    private bool EnsureWorker(string id, bool force = false)
    {
        if (_crashed || _stopping.IsCancellationRequested || (!RunStartedInstances && !force)) return false;
        var worker = new Worker(id);
        if (!_workers.TryAdd(id, worker)) return false;
        _ = Task.Run(async () =>
        {
            try
            {
                await RunWorkerAsync(worker).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SimulatedCrashException || _crashed)
            {
                // The "process" died here.
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                LogWorkerFailed(_log, id, e);
            }
            finally
            {
                await worker.Cancel.CancelAsync().ConfigureAwait(false);
                _workers.TryRemove(new KeyValuePair<string, Worker>(id, worker));
                worker.Done.TrySetResult();
            }
        });
        return true;
    }

    private async Task RunWorkerAsync(Worker worker)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, worker.Cancel.Token);
        var ct = linked.Token;
        var loaded = await _records.LoadAsync(worker.Id, ct).ConfigureAwait(false);
        if (loaded is not { } l || l.Record.IsFinished) return;
        if (await _leases.TryAcquireLeaseAsync(worker.Id, ct).ConfigureAwait(false) is not { } leaseTag)
        {
            // The pending scan finds it again every few seconds for as long as the other process runs it (an approval
            // may wait a day): said once per process, not every scan.
            if (_leaseHeldReported.TryAdd(worker.Id, 0)) LogLeaseHeld(_log, worker.Id);
            return;
        }
        _leaseHeldReported.TryRemove(worker.Id, out _);
        _ = _leases.RenewLeaseAsync(worker.Id, leaseTag, ct);
        try
        {
            var (record, etag) = l;
            var definition = _registry.GetOrchestrator(record.Name);
            // One span per run of the instance in this process (once the lease is ours), child of whatever traced the start
            // (the HTTP request on the local host) or a root when nothing did (a schedule, a resume after a restart): either
            // way the activity spans, dispatched from this flow, are its children and share its trace.
            using var span = Telemetry.ActivitySource.StartActivity($"orchestration {record.Name}");
            span?.SetTag("mlops.instance", worker.Id);
            span?.SetTag("mlops.orchestration", record.Name);
            // A new instance, or one just rewound, needs an episode although nothing new arrived.
            var lastStart = record.History.FindLastIndex(e => e.Type == HistoryEventType.OrchestratorStarted);
            var fresh = lastStart < 0 || record.History.FindLastIndex(e => e.Type == HistoryEventType.ExecutionRewound) > lastStart;
            // Outstanding actions are dispatched once the inbox has been read: a suspend waiting there keeps them parked.
            var outstandingDispatched = false;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var batch = new List<HistoryEvent>();
                while (worker.Messages.TryDequeue(out var m))
                    if (!HasOutcome(record, m)) batch.Add(m);
                var inbox = await _inbox.ReadInboxAsync(worker.Id, ct).ConfigureAwait(false);
                foreach (var (_, message) in inbox)
                {
                    if (record.History.Exists(e => e.MessageId == message.Id)) continue;
                    batch.Add(ToHistoryEvent(message));
                }
                if (batch.Count == 0 && !fresh)
                {
                    if (!outstandingDispatched && record.RuntimeStatus != RuntimeStatus.Suspended)
                    {
                        DispatchOutstanding(worker, record, ct);
                        outstandingDispatched = true;
                    }
                    worker.Idle = true;
                    await worker.WaitAsync(_options.InboxPollInterval, ct).ConfigureAwait(false);
                    worker.Idle = false;
                    continue;
                }
                fresh = false;

                var now = _time.GetUtcNow();
                var before = record.History.Count;
                record.History.Add(new HistoryEvent { Type = HistoryEventType.OrchestratorStarted, Timestamp = now.UtcDateTime });
                record.History.AddRange(batch);
                if (IsSuspended(record.History) && !batch.Exists(e => e.Type == HistoryEventType.ExecutionTerminated))
                {
                    // Suspended: record what arrived (never lost, delivered after the resume) but do not replay or dispatch.
                    if (record.RuntimeStatus != RuntimeStatus.Suspended) LogSuspended(_log, worker.Id);
                    record.RuntimeStatus = RuntimeStatus.Suspended;
                    record.LastUpdatedAt = now;
                    Crash("checkpoint:before");
                    etag = await _records.SaveAsync(record, etag, ct).ConfigureAwait(false);
                    Crash("checkpoint:after");
                    await _inbox.DeleteAsync(inbox, ct).ConfigureAwait(false);
                    continue;
                }
                var result = OrchestrationExecutor.Run(definition, record, _loggers);
                record.LastUpdatedAt = now;
                if (result.NonDeterminism is { } nd)
                {
                    // Leave the history as it was recorded; only the status says what went wrong.
                    record.History.RemoveRange(before, record.History.Count - before);
                    record.RuntimeStatus = RuntimeStatus.Failed;
                    record.Failure = new FailureDetails(nameof(NonDeterministicOrchestrationException), nd.Message);
                    LogNonDeterministic(_log, worker.Id, nd.Message);
                }
                else
                {
                    record.History.AddRange(result.NewActions);
                    if (result.CustomStatus is not null) record.CustomStatus = result.CustomStatus;
                    record.RuntimeStatus = RuntimeStatus.Running;
                    if (result.Terminated)
                    {
                        record.RuntimeStatus = RuntimeStatus.Terminated;
                        record.Output = result.Output;
                    }
                    else if (result.Completed && result.ContinuedAsNew)
                    {
                        record.Generation++;
                        record.Input = result.ContinueAsNewInput;
                        record.History = [new HistoryEvent { Type = HistoryEventType.ExecutionStarted, Timestamp = now.UtcDateTime, Name = record.Name, Data = result.ContinueAsNewInput }];
                        worker.Dispatched.Clear();
                        fresh = true;
                    }
                    else if (result.Completed && result.Failure is { } failure)
                    {
                        record.RuntimeStatus = RuntimeStatus.Failed;
                        record.Failure = failure;
                        record.History.Add(new HistoryEvent { Type = HistoryEventType.ExecutionFailed, Timestamp = now.UtcDateTime, ErrorType = failure.ErrorType, ErrorMessage = failure.ErrorMessage });
                    }
                    else if (result.Completed)
                    {
                        record.RuntimeStatus = RuntimeStatus.Completed;
                        record.Output = result.Output;
                        record.History.Add(new HistoryEvent { Type = HistoryEventType.ExecutionCompleted, Timestamp = now.UtcDateTime, Data = result.Output });
                    }
                }

                Crash("checkpoint:before");
                etag = await _records.SaveAsync(record, etag, ct).ConfigureAwait(false);
                Crash("checkpoint:after");
                await _inbox.DeleteAsync(inbox, ct).ConfigureAwait(false);
                if (record.IsFinished)
                {
                    // A failure is an Error naming its cause: a traces row on-call finds by severity or by the instance id.
                    span?.SetTag("mlops.status", record.RuntimeStatus.ToString().ToLowerInvariant());
                    if (record.RuntimeStatus == RuntimeStatus.Failed)
                    {
                        LogFailed(_log, worker.Id, record.Name, record.RuntimeStatus, record.Failure?.ErrorType ?? "unknown", record.Failure?.ErrorMessage ?? "(no details)");
                        span?.SetStatus(ActivityStatusCode.Error, record.Failure?.ErrorMessage);
                    }
                    else LogFinished(_log, worker.Id, record.Name, record.RuntimeStatus);
                    OrchestrationMetrics.Finished(record.Name, record.RuntimeStatus);
                    try
                    {
                        if (record.ParentInstanceId is null) await _unfinished.ClearIndexAsync(worker.Id, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException and not SimulatedCrashException)
                    {
                        // The instance is finished all the same; the stale marker is cleared by the next pending scan.
                    }
                    return;
                }
                if (!outstandingDispatched)
                {
                    DispatchOutstanding(worker, record, ct);
                    outstandingDispatched = true;
                }
                foreach (var action in result.NewActions) Dispatch(worker, record, action, ct);
            }
        }
        finally
        {
            if (!_crashed) await _leases.ReleaseAsync(worker.Id).ConfigureAwait(false);
        }
    }

    private static HistoryEvent ToHistoryEvent(InboxMessage message)
    {
        var type = message.Kind switch
        {
            InboxMessage.TerminateKind => HistoryEventType.ExecutionTerminated,
            InboxMessage.SuspendKind => HistoryEventType.ExecutionSuspended,
            InboxMessage.ResumeKind => HistoryEventType.ExecutionResumed,
            _ => HistoryEventType.EventRaised,
        };
        return new HistoryEvent { Type = type, Timestamp = message.SentAt.UtcDateTime, Name = type == HistoryEventType.EventRaised ? message.Name : null, Data = message.Data, MessageId = message.Id };
    }

    /// <summary>Whether the last suspend/resume in the history is a suspend.</summary>
    private static bool IsSuspended(List<HistoryEvent> history) =>
        history.FindLastIndex(e => e.Type == HistoryEventType.ExecutionSuspended) > history.FindLastIndex(e => e.Type == HistoryEventType.ExecutionResumed);

    private static bool HasOutcome(InstanceRecord record, HistoryEvent outcome) =>
        outcome.TaskId is { } id && record.History.Exists(e => e.TaskId == id && e.Type is HistoryEventType.TaskCompleted or HistoryEventType.TaskFailed
            or HistoryEventType.TimerFired or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.SubOrchestrationFailed);

    /// <summary>After a restart: every recorded action without an outcome is dispatched again.</summary>
    private void DispatchOutstanding(Worker worker, InstanceRecord record, CancellationToken ct)
    {
        foreach (var e in record.History)
            if (e.Type is HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated && !HasOutcome(record, e))
                Dispatch(worker, record, e, ct);
    }

    private void Dispatch(Worker worker, InstanceRecord record, HistoryEvent action, CancellationToken ct)
    {
        if (action.TaskId is not { } step || !worker.Dispatched.Add(step)) return;
        switch (action.Type)
        {
            case HistoryEventType.TaskScheduled:
                Interlocked.Increment(ref worker.InFlight);
                _ = Task.Run(() => RunActivityAsync(worker, record.InstanceId, action, ct), CancellationToken.None);
                break;
            case HistoryEventType.TimerCreated:
                _ = Task.Run(() => FireTimerAsync(worker, action, ct), CancellationToken.None);
                break;
            case HistoryEventType.SubOrchestrationCreated:
                Interlocked.Increment(ref worker.InFlight);
                _ = Task.Run(() => RunChildAsync(worker, record.InstanceId, action, ct), CancellationToken.None);
                break;
        }
    }

    private async Task FireTimerAsync(Worker worker, HistoryEvent timer, CancellationToken ct)
    {
        try
        {
            // A timer never fires before its time, as in Durable: Task.Delay runs on the monotonic clock and can wake a moment
            // before the wall clock reaches FireAt, so wait again for what remains (the orchestrator's clock must have moved on).
            var fireAt = new DateTimeOffset(DateTime.SpecifyKind(timer.FireAt!.Value, DateTimeKind.Utc));
            for (var due = fireAt - _time.GetUtcNow(); due > TimeSpan.Zero; due = fireAt - _time.GetUtcNow())
                await Task.Delay(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, _time, ct).ConfigureAwait(false);
            worker.Post(new HistoryEvent { Type = HistoryEventType.TimerFired, TaskId = timer.TaskId, Timestamp = _time.GetUtcNow().UtcDateTime, FireAt = timer.FireAt });
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunActivityAsync(Worker worker, string instanceId, HistoryEvent scheduled, CancellationToken ct)
    {
        try
        {
            var name = scheduled.Name!;
            HistoryEvent outcome;
            if (!_registry.Activities.Any(a => a.Name == name))
            {
                outcome = Failed(scheduled, "ActivityNotFound", $"No activity named '{name}' is registered.");
            }
            else
            {
                var definition = _registry.GetActivity(name);
                var attempts = Math.Max(1, scheduled.Retry?.MaxAttempts ?? 1);
                outcome = null!;
                for (var attempt = 1; attempt <= attempts; attempt++)
                {
                    if (attempt > 1) await Task.Delay(scheduled.Retry!.DelayBeforeAttempt(attempt), _time, ct).ConfigureAwait(false);
                    await _activitySlots.WaitAsync(ct).ConfigureAwait(false);
                    try
                    {
                        if (_crashed) return;
                        ActivityExecutions.AddOrUpdate(name, 1, (_, n) => n + 1);
                        await using var scope = _services.CreateAsyncScope();
                        var input = WorkflowJson.FromElement(scheduled.Data, definition.InputType);
                        var output = await definition.RunAsync(scope.ServiceProvider, new ActivityContext(name, instanceId), input, ct).ConfigureAwait(false);
                        outcome = new HistoryEvent
                        {
                            Type = HistoryEventType.TaskCompleted, TaskId = scheduled.TaskId, Name = name, Timestamp = _time.GetUtcNow().UtcDateTime,
                            Data = output is null ? null : JsonSerializer.SerializeToElement(output, definition.OutputType, WorkflowJson.Options),
                        };
                        break;
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        LogActivityFailed(_log, instanceId, name, attempt, attempts, e.Message, e);
                        outcome = Failed(scheduled, e.GetType().FullName ?? e.GetType().Name, e.Message);
                    }
                    finally
                    {
                        _activitySlots.Release();
                    }
                }
            }
            Crash($"activity:{name}:done");
            worker.Post(outcome);
        }
        catch (Exception e) when (e is OperationCanceledException or SimulatedCrashException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref worker.InFlight);
        }
    }

    private HistoryEvent Failed(HistoryEvent scheduled, string type, string message) => new()
    {
        Type = scheduled.Type == HistoryEventType.SubOrchestrationCreated ? HistoryEventType.SubOrchestrationFailed : HistoryEventType.TaskFailed,
        TaskId = scheduled.TaskId, Name = scheduled.Name, Timestamp = _time.GetUtcNow().UtcDateTime, ErrorType = type, ErrorMessage = message,
    };

    private async Task RunChildAsync(Worker worker, string parentId, HistoryEvent created, CancellationToken ct)
    {
        try
        {
            var childId = created.ChildInstanceId!;
            if (await _records.LoadAsync(childId, ct).ConfigureAwait(false) is null)
            {
                var now = _time.GetUtcNow();
                var child = new InstanceRecord
                {
                    InstanceId = childId, Name = created.Name!, RuntimeStatus = RuntimeStatus.Pending, CreatedAt = now, LastUpdatedAt = now,
                    Input = created.Data, ParentInstanceId = parentId,
                    History = [new HistoryEvent { Type = HistoryEventType.ExecutionStarted, Timestamp = now.UtcDateTime, Name = created.Name, Data = created.Data }],
                };
                try
                {
                    await _records.SaveAsync(child, null, ct).ConfigureAwait(false);
                }
                catch (BlobConditionFailedException)
                {
                    // Created by an earlier run of this dispatch.
                }
            }
            EnsureWorker(childId, force: true);
            var state = await WaitForCompletionAsync(childId, ct).ConfigureAwait(false);
            worker.Post(state.RuntimeStatus == RuntimeStatus.Completed
                ? new HistoryEvent { Type = HistoryEventType.SubOrchestrationCompleted, TaskId = created.TaskId, Name = created.Name, Timestamp = _time.GetUtcNow().UtcDateTime, Data = state.Output }
                : Failed(created, state.Failure?.ErrorType ?? state.RuntimeStatus.ToString(), state.Failure?.ErrorMessage ?? $"sub-orchestration {childId} ended {state.RuntimeStatus}"));
        }
        catch (Exception e) when (e is OperationCanceledException or SimulatedCrashException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref worker.InFlight);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Orchestration worker for {InstanceId} failed")]
    private static partial void LogWorkerFailed(ILogger logger, string instanceId, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} runs in another process (lease held); not starting it here")]
    private static partial void LogLeaseHeld(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Instance {InstanceId}: {Message}")]
    private static partial void LogNonDeterministic(ILogger logger, string instanceId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} suspended: it does not advance until resumed")]
    private static partial void LogSuspended(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} rewound ({Reason}); history cut at the first failure: {Cut}")]
    private static partial void LogRewound(ILogger logger, string instanceId, string reason, bool cut);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} ({Name}) finished: {Status}")]
    private static partial void LogFinished(ILogger logger, string instanceId, string name, RuntimeStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Instance {InstanceId} ({Name}) finished: {Status}: {ErrorType}: {Message}")]
    private static partial void LogFailed(ILogger logger, string instanceId, string name, RuntimeStatus status, string errorType, string message);

    // With the exception: the log is where an on-call finds the stack trace, which the instance's status does not show.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId}: activity {Activity} attempt {Attempt}/{Attempts} failed: {Message}")]
    private static partial void LogActivityFailed(ILogger logger, string instanceId, string activity, int attempt, int attempts, string message, Exception exception);
}
