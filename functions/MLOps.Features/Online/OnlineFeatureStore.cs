using Microsoft.Extensions.Options;

namespace MLOps.Features;

/// <summary>
/// A feature value as served online: the value (or not found), which snapshot it came from, and whether it is
/// older than its view's TTL. A stale value is still returned, flagged, so the caller decides; it is never passed
/// off as fresh.
/// </summary>
public sealed record OnlineFeatures<T>(T? Value, bool Found, string? SnapshotId, DateTimeOffset? AsOf, TimeSpan? Age, bool IsStale);

/// <summary>
/// Latest feature values per user and per title for serving, held in memory from the latest snapshot and reloaded
/// when <c>features/latest.json</c> moves (checked at most every <see cref="FeatureStoreOptions.OnlineReloadInterval"/>).
/// Thread-safe; a reload swaps one immutable object.
/// </summary>
public sealed class OnlineFeatureStore
{
    private readonly FeatureStore _features;
    private readonly TimeProvider _time;
    private readonly FeatureStoreOptions _options;
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Loaded? _loaded;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;

    public OnlineFeatureStore(FeatureStore features, TimeProvider? time = null, IOptions<FeatureStoreOptions>? options = null)
    {
        _features = features;
        _time = time ?? TimeProvider.System;
        _options = options?.Value ?? features.Options;
    }

    private sealed record Loaded(
        FeatureSnapshotManifest Manifest,
        Dictionary<string, UserFeatures> Users,
        Dictionary<string, ItemFeatures> Items,
        Dictionary<string, UserGenreFeatures[]> Genres,
        Dictionary<string, string[]> History,
        ItemFeatures[] ByPopularity7d);

    /// <summary>The snapshot currently served, or null before any refresh.</summary>
    public async Task<FeatureSnapshotManifest?> CurrentSnapshotAsync(CancellationToken cancellationToken = default) =>
        (await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false))?.Manifest;

    public async Task<OnlineFeatures<UserFeatures>> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var loaded = await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return Wrap(loaded, loaded?.Users.GetValueOrDefault(userId), _options.UserTtl);
    }

    public async Task<OnlineFeatures<ItemFeatures>> GetItemAsync(string itemId, CancellationToken cancellationToken = default)
    {
        var loaded = await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return Wrap(loaded, loaded?.Items.GetValueOrDefault(itemId), _options.ItemTtl);
    }

    /// <summary>The user's genre affinities, highest first.</summary>
    public async Task<OnlineFeatures<IReadOnlyList<UserGenreFeatures>>> GetUserGenresAsync(string userId, CancellationToken cancellationToken = default)
    {
        var loaded = await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return Wrap<IReadOnlyList<UserGenreFeatures>>(loaded, loaded?.Genres.GetValueOrDefault(userId), _options.UserTtl);
    }

    /// <summary>The user's most recent titles, oldest first (most recent last), as recommenders take a history.</summary>
    public async Task<OnlineFeatures<IReadOnlyList<string>>> GetUserHistoryAsync(string userId, CancellationToken cancellationToken = default)
    {
        var loaded = await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return Wrap<IReadOnlyList<string>>(loaded, loaded?.History.GetValueOrDefault(userId), _options.UserTtl);
    }

    /// <summary>The <paramref name="k"/> titles with the most interactions in the last 7 days (ties: 30 days, then id).</summary>
    public async Task<OnlineFeatures<IReadOnlyList<ItemFeatures>>> GetPopularItemsAsync(int k, CancellationToken cancellationToken = default)
    {
        var loaded = await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return Wrap<IReadOnlyList<ItemFeatures>>(loaded, loaded?.ByPopularity7d.Take(Math.Max(0, k)).ToArray(), _options.ItemTtl);
    }

    /// <summary>Drops the loaded snapshot so the next call reloads (tests, hot reload on demand).</summary>
    public void Invalidate() => _checkedAt = DateTimeOffset.MinValue;

    private OnlineFeatures<T> Wrap<T>(Loaded? loaded, T? value, TimeSpan ttl)
    {
        if (loaded is null) return new OnlineFeatures<T>(default, false, null, null, null, true);
        var age = _time.GetUtcNow() - loaded.Manifest.Cutoff;
        return new OnlineFeatures<T>(value, value is not null, loaded.Manifest.SnapshotId, loaded.Manifest.Cutoff, age, age > ttl);
    }

    private async Task<Loaded?> EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_loaded is not null && now - _checkedAt < _options.OnlineReloadInterval) return _loaded;
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_loaded is not null && now - _checkedAt < _options.OnlineReloadInterval) return _loaded;
            var latest = await _features.GetLatestAsync(cancellationToken).ConfigureAwait(false);
            _checkedAt = now;
            if (latest is null || latest.SnapshotId == _loaded?.Manifest.SnapshotId) return _loaded;
            var id = latest.SnapshotId;
            var users = await _features.ReadUsersAsync(id, cancellationToken).ConfigureAwait(false);
            var items = await _features.ReadItemsAsync(id, cancellationToken).ConfigureAwait(false);
            var genres = await _features.ReadUserGenresAsync(id, cancellationToken).ConfigureAwait(false);
            var history = await _features.ReadHistoryAsync(id, cancellationToken).ConfigureAwait(false);
            _loaded = new Loaded(
                latest,
                users.ToDictionary(u => u.UserId, StringComparer.Ordinal),
                items.ToDictionary(i => i.ItemId, StringComparer.Ordinal),
                genres.GroupBy(g => g.UserId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderByDescending(x => x.Affinity).ThenBy(x => x.Genre, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal),
                history.ToDictionary(h => h.UserId, h => h.ItemList.ToArray(), StringComparer.Ordinal),
                items.OrderByDescending(i => i.Popularity7d).ThenByDescending(i => i.Popularity30d).ThenBy(i => i.ItemId, StringComparer.Ordinal).ToArray());
            return _loaded;
        }
        finally
        {
            _reload.Release();
        }
    }
}
