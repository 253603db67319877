using MLOps.Recommenders;
using MLOps.Recommenders.Models;

/// ∞-AE with EASE's normalisation carried over: inputs scaled by D^-β (weighted overlaps Σ d_i^-2β, rescaled to the mean
/// weight of an interaction so the kernel's scale stays comparable) and each user weighted |history|^-w in the ridge loss:
/// α = (K + λ·mean(diag K)·W⁻¹)⁻¹ X with W = diag(w_u) normalised to mean 1. Depth 1, all users as the basis.
public sealed class WeightedInfAe : IRecommender
{
    const double Sw = 2, Sb = 0.01;
    readonly TrainingData _data; readonly double[] _itemWeight; readonly int[][] _hist; readonly double[] _var, _len; readonly float[] _alpha; readonly List<int>[] _usersOf;
    readonly int _n, _u;
    public string Kind => "winfae";
    public ItemIndex Items => _data.Items;

    /// Kernel: 0 = NTK (depth 1); g < 0 = linear (the weighted overlap: a user-side ridge / DLAE); g > 0 = exp(g · cosine) over the weighted rows (a PSD kernel: the exponential of a PSD one).
    public static double Gamma;

    public WeightedInfAe(TrainingData data, double lambda, double beta, double w)
    {
        _data = data; _n = data.ItemCount; _u = data.UserCount;
        var counts = data.ItemCounts.ToArray();
        _itemWeight = counts.Select(c => c > 0 ? Math.Pow(c, -2 * beta) : 0).ToArray();
        double total = 0, mass = 0; for (var i = 0; i < _n; i++) { total += _itemWeight[i] * counts[i]; mass += counts[i]; }
        var norm = mass / total; for (var i = 0; i < _n; i++) _itemWeight[i] *= norm;
        _hist = Enumerable.Range(0, _u).Select(u => data.History(u).ToArray()).ToArray();
        _usersOf = Enumerable.Range(0, _n).Select(_ => new List<int>()).ToArray();
        for (var u = 0; u < _u; u++) foreach (var i in _hist[u]) _usersOf[i].Add(u);
        _len = _hist.Select(h => h.Sum(i => _itemWeight[i])).ToArray();
        _var = _len.Select(Input).ToArray();
        var k = new double[_u * _u];
        Parallel.For(0, _u, a =>
        {
            var ov = Overlaps(_hist[a]);
            for (var b = 0; b < _u; b++) k[a * _u + b] = Kern(ov[b], _len[a], _len[b]);
        });
        var uw = _hist.Select(h => h.Length > 0 ? Math.Pow(h.Length, -w) : 0).ToArray();
        var meanW = uw.Where(x => x > 0).Average();
        double trace = 0; for (var a = 0; a < _u; a++) trace += k[a * _u + a];
        for (var a = 0; a < _u; a++) k[a * _u + a] += lambda * trace / _u * (uw[a] > 0 ? meanW / uw[a] : 1);
        var inv = CholeskyInverse.Invert(k, _u);
        _alpha = new float[_u * _n];
        Parallel.For(0, _u, a => { for (var i = 0; i < _n; i++) { double s = 0; foreach (var b in _usersOf[i]) s += inv[a * _u + b]; _alpha[a * _n + i] = (float)s; } });
    }

    double[] Overlaps(ReadOnlySpan<int> h)
    {
        var ov = new double[_u];
        foreach (var i in h) foreach (var b in _usersOf[i]) ov[b] += _itemWeight[i];
        return ov;
    }
    double Input(double dot) => Sw * dot / _n + Sb;
    double Kern(double dot, double lx, double ly) => Gamma < 0 ? dot : Gamma > 0
        ? (lx > 0 && ly > 0 ? Math.Exp(Gamma * (dot / Math.Sqrt(lx * ly) - 1)) : 0)
        : Ntk(Input(dot), Input(lx), Input(ly));
    static double Ntk(double sigma, double vx, double vy)
    {
        var normv = Math.Sqrt(vx * vy); var cos = Math.Clamp(sigma / normv, -1, 1); var ang = Math.Acos(cos);
        var next = Sw * normv / (2 * Math.PI) * (Math.Sin(ang) + (Math.PI - ang) * cos) + Sb;
        return next + Sw * (Math.PI - ang) / (2 * Math.PI) * sigma;
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var ov = Overlaps(history);
        double len = 0; foreach (var i in history) len += _itemWeight[i];
        scores.Clear();
        for (var b = 0; b < _u; b++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_alpha.AsSpan(b * _n, _n), (float)Kern(ov[b], len, _len[b]), scores, scores);
    }
}
