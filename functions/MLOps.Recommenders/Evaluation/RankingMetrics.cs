namespace MLOps.Recommenders.Evaluation;

/// <summary>
/// Per-user ranking metrics with Microsoft Recommenders' python_evaluation definitions (binary relevance). <c>recommended</c> is the
/// top-k list (best first, possibly shorter than k); <c>relevant</c> is the sorted set of the user's test items.
/// </summary>
public static class RankingMetrics
{
    /// <summary>hits in the top k / k (Recommenders divides by k even when fewer than k items are recommended).</summary>
    public static double Precision(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k) => Hits(recommended, relevant, k) / (double)k;

    /// <summary>hits in the top k / number of relevant items.</summary>
    public static double Recall(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k) =>
        relevant.Length == 0 ? 0 : Hits(recommended, relevant, k) / (double)relevant.Length;

    /// <summary>DCG / ideal DCG with gain 1 per hit and discount 1/log2(rank + 1); the ideal ranks min(|relevant|, k) hits first.</summary>
    public static double Ndcg(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k)
    {
        if (relevant.Length == 0) return 0;
        double dcg = 0, idcg = 0;
        var n = Math.Min(k, recommended.Length);
        for (var r = 0; r < n; r++) if (relevant.BinarySearch(recommended[r]) >= 0) dcg += 1 / Math.Log2(r + 2);
        for (var r = 0; r < Math.Min(k, relevant.Length); r++) idcg += 1 / Math.Log2(r + 2);
        return dcg / idcg;
    }

    /// <summary>Recommenders' <c>map</c>: the sum over hits of precision at the hit's rank, divided by the number of relevant items.</summary>
    public static double AveragePrecision(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k) =>
        relevant.Length == 0 ? 0 : SumPrecisionAtHits(recommended, relevant, k) / relevant.Length;

    /// <summary>Recommenders' <c>map_at_k</c>: the same sum divided by min(number of relevant items, k).</summary>
    public static double AveragePrecisionAtK(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k) =>
        relevant.Length == 0 ? 0 : SumPrecisionAtHits(recommended, relevant, k) / Math.Min(relevant.Length, k);

    /// <summary>1 when the top k holds at least one relevant item.</summary>
    public static double HitRate(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k) => Hits(recommended, relevant, k) > 0 ? 1 : 0;

    /// <summary>1 / rank of the first relevant item in the top k (0 without a hit).</summary>
    public static double ReciprocalRank(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k)
    {
        var n = Math.Min(k, recommended.Length);
        for (var r = 0; r < n; r++) if (relevant.BinarySearch(recommended[r]) >= 0) return 1.0 / (r + 1);
        return 0;
    }

    private static int Hits(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k)
    {
        var hits = 0;
        var n = Math.Min(k, recommended.Length);
        for (var r = 0; r < n; r++) if (relevant.BinarySearch(recommended[r]) >= 0) hits++;
        return hits;
    }

    private static double SumPrecisionAtHits(ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k)
    {
        double sum = 0;
        var hits = 0;
        var n = Math.Min(k, recommended.Length);
        for (var r = 0; r < n; r++)
            if (relevant.BinarySearch(recommended[r]) >= 0) sum += ++hits / (double)(r + 1);
        return sum;
    }
}
