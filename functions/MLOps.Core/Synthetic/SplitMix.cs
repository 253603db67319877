namespace MLOps.Core.Synthetic;

/// <summary>SplitMix64: a tiny, fast generator whose sequence is fixed by its seed on every platform and .NET version.</summary>
public sealed class SplitMix(ulong seed)
{
    private ulong _state = seed;
    private double? _spare;

    public ulong NextULong()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) => (int)(NextDouble() * n);

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        if (_spare is { } s)
        {
            _spare = null;
            return s;
        }
        double u, v, r;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            r = u * u + v * v;
        } while (r >= 1 || r == 0);
        var f = Math.Sqrt(-2 * Math.Log(r) / r);
        _spare = v * f;
        return u * f;
    }

    /// <summary>An index drawn from cumulative weights (last element = total).</summary>
    public int Pick(double[] cumulative)
    {
        var x = NextDouble() * cumulative[^1];
        var i = Array.BinarySearch(cumulative, x);
        i = i < 0 ? ~i : i + 1;
        return Math.Min(i, cumulative.Length - 1);
    }

    public static double[] Cumulative(IEnumerable<double> weights)
    {
        var list = new List<double>();
        var total = 0.0;
        foreach (var w in weights) list.Add(total += w);
        return [.. list];
    }
}
