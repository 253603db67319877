namespace MLOps.Recommenders.Models;

/// <summary>
/// SAR-style item-item co-occurrence: C[i, j] = users who interacted with both; similarity 0 = counts, 1 = Jaccard
/// C[i,j] / (C[i,i] + C[j,j] − C[i,j]), 2 = lift C[i,j] / (C[i,i]·C[j,j]). Pairs below min_cooccurrence are dropped; each item keeps its
/// top `neighbours` (0 = all). Scoring sums the neighbours of the history, each history item weighted 2^(−steps back / recency_half_life)
/// when recency_half_life &gt; 0 (SAR's time-decayed affinity, expressed in events since the history carries order, not clock time).
/// </summary>
public static class Sar
{
    public static IReadOnlyDictionary<string, double> Defaults { get; } = new Dictionary<string, double>
    {
        ["similarity"] = 1,
        ["neighbours"] = 200,
        ["min_cooccurrence"] = 1,
        ["recency_half_life"] = 0,
        ["min_rating"] = 0,
    };

    public static ItemItemRecommender Train(TrainingData data, IReadOnlyDictionary<string, double>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = PopularityRecommender.Merge(Defaults, parameters);
        var similarity = ParameterRules.Choice("SAR", p, "similarity", "0 (counts), 1 (Jaccard) or 2 (lift)", 0, 1, 2);
        var minCo = ParameterRules.Whole("SAR", p, "min_cooccurrence", 1);
        var minRating = (float)ParameterRules.Number("SAR", p, "min_rating");
        ParameterRules.Whole("SAR", p, "neighbours", 0);
        ParameterRules.Number("SAR", p, "recency_half_life", 0);
        var (userItems, itemUsers) = Incidence(data, minRating);
        var n = data.ItemCount;
        var diag = itemUsers.Select(u => u.Length).ToArray();
        var (offsets, neighbours, weights) = ItemItemRecommender.Prune(n, i =>
        {
            var acc = Accumulator.For(n);
            foreach (var u in itemUsers[i])
                foreach (var j in userItems[u])
                    if (j != i) acc.Add(j, 1);
            var (touched, sums) = acc.Drain();
            var items = new List<int>(touched.Length);
            var values = new List<float>(touched.Length);
            for (var t = 0; t < touched.Length; t++)
            {
                var j = touched[t];
                var c = (int)sums[t];
                if (c < minCo) continue;
                items.Add(j);
                values.Add(similarity switch
                {
                    0 => c,
                    1 => c / (float)(diag[i] + diag[j] - c),
                    _ => c / ((float)diag[i] * diag[j]),
                });
            }
            return (items.ToArray(), values.ToArray());
        }, (int)p["neighbours"]);
        return ItemItemRecommender.Sparse("sar", data.Items, p, offsets, neighbours, weights);
    }

    /// <summary>Binary user → items and item → users lists (interactions with rating ≥ minRating).</summary>
    internal static (int[][] UserItems, int[][] ItemUsers) Incidence(TrainingData data, float minRating)
    {
        var userItems = new int[data.UserCount][];
        var itemUsers = new List<int>[data.ItemCount];
        for (var u = 0; u < data.UserCount; u++)
        {
            var list = new List<int>();
            foreach (var x in data.UserInteractions(u))
                if (x.Rating >= minRating)
                {
                    list.Add(x.Item);
                    (itemUsers[x.Item] ??= []).Add(u);
                }
            userItems[u] = list.ToArray();
        }
        return (userItems, itemUsers.Select(l => l?.ToArray() ?? []).ToArray());
    }
}
