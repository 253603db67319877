using System.Numerics.Tensors;
using MLOps.Recommenders;

/// The softmax-over-items output both neural experiments share: logits = W x + b per user of a batch (W items × d,
/// item-major), loss −Σ_{i∈history} log softmax_i averaged over the batch. Item rows are split over two threads so each row of W
/// is read once per batch.
static class MultinomialOutput
{
    /// <summary>Adds the gradients of W and b to <paramref name="gw"/> / <paramref name="gb"/> and returns d loss / d x (batch × d).</summary>
    public static float[] Backprop(TrainingData data, int[] users, float[] w, float[] b, int d, float[] x, float[] gw, float[] gb)
    {
        int batch = users.Length, n = b.Length;
        var g = new float[batch * n];
        Parallel.For(0, 2, t =>
        {
            for (var i = t * n / 2; i < (t + 1) * n / 2; i++)
            {
                var row = w.AsSpan(i * d, d);
                for (var u = 0; u < batch; u++) g[u * n + i] = TensorPrimitives.Dot(row, x.AsSpan(u * d, d)) + b[i];
            }
        });
        // g = (n_u · softmax − history) / batch
        for (var u = 0; u < batch; u++)
        {
            var l = g.AsSpan(u * n, n);
            TensorPrimitives.Subtract(l, TensorPrimitives.Max(l), l);
            TensorPrimitives.Exp(l, l);
            var sum = TensorPrimitives.Sum(l);
            var history = data.History(users[u]);
            TensorPrimitives.Multiply(l, history.Length / sum / batch, l);
            foreach (var i in history) l[i] -= 1f / batch;
        }
        // dW[i] = Σ_u g[u,i] x_u ; dx_u = Σ_i g[u,i] W[i] (per-thread partial sums, added in a fixed order).
        var dx = new float[2][];
        Parallel.For(0, 2, t =>
        {
            var local = dx[t] = new float[batch * d];
            for (var i = t * n / 2; i < (t + 1) * n / 2; i++)
            {
                var row = w.AsSpan(i * d, d);
                var grow = gw.AsSpan(i * d, d);
                float gbi = 0;
                for (var u = 0; u < batch; u++)
                {
                    var gi = g[u * n + i];
                    gbi += gi;
                    TensorPrimitives.MultiplyAdd(x.AsSpan(u * d, d), gi, grow, grow);
                    TensorPrimitives.MultiplyAdd(row, gi, local.AsSpan(u * d, d), local.AsSpan(u * d, d));
                }
                gb[i] += gbi;
            }
        });
        TensorPrimitives.Add(dx[0], dx[1], dx[0]);
        return dx[0];
    }
}

/// Adam (Kingma & Ba) over one flat parameter array.
sealed class Adam(int n)
{
    readonly float[] _m = new float[n], _v = new float[n];

    public void Step(float[] w, float[] g, double lr, int t)
    {
        const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        var a = (float)(lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t)));
        for (var i = 0; i < w.Length; i++)
        {
            _m[i] = b1 * _m[i] + (1 - b1) * g[i];
            _v[i] = b2 * _v[i] + (1 - b2) * g[i] * g[i];
            w[i] -= a * _m[i] / (MathF.Sqrt(_v[i]) + eps);
        }
    }
}
