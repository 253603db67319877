namespace MLOps.Core.Http.Paging;

/// <summary>
/// Where an item sits in a newest-first list: its time (descending), then its id (ordinal, ascending) among items of the
/// same time. Drift alerts (lastSeen, id) and orchestration instances (createdAt, instanceId) are both listed this way.
/// </summary>
public readonly record struct PageKey(DateTimeOffset At, string Id)
{
    /// <summary>True when an item with this key comes after <paramref name="last"/> in the list (older, or as old with a later id).</summary>
    public bool Follows(PageKey last) =>
        At.UtcTicks < last.At.UtcTicks || (At.UtcTicks == last.At.UtcTicks && string.CompareOrdinal(Id, last.Id) > 0);

    /// <summary>
    /// <paramref name="items"/> in the order <see cref="Follows"/> pages through: every paged list sorts here, so its order
    /// and its page boundaries cannot drift apart.
    /// </summary>
    public static List<T> NewestFirst<T>(IEnumerable<T> items, Func<T, PageKey> keyOf) =>
        [.. items.OrderByDescending(item => keyOf(item).At.UtcTicks).ThenBy(item => keyOf(item).Id, StringComparer.Ordinal)];
}
