using MLOps.Recommenders.Evaluation;

namespace MLOps.Recommenders.Tests;

public class RankingMetricsTests
{
    // Recommended (best first) 5, 1, 9, 3; relevant {1, 3, 7}; k = 4 → hits at ranks 2 and 4.
    private static readonly int[] Recommended = [5, 1, 9, 3];
    private static readonly int[] Relevant = [1, 3, 7];

    [Fact]
    public void Precision_DividesHitsByK()
    {
        Assert.Equal(2 / 4.0, RankingMetrics.Precision(Recommended, Relevant, 4), 12);
        // Fewer recommendations than k: still divided by k (Recommenders' definition).
        Assert.Equal(2 / 10.0, RankingMetrics.Precision(Recommended, Relevant, 10), 12);
    }

    [Fact]
    public void Recall_DividesHitsByRelevantCount() =>
        Assert.Equal(2 / 3.0, RankingMetrics.Recall(Recommended, Relevant, 4), 12);

    [Fact]
    public void Ndcg_MatchesHandComputedValue()
    {
        var dcg = 1 / Math.Log2(3) + 1 / Math.Log2(5);
        var idcg = 1 + 1 / Math.Log2(3) + 1 / Math.Log2(4);
        Assert.Equal(dcg / idcg, RankingMetrics.Ndcg(Recommended, Relevant, 4), 12);
    }

    [Fact]
    public void Ndcg_FewerRelevantThanK_IdealStopsAtRelevantCount()
    {
        // One relevant item ranked first: perfect, even with k = 10.
        Assert.Equal(1.0, RankingMetrics.Ndcg([4, 2, 8], [4], 10), 12);
        // Ranked second: 1/log2(3).
        Assert.Equal(1 / Math.Log2(3), RankingMetrics.Ndcg([2, 4, 8], [4], 10), 12);
    }

    [Fact]
    public void Map_DividesByRelevantCount_MapAtK_ByMinRelevantK()
    {
        var sum = 1 / 2.0 + 2 / 4.0;
        Assert.Equal(sum / 3, RankingMetrics.AveragePrecision(Recommended, Relevant, 4), 12);
        Assert.Equal(sum / 3, RankingMetrics.AveragePrecisionAtK(Recommended, Relevant, 4), 12);
        // k = 2 < relevant: only the hit at rank 2 counts; map divides by 3, map@2 by 2.
        Assert.Equal(0.5 / 3, RankingMetrics.AveragePrecision(Recommended, Relevant, 2), 12);
        Assert.Equal(0.5 / 2, RankingMetrics.AveragePrecisionAtK(Recommended, Relevant, 2), 12);
    }

    [Fact]
    public void NoHits_EveryMetricIsZero()
    {
        int[] recommended = [10, 11, 12];
        Assert.Equal(0, RankingMetrics.Precision(recommended, Relevant, 3));
        Assert.Equal(0, RankingMetrics.Recall(recommended, Relevant, 3));
        Assert.Equal(0, RankingMetrics.Ndcg(recommended, Relevant, 3));
        Assert.Equal(0, RankingMetrics.AveragePrecision(recommended, Relevant, 3));
        Assert.Equal(0, RankingMetrics.HitRate(recommended, Relevant, 3));
        Assert.Equal(0, RankingMetrics.ReciprocalRank(recommended, Relevant, 3));
    }

    [Fact]
    public void HitRateAndReciprocalRank_UseFirstHit()
    {
        Assert.Equal(1, RankingMetrics.HitRate(Recommended, Relevant, 4));
        Assert.Equal(0.5, RankingMetrics.ReciprocalRank(Recommended, Relevant, 4), 12);
        Assert.Equal(0, RankingMetrics.HitRate(Recommended, Relevant, 1));
    }

    [Fact]
    public void TopK_BreaksTiesByLowerIndex_AndSkipsExcluded()
    {
        float[] scores = [0.5f, 0.9f, 0.9f, float.NegativeInfinity, 0.1f, 0.9f];
        var top = new int[4];
        Assert.Equal(4, TopK.Select(scores, top));
        Assert.Equal([1, 2, 5, 0], top);
        var all = new int[10];
        Assert.Equal(5, TopK.Select(scores, all));
        Assert.Equal([1, 2, 5, 0, 4], all[..5]);
    }

    [Fact]
    public void TopK_MatchesFullSortOnRandomScores()
    {
        var random = new Random(3);
        var scores = Enumerable.Range(0, 500).Select(_ => (float)Math.Round(random.NextDouble(), 2)).ToArray();
        var expected = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(25).ToArray();
        var top = new int[25];
        TopK.Select(scores, top);
        Assert.Equal(expected, top);
    }

    [Fact]
    public void Bootstrap_IntervalContainsMean_AndIsSeeded()
    {
        var diffs = Enumerable.Range(0, 200).Select(i => 0.05 + (i % 7 - 3) * 0.01).ToArray();
        var a = Bootstrap.PairedDifference("ndcg@10", diffs, 500, 0.95, 1);
        var b = Bootstrap.PairedDifference("ndcg@10", diffs, 500, 0.95, 1);
        Assert.Equal(a, b);
        Assert.True(a.Lower <= a.Difference && a.Difference <= a.Upper);
        Assert.True(a.Better);
        var zero = Bootstrap.PairedDifference("ndcg@10", diffs.Select(d => d - diffs.Average()).ToArray(), 500, 0.95, 1);
        Assert.False(zero.Better);
        Assert.False(zero.Worse);
    }
}
