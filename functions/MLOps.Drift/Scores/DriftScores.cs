using MathNet.Numerics.Distributions;

namespace MLOps.Drift.Scores;

/// <summary>One bin's or category's share in reference and current, and its term of the PSI sum.</summary>
public sealed record BinContribution(string Bin, double Reference, double Current, double Contribution);

/// <summary>
/// The drift scores of docs/drift.md, each a pure function of counts or samples so it can be checked by hand.
/// Shares below <see cref="Epsilon"/> are floored to it (as Evidently does) so empty bins do not give infinities.
/// </summary>
public static class DriftScores
{
    public const double Epsilon = 1e-4;
    private const double Z95 = 1.959963984540054;

    /// <summary>
    /// Wilson score interval (95 %) of the proportion x/n: centre (p + z²/2n)/(1 + z²/n), half-width
    /// z·√(p(1−p)/n + z²/4n²)/(1 + z²/n). Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and is honest for small n.
    /// </summary>
    public static (double Lower, double Upper) Wilson(long x, long n)
    {
        if (n <= 0) return (0, 1);
        var p = (double)x / n;
        var z2 = Z95 * Z95;
        var centre = (p + z2 / (2.0 * n)) / (1 + z2 / n);
        var half = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Population stability index: Σ (c − r) · ln(c / r) over bins, with shares floored at ε.</summary>
    public static double Psi(ReadOnlySpan<long> reference, ReadOnlySpan<long> current) => Psi(reference, current, null);

    public static double Psi(ReadOnlySpan<long> reference, ReadOnlySpan<long> current, IReadOnlyList<string>? labels, List<BinContribution>? contributions = null)
    {
        if (reference.Length != current.Length) throw new ArgumentException("PSI needs the same bins on both sides.");
        double refTotal = Sum(reference), curTotal = Sum(current);
        if (refTotal == 0 || curTotal == 0) return 0;
        var psi = 0.0;
        for (var i = 0; i < reference.Length; i++)
        {
            var r = Math.Max(reference[i] / refTotal, Epsilon);
            var c = Math.Max(current[i] / curTotal, Epsilon);
            var term = (c - r) * Math.Log(c / r);
            psi += term;
            contributions?.Add(new BinContribution(labels?[i] ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture), reference[i] / refTotal, current[i] / curTotal, term));
        }
        return psi;
    }

    /// <summary>Jensen–Shannon distance (natural log, as scipy.spatial.distance.jensenshannon): √((KL(p‖m) + KL(q‖m)) / 2), m = (p + q) / 2; 0 … √ln 2.</summary>
    public static double JensenShannon(ReadOnlySpan<long> reference, ReadOnlySpan<long> current)
    {
        double refTotal = Sum(reference), curTotal = Sum(current);
        if (refTotal == 0 || curTotal == 0) return 0;
        var js = 0.0;
        for (var i = 0; i < reference.Length; i++)
        {
            var p = reference[i] / refTotal;
            var q = current[i] / curTotal;
            var m = (p + q) / 2;
            if (p > 0) js += p * Math.Log(p / m);
            if (q > 0) js += q * Math.Log(q / m);
        }
        return Math.Sqrt(Math.Max(js / 2, 0));
    }

    /// <summary>
    /// Pearson chi-square goodness of fit of the current counts to the reference shares: expected = share · n_current
    /// (share floored at ε), df = categories − 1; returns the statistic and its p-value.
    /// </summary>
    public static (double Statistic, double PValue) ChiSquare(ReadOnlySpan<long> reference, ReadOnlySpan<long> current)
    {
        double refTotal = Sum(reference), curTotal = Sum(current);
        if (refTotal == 0 || curTotal == 0 || reference.Length < 2) return (0, 1);
        var statistic = 0.0;
        for (var i = 0; i < reference.Length; i++)
        {
            var expected = Math.Max(reference[i] / refTotal, Epsilon) * curTotal;
            var diff = current[i] - expected;
            statistic += diff * diff / expected;
        }
        var p = 1 - ChiSquared.CDF(reference.Length - 1, statistic);
        return (statistic, Math.Clamp(p, 0, 1));
    }

