namespace MLOps.Recommenders.Models;

/// <summary>A per-thread dense accumulator with a touched list: sparse row sums in O(touched) without hashing.</summary>
internal sealed class Accumulator
{
    [ThreadStatic] private static Accumulator? t_current;

    private float[] _values = [];
    private bool[] _seen = [];
    private readonly List<int> _touched = [];

    public static Accumulator For(int size)
    {
        var acc = t_current ??= new Accumulator();
        if (acc._values.Length < size)
        {
            acc._values = new float[size];
            acc._seen = new bool[size];
        }
        return acc;
    }

    public void Add(int index, float value)
    {
        if (!_seen[index]) { _seen[index] = true; _touched.Add(index); }
        _values[index] += value;
    }

    /// <summary>The touched indices in first-touch order with their sums; resets the accumulator.</summary>
    public (int[] Indices, float[] Values) Drain()
    {
        var indices = _touched.ToArray();
        var values = new float[indices.Length];
        for (var t = 0; t < indices.Length; t++)
        {
            values[t] = _values[indices[t]];
            _values[indices[t]] = 0;
            _seen[indices[t]] = false;
        }
        _touched.Clear();
        return (indices, values);
    }
}
