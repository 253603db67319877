namespace MLOps.Features.Statistics;

/// <summary>
/// Accumulates one feature's values in one pass and produces <see cref="FeatureStatistics"/>.
/// Numeric values are kept (doubles) to compute exact quantiles; datasets here are millions of rows at most.
/// Pass <paramref name="referenceEdges"/> to bin a current window on the reference's edges (what PSI needs).
/// </summary>
public sealed class FeatureStatisticsBuilder(string name, FeatureKind kind, int sampleSize = 2000, int seed = 42, double[]? referenceEdges = null)
{
    private readonly List<double> _values = [];
    private readonly Dictionary<string, long> _categories = new(StringComparer.Ordinal);
    private long _nulls;

    public string Name => name;

    public void AddNumeric(double? value)
    {
        if (value is null || double.IsNaN(value.Value)) { _nulls++; return; }
        _values.Add(value.Value);
    }

    /// <summary>Many values at once (NaN counts as null, as in <see cref="AddNumeric"/>): the large columns, without a call per value.</summary>
    public void AddNumerics(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
            if (double.IsNaN(v))
            {
                foreach (var x in values) AddNumeric(x);
                return;
            }
        _values.AddRange(values);
    }

    public void AddCategory(string? value) => AddCategory(value, 1);

    /// <summary><paramref name="count"/> occurrences of one category (a column counted by index first).</summary>
    public void AddCategory(string? value, long count)
    {
        if (count == 0) return;
        if (string.IsNullOrEmpty(value)) { _nulls += count; return; }
        _categories[value] = _categories.GetValueOrDefault(value) + count;
    }

    public FeatureStatistics Build()
    {
        if (kind == FeatureKind.Categorical)
            return new FeatureStatistics
            {
                Name = name, Kind = kind, Count = _categories.Values.Sum() + _nulls, Nulls = _nulls,
                Categories = new Dictionary<string, long>(_categories.OrderBy(c => c.Key, StringComparer.Ordinal)),
            };

        var sorted = _values.ToArray();
        DoubleRadixSort.Sort(sorted);
        var n = sorted.Length;
        if (n == 0) return new FeatureStatistics { Name = name, Kind = kind, Count = _nulls, Nulls = _nulls };
        var mean = sorted.Average();
        var squares = 0.0; // summed in sorted order, as before, so stored references keep their bits
        foreach (var v in sorted) squares += (v - mean) * (v - mean);
        var variance = squares / n;
        var quantiles = Enumerable.Range(0, 11).Select(i => Quantile(sorted, i / 10.0)).ToArray();
        var edges = referenceEdges ?? quantiles[1..^1].Distinct().ToArray();
        return new FeatureStatistics
        {
            Name = name, Kind = kind, Count = n + _nulls, Nulls = _nulls,
            Mean = mean, StdDev = Math.Sqrt(variance), Min = sorted[0], Max = sorted[^1],
            Quantiles = quantiles, BinEdges = edges, BinCounts = Bin(sorted, edges), Sample = Reservoir(),
        };
    }

    /// <summary>Counts of sorted values per bin: (-inf, e0], (e0, e1], …, (e_last, +inf).</summary>
    public static long[] Bin(IReadOnlyList<double> sorted, double[] edges)
    {
        var counts = new long[edges.Length + 1];
        var bin = 0;
        foreach (var v in sorted)
        {
            while (bin < edges.Length && v > edges[bin]) bin++;
            counts[bin]++;
        }
        return counts;
    }

    /// <summary>Linear-interpolated quantile (numpy's default) of sorted values.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }

    // Algorithm R over insertion order, so the same input and seed always give the same sample.
    private double[] Reservoir()
    {
        if (_values.Count <= sampleSize) return [.. _values];
        var random = new Random(seed);
        var sample = _values.Take(sampleSize).ToArray();
        for (var i = sampleSize; i < _values.Count; i++)
        {
            var j = random.Next(i + 1);
            if (j < sampleSize) sample[j] = _values[i];
        }
        return sample;
    }
}