    /// <summary>
    /// Two-sample Kolmogorov–Smirnov: D = sup |F_ref(x) − F_cur(x)| over both sorted samples, and the asymptotic
    /// p-value Q_KS(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²), λ = (√nₑ + 0.12 + 0.11/√nₑ) · D, nₑ = n·m/(n+m) (Stephens 1970).
    /// </summary>
    public static (double Statistic, double PValue) KolmogorovSmirnov(ReadOnlySpan<double> sortedReference, ReadOnlySpan<double> sortedCurrent)
    {
        int n = sortedReference.Length, m = sortedCurrent.Length;
        if (n == 0 || m == 0) return (0, 1);
        int i = 0, j = 0;
        var d = 0.0;
        while (i < n && j < m)
        {
            var x = Math.Min(sortedReference[i], sortedCurrent[j]);
            while (i < n && sortedReference[i] <= x) i++;
            while (j < m && sortedCurrent[j] <= x) j++;
            d = Math.Max(d, Math.Abs((double)i / n - (double)j / m));
        }
        var ne = (double)n * m / (n + m);
        return (d, KolmogorovQ((Math.Sqrt(ne) + 0.12 + 0.11 / Math.Sqrt(ne)) * d));
    }

    /// <summary>The Kolmogorov distribution's survival function Q_KS(λ) (Numerical Recipes' probks: 1 when the series does not converge, i.e. λ → 0).</summary>
    public static double KolmogorovQ(double lambda)
    {
        double fac = 2, sum = 0, previous = 0, a2 = -2 * lambda * lambda;
        for (var k = 1; k <= 100; k++)
        {
            var term = fac * Math.Exp(a2 * k * k);
            sum += term;
            if (Math.Abs(term) <= 0.001 * previous || Math.Abs(term) <= 1e-8 * sum) return Math.Clamp(sum, 0, 1);
            fac = -fac;
            previous = Math.Abs(term);
        }
        return 1;
    }

    /// <summary>First Wasserstein distance between two empirical distributions: ∫ |F_ref(x) − F_cur(x)| dx (scipy.stats.wasserstein_distance).</summary>
    public static double Wasserstein(ReadOnlySpan<double> sortedReference, ReadOnlySpan<double> sortedCurrent)
    {
        int n = sortedReference.Length, m = sortedCurrent.Length;
        if (n == 0 || m == 0) return 0;
        int i = 0, j = 0;
        var x = Math.Min(sortedReference[0], sortedCurrent[0]);
        var area = 0.0;
        while (i < n || j < m)
        {
            var next = j >= m || (i < n && sortedReference[i] <= sortedCurrent[j]) ? sortedReference[i] : sortedCurrent[j];
            area += Math.Abs((double)i / n - (double)j / m) * (next - x);
            x = next;
            while (i < n && sortedReference[i] <= x) i++;
            while (j < m && sortedCurrent[j] <= x) j++;
        }
        return area;
    }

    /// <summary>Wasserstein distance divided by the reference's (population) standard deviation, floored at 0.001 (Evidently's "wasserstein normed").</summary>
    public static double WassersteinNormed(ReadOnlySpan<double> sortedReference, ReadOnlySpan<double> sortedCurrent)
    {
        if (sortedReference.Length == 0) return 0;
        var mean = 0.0;
        foreach (var v in sortedReference) mean += v;
        mean /= sortedReference.Length;
        var variance = 0.0;
        foreach (var v in sortedReference) variance += (v - mean) * (v - mean);
        var std = Math.Max(Math.Sqrt(variance / sortedReference.Length), 0.001);
        return Wasserstein(sortedReference, sortedCurrent) / std;
    }

    /// <summary>Counts of values per bin with interior <paramref name="edges"/>: (−∞, e₀], (e₀, e₁], …, (e_last, +∞). Values need not be sorted.</summary>
    public static long[] Bin(ReadOnlySpan<double> values, double[] edges)
    {
        var counts = new long[edges.Length + 1];
        foreach (var v in values)
        {
            var index = Array.BinarySearch(edges, v);
            // exact hit on an edge belongs to the bin the edge closes; otherwise the insertion point is the bin
            counts[index >= 0 ? FirstEqual(edges, index) : ~index]++;
        }
        return counts;
    }

    private static int FirstEqual(double[] edges, int index)
    {
        while (index > 0 && edges[index - 1] == edges[index]) index--;
        return index;
    }

    private static double Sum(ReadOnlySpan<long> counts)
    {
        long total = 0;
        foreach (var c in counts) total += c;
        return total;
    }
}
