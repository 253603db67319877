using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Core;
using MLOps.Storage;

namespace MLOps.Serving.Model;

/// <summary>What a request reads, once, at its start: data and the models loaded at that moment.</summary>
public sealed record ServingSnapshot(ServingData Data, ServingModel? Champion, IReadOnlyDictionary<string, ServingModel> Variants)
{
    /// <summary>
    /// The loaded model for an alias or version ("champion" when absent), or null when it is not loaded: an experiment
    /// variant whose model is missing is not silently served by the champion under the variant's name.
    /// </summary>
    public ServingModel? ModelFor(string? aliasOrVersion) =>
        aliasOrVersion is null or "champion" ? Champion : Variants.GetValueOrDefault(aliasOrVersion);
}

/// <summary>
/// Holds the current <see cref="ServingSnapshot"/> and swaps it atomically when the champion alias moves:
/// the new version is loaded in the background, requests in flight finish on the snapshot they took,
/// and a failed load keeps the old model (logged as an error, counted in mlops.serving.model.load_failures) and is
/// retried with backoff (<see cref="RetryDelay(int, TimeSpan)"/>), so a transient storage error does not need the alias to move.
/// </summary>
public sealed partial class ModelHost(IBlobStore store, IModelSource source, IOptions<ServingOptions> options, ILogger<ModelHost> logger)
    : BackgroundService
{
    private static readonly Counter<long> LoadFailures = Telemetry.Meter.CreateCounter<long>(
        "mlops.serving.model.load_failures", "{failure}", "Model versions the server failed to load (it kept the previous one).");
    private static readonly Counter<long> Swaps = Telemetry.Meter.CreateCounter<long>(
        "mlops.serving.model.swaps", "{swap}", "Times the server swapped in a new model version.");

    private readonly TaskCompletionSource _dataReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServingSnapshot? _current;
    /// <summary>Versions that failed to load: attempts so far and when (Environment.TickCount64) the next may be made.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ModelRef, (int Attempts, long RetryAt)> _failed = new();

    /// <summary>
    /// The wait before retrying a failed load: <paramref name="first"/> (ServingOptions.LoadRetryDelay, 30 s), doubling per
    /// failure, at most 10 min — a transient read error heals, a corrupt artifact costs one read per 10 min.
    /// </summary>
    public static TimeSpan RetryDelay(int attempts, TimeSpan first) =>
        TimeSpan.FromMilliseconds(Math.Min(TimeSpan.FromMinutes(10).TotalMilliseconds, first.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 20))));

    /// <summary>The snapshot to serve from, or null while the data is still loading.</summary>
    public ServingSnapshot? Current => Volatile.Read(ref _current);

    public Task DataReady => _dataReady.Task;

    /// <summary>The last load failure (shown by /ready): the data's until it loads, else the last model load's (null after a success).</summary>
    public string? LastError => DataError ?? (_modelErrors.TryGetValue("champion", out var champion) ? champion : _modelErrors.Values.FirstOrDefault());

    /// <summary>Why the serving data failed to load, null once it has loaded; /ready is 503 meanwhile and every poll retries.</summary>
    public string? DataError { get; private set; }

    /// <summary>Per alias, why its current target failed to load (a variant loading fine must not hide a failing champion).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _modelErrors = new(StringComparer.Ordinal);
    public int SwapCount { get; private set; }

    /// <summary>How the background checks of the store fare (shown by /ready).</summary>
    public StoreChecks StoreChecks { get; } = new(logger);

    public async Task<ServingSnapshot> WaitForSnapshotAsync(CancellationToken cancellationToken)
    {
        await DataReady.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Current!;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!await TryLoadDataAsync(stoppingToken).ConfigureAwait(false))
            // Requests get empty answers rather than hang; /ready says why and the poll below retries.
            Volatile.Write(ref _current, new ServingSnapshot(ServingData.Build([], [], settings.TrendingHalfLife), null, new Dictionary<string, ServingModel>()));
        _dataReady.TrySetResult();

        using var timer = new PeriodicTimer(settings.PollInterval);
        do
        {
            try
            {
                if (DataError is not null && !await TryLoadDataAsync(stoppingToken).ConfigureAwait(false)) continue;
                await ReloadDataIfChangedAsync(stoppingToken).ConfigureAwait(false);
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
                StoreChecks.Succeeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex) { StoreChecks.Failed(ex); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private readonly Lock _appendGate = new();
    private List<MLOps.Core.Data.ViewingEvent>? _appendedDuringLoad;

    /// <summary>
    /// Fresh events (posted to /api/events, already stored) count for their users at once. Those that arrive while the data
    /// is being (re)loaded are also kept and applied to the new data before it is swapped in: the load may have read the
    /// log before they were stored. Applying one twice is harmless (a history keeps each title once).
    /// </summary>
    /// <param name="postedBatch">The batch this host committed for them (a POST): its manifest is no reason to reload the data.</param>
    public void Append(IReadOnlyList<MLOps.Core.Data.ViewingEvent> events, string? postedBatch = null)
    {
        lock (_appendGate)
        {
            if (postedBatch is not null) _postedManifests[StoreLayout.ImportManifest(postedBatch)] = 0;
            Current?.Data.Append(events);
            _appendedDuringLoad?.AddRange(events);
        }
    }

    /// <summary>
    /// A POST on this host is about to commit <paramref name="batch"/>: its manifest is ours from now on. Registered before
    /// the commit, not at <see cref="Append"/> after it: a data check that ran in between took the new manifest for another
    /// instance's and reloaded all the data (seen on a loaded CI machine).
    /// </summary>
    public void ExpectPosted(string batch)
    {
        lock (_appendGate) _postedManifests[StoreLayout.ImportManifest(batch)] = 0;
    }

    private DataVersion? _dataVersion;
    /// <summary>
    /// Manifests of batches posted to this host since its data version was read: already in memory, so under steady POST
    /// traffic they no longer cost a full reload every interval (6–7 s CPU at 2M events). Others' posts and imports still do.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _postedManifests = new(StringComparer.Ordinal);
    private long _dataCheckedAt = Environment.TickCount64;
    private int _dataChecks;

    /// <summary>
    /// Data-version checks completed so far (reloading or not): what a caller waits on to know that checks really ran,
    /// rather than sleeping "many intervals" that a busy machine may not have spent checking.
    /// </summary>
    public int DataChecks => Volatile.Read(ref _dataChecks);

    /// <summary>
    /// Every DataRefreshInterval, reloads the serving data when the store holds data it was not built from: a catalogue or
    /// events import made while serving (new titles were a 404 "not in the catalogue" and unsearchable, imported plays were
    /// recommended again) or events posted to another instance. Requests keep the old snapshot until the swap.
    /// </summary>
    private async Task ReloadDataIfChangedAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.DataRefreshInterval;
        if (interval <= TimeSpan.Zero || Environment.TickCount64 - _dataCheckedAt < interval.TotalMilliseconds) return;
        _dataCheckedAt = Environment.TickCount64;
        if (_dataVersion is not { } loaded || loaded != await DataVersion.ReadAsync(store, stoppingToken, _postedManifests.ContainsKey).ConfigureAwait(false))
            await TryLoadDataAsync(stoppingToken, reload: true).ConfigureAwait(false);
        Interlocked.Increment(ref _dataChecks);
    }

    /// <summary>
    /// Loads the serving data into a fresh snapshot; false on failure. Models already loaded are rebound to it (a reload
    /// while serving keeps the champion) and warmed up before the swap, as a newly loaded version is: a rebound model's
    /// candidate lists start empty, so the first requests after every reload were slow again while the old data, warm,
    /// could still serve. At startup there are none, and the next refresh loads them.
    /// </summary>
    private async Task<bool> TryLoadDataAsync(CancellationToken stoppingToken, bool reload = false)
    {
        await _swapGate.WaitAsync(stoppingToken).ConfigureAwait(false);
        try { return await LoadDataAsync(stoppingToken, reload).ConfigureAwait(false); }
        finally { _swapGate.Release(); }
    }

    /// <summary>
    /// One swap at a time: a data reload rebinds and warms up the models it read, and a refresh swaps models into the data
    /// it read, so either one interleaved with the other would put back what the other replaced. The poll loop runs them
    /// one after the other; the gate holds that for any other caller of <see cref="RefreshAsync"/> too.
    /// </summary>
    private readonly SemaphoreSlim _swapGate = new(1, 1);

    private async Task<bool> LoadDataAsync(CancellationToken stoppingToken, bool reload)
    {
        lock (_appendGate)
        {
            _appendedDuringLoad = [];
            // Posts from now on are counted against the version read next (one that lands in both only costs a reload).
            _postedManifests.Clear();
        }
        try
        {
            // Read before the data, so anything committed during the load makes the next check differ and load again.
            var version = await DataVersion.ReadAsync(store, stoppingToken).ConfigureAwait(false);
            var data = await ServingData.LoadAsync(store, options.Value.TrendingHalfLife, stoppingToken).ConfigureAwait(false);
            // The models read here are still the current ones at the swap (_swapGate). Events posted during the warm-up are
            // collected and applied below.
            var old = Current;
            var champion = old?.Champion is { } loaded ? WarmUp(loaded.Rebind(data.Items), data, "champion", stoppingToken) : null;
            var variants = old?.Variants.ToDictionary(v => v.Key, v => WarmUp(v.Value.Rebind(data.Items), data, v.Key, stoppingToken), StringComparer.Ordinal)
                ?? new Dictionary<string, ServingModel>();
            lock (_appendGate)
            {
                data.Append(_appendedDuringLoad!);
                Volatile.Write(ref _current, new ServingSnapshot(data, champion, variants));
                _appendedDuringLoad = null;
            }
            _dataVersion = version;
            _dataCheckedAt = Environment.TickCount64;
            DataError = null;
            LogDataLoaded(data.Count, data.UserCount);
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            lock (_appendGate) _appendedDuringLoad = null;
            if (reload)
            {
                // The loaded data still serves; the next check tries again.
                LogReloadFailed(ex);
                return false;
            }
            LogDataFailed(ex);
            DataError = $"serving data failed to load: {ex.Message}; retrying every {options.Value.PollInterval.TotalSeconds:0.#} s";
            return false;
        }
    }

    /// <summary>Resolves the champion (and experiment variants); loads and swaps in whatever changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // After the first data load, which takes the gate itself.
        if (Current is null) await WaitForSnapshotAsync(cancellationToken).ConfigureAwait(false);
        await _swapGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { await RefreshModelsAsync(cancellationToken).ConfigureAwait(false); }
        finally { _swapGate.Release(); }
    }

    private async Task RefreshModelsAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var snapshot = Current!;
        var champion = await ResolveAndLoadAsync(settings.ModelName, "champion", snapshot.Champion, snapshot.Data, cancellationToken).ConfigureAwait(false);
        var variants = new Dictionary<string, ServingModel>(StringComparer.Ordinal);
        foreach (var alias in settings.Experiments.SelectMany(x => x.Variants).Select(v => v.Model).Where(m => m != "champion").Distinct())
            if (await ResolveAndLoadAsync(settings.ModelName, alias, snapshot.Variants.GetValueOrDefault(alias), snapshot.Data, cancellationToken).ConfigureAwait(false) is { } model)
                variants[alias] = model;
        // Every refresh, not only on a swap: the Azure Monitor exporter sends a gauge only in an interval it was recorded
        // in, so a version recorded once at its swap vanished from "Model in use" queries over the last hours or day.
        if (champion is not null) RecordVersionInUse(champion, "champion");
        foreach (var (alias, model) in variants) RecordVersionInUse(model, alias);
        if (ReferenceEquals(champion, snapshot.Champion) && variants.Count == snapshot.Variants.Count && variants.All(v => snapshot.Variants.TryGetValue(v.Key, out var old) && ReferenceEquals(old, v.Value)))
            return;
        Volatile.Write(ref _current, snapshot with { Champion = champion, Variants = variants });
        if (!ReferenceEquals(champion, snapshot.Champion) && champion is not null)
        {
            SwapCount++;
            Swaps.Add(1);
            LogSwapped(champion.Ref.Name, champion.Ref.Version, snapshot.Champion?.Ref.Version ?? "(none)");
        }
    }

    private static void RecordVersionInUse(ServingModel model, string alias) =>
        MLOpsMetrics.ModelVersionInUse.Record(long.TryParse(model.Ref.Version.TrimStart('v'), out var n) ? n : 0,
            new KeyValuePair<string, object?>("model", model.Ref.Name), new KeyValuePair<string, object?>("alias", alias));

    private async Task<ServingModel?> ResolveAndLoadAsync(string name, string alias, ServingModel? current, ServingData data, CancellationToken cancellationToken)
    {
        var target = await ResolveInTimeAsync(name, alias, cancellationToken).ConfigureAwait(false);
        if (target is null) return current;
        if (current is not null && current.Ref == target)
        {
            _modelErrors.TryRemove(alias, out _); // the alias is back on the loaded version
            return current;
        }
        if (_failed.TryGetValue(target, out var failed) && Environment.TickCount64 < failed.RetryAt) return current; // alerted; retried with backoff
        try
        {
            var recommender = await source.LoadAsync(target, cancellationToken).ConfigureAwait(false);
            _failed.TryRemove(target, out _);
            _modelErrors.TryRemove(alias, out _);
            return WarmUp(new ServingModel(target, recommender, data.Items), data, alias, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempts = failed.Attempts + 1;
            _failed[target] = (attempts, Environment.TickCount64 + (long)RetryDelay(attempts, options.Value.LoadRetryDelay).TotalMilliseconds);
            LoadFailures.Add(1, new KeyValuePair<string, object?>("model", name), new KeyValuePair<string, object?>("version", target.Version));
            var serving = ServedInstead(current, alias);
            _modelErrors[alias] = $"loading {name} {target.Version} ({alias}) failed: {ex.Message}; still serving {serving}";
            LogLoadFailed(ex, name, target.Version, alias, serving);
            return current;
        }
    }

    /// <summary>
    /// Resolves the alias within ServingOptions:StoreCheckTimeout: a store that stops answering (frozen, unreachable) made
    /// the check hang for minutes in the storage client's own retries, with nothing logged.
    /// </summary>
    private async Task<ModelRef?> ResolveInTimeAsync(string name, string alias, CancellationToken cancellationToken)
    {
        var timeout = options.Value.StoreCheckTimeout;
        using var check = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout > TimeSpan.Zero) check.CancelAfter(timeout);
        try { return await source.ResolveAsync(name, alias, check.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the store did not answer within {timeout.TotalSeconds:0.#} s (resolving {name} {alias})");
        }
    }

    /// <summary>The version being warmed up before it serves ("recommender 3 (champion)"), null otherwise; /ready names it.</summary>
    public string? WarmingUp { get; private set; }

    /// <summary>Warms the model up (<see cref="ServingWarmUp"/>) before it is published: requests keep the previous snapshot meanwhile.</summary>
    private ServingModel WarmUp(ServingModel model, ServingData data, string alias, CancellationToken cancellationToken)
    {
        WarmingUp = $"{model.Ref.Name} {model.Ref.Version} ({alias})";
        try
        {
            var result = ServingWarmUp.Run(data, model, options.Value.WarmUpBudget, cancellationToken);
            LogWarmedUp(model.Ref.Name, model.Ref.Version, alias, result.Users, result.UserCount, result.Rows, result.Similar,
                result.Elapsed.TotalSeconds, result.BudgetSpent ? "the budget ran out" : "done");
        }
        finally { WarmingUp = null; }
        return model;
    }

    [LoggerMessage(LogLevel.Information, "Warmed up {Model} {Version} ({Alias}): recommendations for {Users} of {UserCount} users, {Rows} home pages, {Similar} similar lists in {Seconds:0.00} s ({Outcome}).")]
    private partial void LogWarmedUp(string model, string version, string alias, int users, int userCount, int rows, int similar, double seconds, string outcome);

    /// <summary>
    /// What serves while <paramref name="alias"/>'s target failed to load: its loaded version, else (none loaded yet, as at
    /// startup) trending titles for the champion and the champion's lists for an experiment variant.
    /// </summary>
    private static string ServedInstead(ServingModel? current, string alias) =>
        current is not null ? $"{current.Ref.Name} {current.Ref.Version}"
        : alias == "champion" ? "trending titles (no model is loaded)" : "the champion's lists to its users (no model is loaded for it)";

    [LoggerMessage(LogLevel.Information, "Serving data loaded: {Items} items, {Users} users.")]
    private partial void LogDataLoaded(int items, int users);

    [LoggerMessage(LogLevel.Error, "Serving data failed to load; serving an empty catalogue and retrying at the next poll.")]
    private partial void LogDataFailed(Exception ex);

    [LoggerMessage(LogLevel.Warning, "Reloading the serving data failed; still serving the data loaded before, retrying at the next check.")]
    private partial void LogReloadFailed(Exception ex);

    [LoggerMessage(LogLevel.Information, "Swapped {Model} to version {Version} (was {Previous}).")]
    private partial void LogSwapped(string model, string version, string previous);

    [LoggerMessage(LogLevel.Error, "ALERT: failed to load {Model} version {Version} ({Alias}); still serving {Serving}.")]
    private partial void LogLoadFailed(Exception ex, string model, string version, string alias, string serving);
}
