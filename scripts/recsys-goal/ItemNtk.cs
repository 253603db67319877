using MLOps.Recommenders;
using MLOps.Recommenders.Models;

/// ∞-AE transposed: items are the samples (their user columns the inputs), B = Θ(Θ + λ·mean(diag Θ)·I)⁻¹ over items,
/// scores = x·B — an item-item model whose similarity is the NTK of two items' user sets (linear kernel: ridge regression,
/// EASE without its zero diagonal).
public sealed class ItemNtk : IRecommender
{
    readonly float[] _b; readonly int _n;
    public string Kind => "itemntk";
    public ItemIndex Items { get; }
    public ItemNtk(TrainingData data, double reg, int depth)
    {
        Items = data.Items; _n = data.ItemCount; var n = _n; var users = data.UserCount;
        var g = new int[n * n];
        for (var u = 0; u < users; u++) { var h = data.History(u); foreach (var a in h) foreach (var b in h) g[a * n + b]++; }
        var k = new double[n * n];
        for (var a = 0; a < n; a++) for (var b = 0; b < n; b++) k[a * n + b] = InfiniteAutoencoder.Kernel(g[a * n + b], g[a * n + a], g[b * n + b], users, depth);
        double trace = 0; for (var a = 0; a < n; a++) trace += k[a * n + a];
        var kk = (double[])k.Clone();
        var ridge = Environment.GetEnvironmentVariable("ABS_REG") == "1" ? reg * 2.0 / users : reg * trace / n;
        for (var a = 0; a < n; a++) kk[a * n + a] += ridge;
        var inv = CholeskyInverse.Invert(kk, n);
        // B = K·(K+λI)⁻¹ = I − λ'(K+λ'I)⁻¹; the diagonal never ranks an unseen item, so B = −λ'·inv off the diagonal.
        _b = new float[n * n];
        for (var a = 0; a < n; a++) for (var b = 0; b < n; b++) _b[a * n + b] = a == b ? 0 : (float)(-inv[a * n + b]);
    }
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        foreach (var h in history) for (var j = 0; j < _n; j++) scores[j] += _b[h * _n + j];
    }
}
