namespace MLOps.Features.Store;

/// <summary>
/// The view state of the last snapshot a <see cref="FeatureStore"/> materialized, kept in memory so the next day's
/// materialization (the local host's schedule, a warm Functions instance: the store is a singleton there) folds its one
/// new segment onto it instead of reading the 30 MB persisted state and the segments written since. A taker owns the
/// state and folds it in place, so what a snapshot's rows are built from later (its history) is copied when they are
/// computed, and a state is kept only once it has been written.
/// </summary>
internal sealed class ViewStateCache
{
    /// <summary>A cached state, the persisted state a reader of its snapshot starts from, and how many segments that one holds.</summary>
    public sealed record Entry(string SnapshotId, ViewState State, string? PersistedPath, int PersistedSegments);

    private readonly Lock _gate = new();
    private Entry? _entry;

    public void Remember(Entry entry)
    {
        lock (_gate) _entry = entry;
    }

    /// <summary>The cached entry when it extends to <paramref name="manifest"/> (taken: the caller folds it in place), else null.</summary>
    public Entry? TakeFor(FeatureSnapshotManifest manifest, int historyPerUser)
    {
        lock (_gate)
        {
            if (_entry is not { } e || !e.State.Extends(manifest, historyPerUser)) return null;
            _entry = null;
            return e;
        }
    }
}
