namespace MLOps.Recommenders.Models;

/// <summary>
/// The neural tangent kernel between binary rows (users' histories) for <see cref="InfiniteAutoencoder"/>: the basis users'
/// histories (CSR), their inverted lists (item → basis users) and the recursion Θ(overlap, |x|, |y|) through `depth` ReLU
/// layers, NTK parameterisation with σ_w² = 2 and σ_b = 0.1 (the ∞-AE authors' FullyConnectedNetwork).
/// </summary>
internal sealed class NeuralTangentKernel
{
    public const int MaxDepth = 16;

    /// <summary>A depth is a whole number of hidden layers, 1..MaxDepth (NaN and fractions are not).</summary>
    public static bool IsValidDepth(double depth) => depth >= 1 && depth <= MaxDepth && depth == Math.Floor(depth);
    private const double WeightVariance = 2, BiasVariance = 0.01;

    private readonly int[] _itemOffsets;
    private readonly int[] _itemUsers;
    private readonly double[] _variance; // Σ₁(x_v, x_v) of each basis user
    private readonly int _depth;

    public NeuralTangentKernel(int[] offsets, int[] items, int inputs, int depth)
    {
        if (offsets.Length == 0 || offsets[0] != 0 || offsets[^1] != items.Length || items.Any(i => (uint)i >= (uint)inputs)
            || offsets.Zip(offsets.Skip(1)).Any(p => p.First > p.Second))
            throw new InvalidDataException("∞-AE basis histories do not match the item index.");
        Offsets = offsets;
        Items = items;
        Inputs = inputs;
        _depth = depth;
        _itemOffsets = new int[inputs + 1];
        foreach (var i in items) _itemOffsets[i + 1]++;
        for (var i = 0; i < inputs; i++) _itemOffsets[i + 1] += _itemOffsets[i];
        _itemUsers = new int[items.Length];
        var next = _itemOffsets[..^1];
        for (var v = 0; v < Users; v++)
            for (var k = offsets[v]; k < offsets[v + 1]; k++) _itemUsers[next[items[k]]++] = v;
        _variance = new double[Users];
        for (var v = 0; v < Users; v++) _variance[v] = InputVariance(offsets[v + 1] - offsets[v]);
    }

    public int[] Offsets { get; }
    public int[] Items { get; }
    public int Inputs { get; }
    public int Users => Offsets.Length - 1;

    public ReadOnlySpan<int> History(int user) => Items.AsSpan(Offsets[user], Offsets[user + 1] - Offsets[user]);
    public ReadOnlySpan<int> UsersOf(int item) => _itemUsers.AsSpan(_itemOffsets[item], _itemOffsets[item + 1] - _itemOffsets[item]);
    public double Variance(int user) => _variance[user];

    /// <summary>overlap[v] = |history ∩ basis user v|; returns |history| counting only items of the index (the others are ignored,
    /// in the overlaps and in the history's own length alike).</summary>
    public int CountOverlaps(ReadOnlySpan<int> history, int[] overlap)
    {
        Array.Clear(overlap, 0, Users);
        var length = 0;
        foreach (var i in history)
        {
            if ((uint)i >= (uint)Inputs) continue;
            length++;
            for (var k = _itemOffsets[i]; k < _itemOffsets[i + 1]; k++) overlap[_itemUsers[k]]++;
        }
        return length;
    }

    public double InputVariance(int overlap) => InputKernel(overlap, Inputs);

    public double Ntk(int overlap, double varianceX, double varianceY) => Recurse(InputKernel(overlap, Inputs), varianceX, varianceY, _depth);

    public static double Ntk(int overlap, int lengthX, int lengthY, int inputs, int depth) =>
        Recurse(InputKernel(overlap, inputs), InputKernel(lengthX, inputs), InputKernel(lengthY, inputs), depth);

    // First layer: Σ₁(x, y) = σ_w²·(x·y)/d + σ_b²; for binary x, y the dot product is their overlap.
    private static double InputKernel(int overlap, int inputs) => WeightVariance * overlap / Math.Max(1, inputs) + BiasVariance;

    // Jacot et al. 2018, with the arc-cosine kernels of degree 1 (for Σ) and 0 (for its derivative):
    // Σₗ₊₁ = σ_w²·E[relu(u)relu(v)] + σ_b², Θₗ₊₁ = Σₗ₊₁ + σ_w²·E[relu′(u)relu′(v)]·Θₗ with (u, v) ~ N(0, Σₗ).
    private static double Recurse(double sigma, double varianceX, double varianceY, int depth)
    {
        var ntk = sigma;
        for (var l = 0; l < depth; l++)
        {
            var norm = Math.Sqrt(varianceX * varianceY);
            var cosine = Math.Clamp(sigma / norm, -1, 1);
            var angle = Math.Acos(cosine);
            var next = WeightVariance * norm / (2 * Math.PI) * (Math.Sin(angle) + (Math.PI - angle) * cosine) + BiasVariance;
            ntk = next + WeightVariance * (Math.PI - angle) / (2 * Math.PI) * ntk;
            sigma = next;
            varianceX = WeightVariance * varianceX / 2 + BiasVariance;
            varianceY = WeightVariance * varianceY / 2 + BiasVariance;
        }
        return ntk;
    }
}
