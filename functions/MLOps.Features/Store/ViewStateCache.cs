namespace MLOps.Features.Store;

/// <summary>
/// The view state of the last snapshot this process materialized, kept in memory so the next day's materialization
/// (the local host's schedule, a warm Functions instance) folds its one new segment onto it instead of reading the
/// 30 MB persisted state and the segments written since. One entry per store, the few most recent stores only; a
/// taker owns the entry and folds it in place, so what a snapshot's rows are built from later (its history) is copied
/// when they are computed, and a state is kept only once it has been written.
/// </summary>
internal static class ViewStateCache
{
    /// <summary>A cached state, the persisted state a reader of its snapshot starts from, and how many segments that one holds.</summary>
    public sealed record Entry(string Store, string SnapshotId, ViewState State, string? PersistedPath, int PersistedSegments);

    private const int MaxStores = 4;
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, (Entry Entry, long Stamp)> Entries = new(StringComparer.Ordinal);
    private static long _stamp;

    public static void Remember(Entry entry)
    {
        lock (Gate)
        {
            Entries[entry.Store] = (entry, ++_stamp);
            if (Entries.Count > MaxStores) Entries.Remove(Entries.MinBy(e => e.Value.Stamp).Key);
        }
    }

    /// <summary>The cached entry when it extends to <paramref name="manifest"/> (taken: the caller folds it in place), else null.</summary>
    public static Entry? TakeFor(string store, FeatureSnapshotManifest manifest, int historyPerUser)
    {
        lock (Gate)
        {
            if (!Entries.TryGetValue(store, out var found)) return null;
            var e = found.Entry;
            var s = e.State;
            if (s.CatalogPath != (manifest.CatalogPath ?? "") || s.AnchorTicks != manifest.DecayAnchor.UtcTicks
                || s.HalfLifeDays != manifest.DecayHalfLifeDays || s.HistoryPerUser != historyPerUser
                || SegmentExtension.Of(s.Segments, manifest.Segments) is null)
                return null;
            Entries.Remove(store);
            return e;
        }
    }
}
