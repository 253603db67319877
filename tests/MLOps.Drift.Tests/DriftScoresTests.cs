using MLOps.Drift.Prediction;
using MLOps.Drift.Scores;
using MLOps.Drift.Window;

namespace MLOps.Drift.Tests;

public sealed class DriftScoresTests
{
    [Fact]
    public void Psi_WorkedExample_MatchesHandComputation()
    {
        // docs/drift.md worked example: reference shares 25/25/25/25 %, current 10/20/30/40 %.
        long[] reference = [250, 250, 250, 250];
        long[] current = [100, 200, 300, 400];
        var expected = (0.10 - 0.25) * Math.Log(0.10 / 0.25) + (0.20 - 0.25) * Math.Log(0.20 / 0.25)
            + (0.30 - 0.25) * Math.Log(0.30 / 0.25) + (0.40 - 0.25) * Math.Log(0.40 / 0.25);
        Assert.Equal(0.2282, DriftScores.Psi(reference, current), 4);
        Assert.Equal(expected, DriftScores.Psi(reference, current), 12);
    }

    [Fact]
    public void Wilson_WorkedExampleAndZeroHits_MatchHandComputation()
    {
        // docs/drift.md decay example: 84 of 400 lists hit → 0.21, 95 % [0.1729, 0.2526] (statsmodels proportion_confint, method="wilson").
        var (lower, upper) = DriftScores.Wilson(84, 400);
        Assert.Equal(0.172938, lower, 6);
        Assert.Equal(0.252579, upper, 6);
        // x = 0: the interval is [0, z²/(n + z²)].
        const double z2 = 1.959963984540054 * 1.959963984540054;
        var zero = DriftScores.Wilson(0, 10);
        Assert.Equal(0, zero.Lower, 12);
        Assert.Equal(z2 / (10 + z2), zero.Upper, 12);
        Assert.Equal((0.0, 1.0), DriftScores.Wilson(0, 0));
    }

    [Fact]
    public void ServedPopularity_WorkedExample_BandsAndPsi()
    {
        // docs/drift.md: 200 titles → bands of 2, 18, 80 and 100 titles. Title i has 200 − i reference plays (150 and above: none).
        var ids = Enumerable.Range(0, 200).Select(i => $"t{i:D3}").ToArray();
        var interactions = Enumerable.Range(0, 200).Select(i => i < 150 ? 200L - i : 0).ToArray();
        WindowAggregate Served(params (int Title, long Count)[] served)
        {
            var counts = new long[200];
            foreach (var (title, count) in served) counts[title] = count;
            return new WindowAggregate
            {
                Window = Window.DriftWindow.Days(new DateOnly(2024, 1, 1)), Hourly = new long[24], Features = new Dictionary<string, FeatureValues>(),
                TitleIds = ids, TitleInteractions = interactions, TitleServed = counts,
            };
        }
        var ranking = ServedPopularity.Rank(Served())!;
        Assert.Equal(100, ranking.Ranked.Count);
        Assert.Equal("t000", ranking.Ranked[0]);
        // Ranks 1–2 are the top 1 %, 3–20 the top 1–10 %, 21–100 the top 10–50 %; title 180 was never played: bottom 50 %.
        var reference = ServedPopularity.Served(ranking, Served((1, 100), (2, 300), (19, 100), (20, 400), (180, 100))).Categories!;
        var current = ServedPopularity.Served(ranking, Served((0, 20), (10, 80), (99, 300), (100, 100), (180, 500))).Categories!;
        Assert.Equal([100L, 400, 400, 100], ServedPopularity.Bands.Select(b => reference[b]));
        Assert.Equal([20L, 80, 300, 600], ServedPopularity.Bands.Select(b => current[b]));
        Assert.Equal(0.5, ServedPopularity.HeadShare(reference), 12);
        Assert.Equal(0.1, ServedPopularity.HeadShare(current), 12);
        long[] r = [.. ServedPopularity.Bands.Select(b => reference[b])], c = [.. ServedPopularity.Bands.Select(b => current[b])];
        Assert.Equal(1.5684, DriftScores.Psi(r, c), 4);
        Assert.Equal(0.4188, DriftScores.JensenShannon(r, c), 4);
    }

    [Fact]
    public void Psi_IdenticalDistributions_IsZero() =>
        Assert.Equal(0, DriftScores.Psi([10, 20, 30], [100, 200, 300]), 12);

