using MathNet.Numerics.LinearAlgebra;
using MLOps.Recommenders;

/// Minimal double-precision EASE (Steck 2019) through MathNet's dense inverse: G = XᵀX + λI, P = G⁻¹, B = I − P·diag(1/diag P).
/// A reference for the product's float32 Cholesky EASE.
public sealed class EaseReference : IRecommender
{
    readonly Matrix<double> _b;
    public string Kind => "ease-ref";
    public ItemIndex Items { get; }

    public EaseReference(TrainingData data, double lambda = 500)
    {
        Items = data.Items;
        var n = data.ItemCount;
        var g = Matrix<double>.Build.Dense(n, n);
        for (var u = 0; u < data.UserCount; u++)
        {
            var h = data.History(u);
            foreach (var a in h) foreach (var b in h) g[a, b] += 1;
        }
        for (var i = 0; i < n; i++) g[i, i] += lambda;
        var p = g.Inverse();
        _b = Matrix<double>.Build.Dense(n, n, (i, j) => i == j ? 0 : -p[i, j] / p[j, j]);
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        foreach (var i in history) for (var j = 0; j < scores.Length; j++) scores[j] += (float)_b[i, j];
    }
}
