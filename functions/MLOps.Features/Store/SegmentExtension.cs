namespace MLOps.Features.Store;

/// <summary>
/// How a view state that has folded the segments <c>held</c> reaches a snapshot's segment list: the segments still to
/// fold, and whether its list must then be renamed to the snapshot's. A compaction's segment lists the files it merged
/// (<see cref="FeatureSegment.Replaces"/>), so a state folded from those extends it: the compaction day costs a one-day
/// fold, not a fold of the whole log (docs/features.md, "Incremental views").
/// </summary>
internal sealed record SegmentExtension(IReadOnlyList<string> ToFold, bool Renamed)
{
    /// <summary>Null when <paramref name="held"/> is a prefix of neither the snapshot's list nor its expansion.</summary>
    public static SegmentExtension? Of(IReadOnlyList<string> held, IReadOnlyList<FeatureSegment> segments)
    {
        var literal = segments.Select(s => s.Path).ToList();
        if (IsPrefix(held, literal)) return new(literal.Skip(held.Count).ToList(), false);
        var expanded = segments.SelectMany(s => s.Replaces ?? [s.Path]).ToList();
        return IsPrefix(held, expanded) ? new(expanded.Skip(held.Count).ToList(), true) : null;
    }

    private static bool IsPrefix(IReadOnlyList<string> held, List<string> list) =>
        held.Count <= list.Count && held.SequenceEqual(list.Take(held.Count), StringComparer.Ordinal);
}