    [Fact]
    public void Psi_EmptyBin_IsFlooredNotInfinite()
    {
        var psi = DriftScores.Psi([100, 0], [50, 50]);
        Assert.True(double.IsFinite(psi));
        // (0.5 − 1)·ln(0.5/1) + (0.5 − 0.0001)·ln(0.5/0.0001)
        Assert.Equal(-0.5 * Math.Log(0.5) + (0.5 - 1e-4) * Math.Log(0.5 / 1e-4), psi, 9);
    }

    [Fact]
    public void KolmogorovSmirnov_FixedSamples_StatisticAndPValue()
    {
        double[] a = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        double[] b = [0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1.05, 1.15, 1.25, 1.35];
        var (d, p) = DriftScores.KolmogorovSmirnov(a, b);
        // F_a(0.4) = 0.4, F_b(0.4) = 0 → D = 0.4 (largest gap, reached again at 0.5–0.9).
        Assert.Equal(0.4, d, 12);
        // λ = (√5 + 0.12 + 0.11/√5)·0.4 = 0.96214; Q_KS(λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²) = 0.31303
        var ne = Math.Sqrt(5.0);
        var lambda = (ne + 0.12 + 0.11 / ne) * 0.4;
        var q = 0.0;
        for (var k = 1; k <= 50; k++) q += 2 * Math.Pow(-1, k - 1) * Math.Exp(-2 * k * k * lambda * lambda);
        Assert.Equal(q, p, 6);
        Assert.Equal(0.313, p, 3);
    }

    [Fact]
    public void KolmogorovSmirnov_SameSample_IsZeroWithPOne()
    {
        double[] a = [1, 2, 2, 3, 4];
        var (d, p) = DriftScores.KolmogorovSmirnov(a, a);
        Assert.Equal(0, d);
        Assert.Equal(1, p);
    }

    [Fact]
    public void KolmogorovSmirnov_DisjointLargeSamples_PValueNearZero()
    {
        var a = Enumerable.Range(0, 500).Select(i => (double)i).ToArray();
        var b = Enumerable.Range(1000, 500).Select(i => (double)i).ToArray();
        var (d, p) = DriftScores.KolmogorovSmirnov(a, b);
        Assert.Equal(1, d);
        Assert.True(p < 1e-10);
    }

    [Fact]
    public void Wasserstein_MatchesScipyDocumentationExamples()
    {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) == 5.0
        Assert.Equal(5.0, DriftScores.Wasserstein([0, 1, 3], [5, 6, 8]), 12);
        // wasserstein_distance([0, 1], [0, 1]) == 0; a shift of every value by c moves the distance by c
        Assert.Equal(0, DriftScores.Wasserstein([0, 1], [0, 1]), 12);
        Assert.Equal(2.5, DriftScores.Wasserstein([1, 2, 3, 4], [3.5, 4.5, 5.5, 6.5]), 12);
    }

    [Fact]
    public void WassersteinNormed_DividesByReferenceStd()
    {
        double[] reference = [1, 2, 3, 4]; // population std = √1.25
        double[] current = [2, 3, 4, 5];
        Assert.Equal(1 / Math.Sqrt(1.25), DriftScores.WassersteinNormed(reference, current), 12);
    }

    [Fact]
    public void ChiSquare_KnownValue()
    {
        // Reference shares 50/30/20 %; 100 current rows observed 40/30/30 → expected 50/30/20.
        // χ² = 100/50 + 0 + 100/20 = 7; df = 2 → p = e^(−3.5) = 0.030197
        var (chi, p) = DriftScores.ChiSquare([500, 300, 200], [40, 30, 30]);
        Assert.Equal(7.0, chi, 9);
        Assert.Equal(Math.Exp(-3.5), p, 9);
    }

    [Fact]
    public void JensenShannon_KnownValues()
    {
        // Disjoint distributions: √ln 2 (natural log).
        Assert.Equal(Math.Sqrt(Math.Log(2)), DriftScores.JensenShannon([1, 0], [0, 1]), 12);
        Assert.Equal(0, DriftScores.JensenShannon([3, 7], [30, 70]), 12);
        // p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4); JS² = ½[½ln(2/3) + ½ln 2 + ln(4/3)]
        var expected = Math.Sqrt(0.5 * (0.5 * Math.Log(0.5 / 0.75) + 0.5 * Math.Log(0.5 / 0.25) + Math.Log(1 / 0.75)));
        Assert.Equal(expected, DriftScores.JensenShannon([1, 1], [1, 0]), 12);
    }

    [Fact]
    public void Bin_ValuesOnEdges_BelongToTheBinTheEdgeCloses()
    {
        var counts = DriftScores.Bin([0, 1, 1.5, 2, 3, 9], [1, 2, 3]);
        Assert.Equal([2, 2, 1, 1], counts);
    }
}
