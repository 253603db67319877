namespace MLOps.Drift.Prediction;

/// <summary>
/// The popularity profile against the champion's evaluation: catalogue titles ranked by their training interactions
/// (most first, ties by content id) and cut into ten equal shares of the catalogue. Decile d holds ranks
/// ⌈(d−1)·N/10⌉ … ⌈d·N/10⌉ − 1 of N titles; titles never interacted with in training, and titles new since, are decile 10.
/// </summary>
public static class PopularityDeciles
{
    public const int Count = 10;
    public static readonly IReadOnlyList<string> Labels = Enumerable.Range(1, Count).Select(Label).ToArray();

    public static string Label(int decile) => decile == 1 ? "decile 1 (top 10%)" : decile == Count ? "decile 10 (bottom)" : $"decile {decile}";

    /// <summary>The ranking of <paramref name="catalogTitles"/> titles from their interaction counts, kept down to the top 90 % (the rest is decile 10 anyway).</summary>
    public static PopularityRanking Rank(IReadOnlyDictionary<string, long> interactions, int catalogTitles)
    {
        var keep = End(catalogTitles, Count - 1);
        var ranked = interactions.Where(p => p.Value > 0)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(keep).Select(p => p.Key).ToList();
        return new PopularityRanking { CatalogTitles = catalogTitles, Ranked = ranked };
    }

    /// <summary>Served counts per decile label; <paramref name="served"/> gives a title id and how often it was served.</summary>
    public static Dictionary<string, long> Profile(PopularityRanking ranking, IEnumerable<(string ContentId, long Count)> served)
    {
        var decile = Deciles(ranking);
        var counts = new long[Count];
        foreach (var (id, n) in served)
            counts[(decile.TryGetValue(id, out var d) ? d : Count) - 1] += n;
        return Labels.Select((label, i) => (label, i)).ToDictionary(x => x.label, x => counts[x.i], StringComparer.Ordinal);
    }

    /// <summary>Share of served titles in decile 1 (the catalogue's top 10 %): the profile's headline number.</summary>
    public static double HeadShare(IReadOnlyDictionary<string, long> profile)
    {
        var total = profile.Values.Sum();
        return total == 0 ? 0 : (double)profile.GetValueOrDefault(Labels[0]) / total;
    }

    private static Dictionary<string, int> Deciles(PopularityRanking ranking)
    {
        var ends = Enumerable.Range(1, Count).Select(d => End(ranking.CatalogTitles, d)).ToArray();
        var decile = new Dictionary<string, int>(ranking.Ranked.Count, StringComparer.Ordinal);
        var d = 0;
        for (var r = 0; r < ranking.Ranked.Count; r++)
        {
            while (d < Count - 1 && r >= ends[d]) d++;
            decile[ranking.Ranked[r]] = d + 1;
        }
        return decile;
    }

    /// <summary>First rank after decile <paramref name="decile"/>: ⌈decile·N/10⌉.</summary>
    private static int End(int titles, int decile) => (int)Math.Ceiling(decile * (double)titles / Count - 1e-9);
}
