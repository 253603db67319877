using MathNet.Numerics.LinearAlgebra;
using MLOps.Recommenders;
using MLOps.Recommenders.Models;

/// Item-item linear scorers for experiments: score = Σ_{h ∈ history} W[h, ·].
public sealed class LinearItem(TrainingData data, float[] w, string kind) : IRecommender
{
    public string Kind => kind;
    public ItemIndex Items => data.Items;
    /// The item-item weights (row-major n × n, row = history item), for runner kinds that build on them (`twohop`).
    public float[] Weights => w;
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var n = data.ItemCount; scores.Clear();
        foreach (var h in history) System.Numerics.Tensors.TensorPrimitives.Add(scores, w.AsSpan(h * n, n), scores);
    }

    static double[] Gram(TrainingData d, double userPower, out double[] itemDeg)
    {
        var n = d.ItemCount; var g = new double[n * n]; itemDeg = new double[n];
        for (var u = 0; u < d.UserCount; u++)
        {
            var h = d.History(u).ToArray(); if (h.Length == 0) continue;
            var wu = Math.Pow(h.Length, -userPower);
            foreach (var a in h) { itemDeg[a] += wu; foreach (var b in h) g[a * n + b] += wu; }
        }
        return g;
    }

    /// GF-CF (Shen et al. 2021): normalized item-item R̃ᵀR̃ plus α × ideal low-pass over the top `rank` eigenvectors.
    public static LinearItem GfCf(TrainingData d, double alpha, int rank)
    {
        var n = d.ItemCount;
        // R̃ = D_U^{-1/2} R D_I^{-1/2}; R̃ᵀR̃ = D_I^{-1/2} Rᵀ D_U^{-1} R D_I^{-1/2}
        var g = Gram(d, 1, out _);
        var deg = d.ItemCounts.ToArray().Select(c => (double)c).ToArray();
        var p = new double[n * n];
        for (var a = 0; a < n; a++) for (var b = 0; b < n; b++) p[a * n + b] = deg[a] > 0 && deg[b] > 0 ? g[a * n + b] / Math.Sqrt(deg[a] * deg[b]) : 0;
        var w = new float[n * n];
        for (var k = 0; k < w.Length; k++) w[k] = (float)p[k];
        if (alpha != 0)
        {
            var m = Matrix<double>.Build.Dense(n, n, (i, j) => p[i * n + j]);
            var evd = m.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            var vecs = evd.EigenVectors; // ascending eigenvalues
            for (var a = 0; a < n; a++)
            {
                if (deg[a] == 0) continue;
                for (var b = 0; b < n; b++)
                {
                    if (deg[b] == 0) continue;
                    double s = 0; for (var k = n - rank; k < n; k++) s += vecs[a, k] * vecs[b, k];
                    w[a * n + b] += (float)(alpha * s * Math.Pow(deg[a], -0.5) * Math.Pow(deg[b], 0.5));
                }
            }
        }
        return new LinearItem(d, w, "gfcf");
    }

    /// EASE on user-weighted rows (each user's row × |history|^-userPower/2, so the Gram counts |h|^-userPower) with item
    /// degree normalisation D^-beta on both sides before the solve, undone after.
    public static LinearItem NormEase(TrainingData d, double lambda, double userPower, double beta)
    {
        var n = d.ItemCount;
        var g = Gram(d, userPower, out var ideg);
        var deg = d.ItemCounts.ToArray().Select(c => Math.Max(1.0, c)).ToArray();
        var scale = deg.Select(x => Math.Pow(x, -beta)).ToArray();
        for (var a = 0; a < n; a++) for (var b = 0; b < n; b++) g[a * n + b] *= scale[a] * scale[b];
        var meanDiag = Enumerable.Range(0, n).Average(i => g[i * n + i]);
        for (var a = 0; a < n; a++) g[a * n + a] += lambda * meanDiag;
        var pinv = CholeskyInverse.Invert(g, n);
        var w = new float[n * n];
        for (var a = 0; a < n; a++) for (var b = 0; b < n; b++)
            w[a * n + b] = a == b ? 0 : (float)(-pinv[a * n + b] / pinv[b * n + b] * scale[a] / scale[b]);
        return new LinearItem(d, w, "nease");
    }
}
