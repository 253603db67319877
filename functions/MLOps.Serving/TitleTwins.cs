using MLOps.Core.Data;
using MLOps.Serving.Search;

namespace MLOps.Serving;

/// <summary>
/// Catalogue entries that are one title under several ids: the same title as search reads it (case, accents and punctuation
/// aside) and the same release year. ML-100k's u.item lists 18 titles twice ("Chasing Amy (1997)" is 246 and 268), so a
/// list showed a title the user watched under the other id, or one title twice. A served list treats a group as one title:
/// watched when any of its ids was, and listed once, under its best-scored id. Built once with the serving data; a request
/// visits only the twinned titles (36 of 1,682 on ML-100k), never the catalogue. A title without a year has no twins.
/// </summary>
public sealed class TitleTwins
{
    private static readonly int[] None = [];
    private readonly int[][] _groups;
    private readonly int[][] _ofItem;

    private TitleTwins(int[][] groups, int itemCount)
    {
        _groups = groups;
        _ofItem = new int[itemCount][];
        Array.Fill(_ofItem, None);
        foreach (var group in groups)
            foreach (var i in group) _ofItem[i] = group;
        RepeatedIds = groups.Sum(g => g.Length - 1);
    }

    public static TitleTwins Build(IReadOnlyList<CatalogItem?> catalog)
    {
        var groups = Enumerable.Range(0, catalog.Count)
            .Where(i => catalog[i] is { Year: not null } item && TextNormalizer.Join(item.Title).Length > 0)
            .GroupBy(i => (TextNormalizer.Join(catalog[i]!.Title), catalog[i]!.Year))
            .Where(g => g.Count() > 1).Select(g => g.ToArray()).ToArray();
        return new TitleTwins(groups, catalog.Count);
    }

    /// <summary>How many titles have more than one id.</summary>
    public int GroupCount => _groups.Length;

    /// <summary>Ids beyond a title's first (18 on ML-100k): what a ranked list loses at most to <see cref="Once{T}"/>.</summary>
    public int RepeatedIds { get; }

    /// <summary>Every id of <paramref name="item"/>'s title, itself included; empty when it has only its own.</summary>
    public ReadOnlySpan<int> Of(int item) => _ofItem[item];

    /// <summary>The user watched this title under another of its ids.</summary>
    public bool SeenAsTwin(UserState? user, int item)
    {
        if (user is null) return false;
        foreach (var twin in _ofItem[item])
            if (twin != item && user.HasSeen(twin)) return true;
        return false;
    }

    /// <summary>Another id of this title is in <paramref name="listed"/>.</summary>
    public bool TwinIn(int item, ICollection<int> listed)
    {
        foreach (var twin in _ofItem[item])
            if (twin != item && listed.Contains(twin)) return true;
        return false;
    }

    /// <summary>Marks every id of <paramref name="item"/>'s title as on the page, so no row lists the title again.</summary>
    public void AddTo(HashSet<int> used, int item)
    {
        foreach (var twin in _ofItem[item]) used.Add(twin);
    }

    /// <summary>
    /// Leaves at most one id of each title scorable: none when <paramref name="excludeSeen"/> and the user watched any of them,
    /// else the best-scored (the first on a tie); the others get −∞. Run it after every other mask, so the kept id is one the
    /// list may show.
    /// </summary>
    public void Mask(Span<float> scores, UserState? user, bool excludeSeen)
    {
        foreach (var group in _groups)
        {
            var keep = -1;
            foreach (var i in group)
            {
                if (excludeSeen && user is not null && user.HasSeen(i)) { keep = -1; break; }
                if (!float.IsNegativeInfinity(scores[i]) && (keep < 0 || scores[i] > scores[keep])) keep = i;
            }
            foreach (var i in group)
                if (i != keep) scores[i] = float.NegativeInfinity;
        }
    }

    /// <summary>
    /// A ranked list, best first, with each title once: under its best-ranked id, its other ids dropped (search's list,
    /// whose candidates are fused and personalized before this).
    /// </summary>
    public IEnumerable<T> Once<T>(IEnumerable<T> ranked, Func<T, int> itemOf)
    {
        HashSet<int>? listed = null;
        foreach (var entry in ranked)
        {
            var item = itemOf(entry);
            if (_ofItem[item].Length > 0)
            {
                listed ??= [];
                if (listed.Contains(item)) continue;
                AddTo(listed, item);
            }
            yield return entry;
        }
    }
}
