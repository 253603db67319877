using System.Numerics.Tensors;
using MLOps.Recommenders;

/// Mult-DAE (Liang et al. 2018): x → L2-normalise → dropout → tanh(W1 x + b1) → W2 h + b2 → softmax over items,
/// loss −Σ x_i log p_i + lam·‖W‖², Adam. Batches of users are processed item-row by item-row so each W2 row is read once per
/// batch. A throw-away experiment: a non-linear generator of another family than iALS / EASE.
public sealed class MultDae : IRecommender
{
    readonly int _n, _h;
    readonly float[] _w1, _b1, _w2, _b2; // w1: items × h (item-major), w2: items × h
    public string Kind => "multdae";
    public ItemIndex Items { get; }

    MultDae(ItemIndex items, int h)
    {
        Items = items; _n = items.Count; _h = h;
        _w1 = new float[_n * h]; _b1 = new float[h]; _w2 = new float[_n * h]; _b2 = new float[_n];
    }

    public static MultDae Train(TrainingData data, int hidden, int epochs, int batch, double lr, double lam, double keep, int seed,
        Action<int, MultDae>? everyEpoch = null)
    {
        var m = new MultDae(data.Items, hidden);
        var rng = new Random(seed);
        // Xavier-uniform weights, zero biases.
        var a = MathF.Sqrt(6f / (m._n + hidden));
        for (var i = 0; i < m._w1.Length; i++) m._w1[i] = (float)(rng.NextDouble() * 2 - 1) * a;
        for (var i = 0; i < m._w2.Length; i++) m._w2[i] = (float)(rng.NextDouble() * 2 - 1) * a;
        var users = Enumerable.Range(0, data.UserCount).Where(u => data.History(u).Length > 0).ToArray();
        var adam = new Adam[] { new(m._w1.Length), new(m._b1.Length), new(m._w2.Length), new(m._b2.Length) };
        var gw1 = new float[m._w1.Length]; var gb1 = new float[hidden]; var gw2 = new float[m._w2.Length]; var gb2 = new float[m._n];
        var step = 0;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            rng.Shuffle(users);
            for (var start = 0; start < users.Length; start += batch)
            {
                var bu = users.AsSpan(start, Math.Min(batch, users.Length - start)).ToArray();
                m.Gradients(data, bu, keep, rng, gw1, gb1, gw2, gb2);
                // L2 on weights: lam·‖W‖² → 2·lam·W (batch-mean likelihood, as the reference implementation).
                TensorPrimitives.MultiplyAdd(m._w1, (float)(2 * lam), gw1, gw1);
                TensorPrimitives.MultiplyAdd(m._w2, (float)(2 * lam), gw2, gw2);
                step++;
                adam[0].Step(m._w1, gw1, lr, step); adam[1].Step(m._b1, gb1, lr, step);
                adam[2].Step(m._w2, gw2, lr, step); adam[3].Step(m._b2, gb2, lr, step);
            }
            everyEpoch?.Invoke(epoch, m);
        }
        return m;
    }

    void Gradients(TrainingData data, int[] bu, double keep, Random rng, float[] gw1, float[] gb1, float[] gw2, float[] gb2)
    {
        int B = bu.Length, H = _h, N = _n;
        Array.Clear(gw1); Array.Clear(gb1); Array.Clear(gw2); Array.Clear(gb2);
        var hidden = new float[B * H];
        var inputs = new List<(int Item, float Value)>[B];
        for (var b = 0; b < B; b++)
        {
            var hist = data.History(bu[b]);
            var norm = 1f / MathF.Sqrt(hist.Length);
            var list = new List<(int, float)>();
            foreach (var i in hist) if (rng.NextDouble() < keep) list.Add((i, norm / (float)keep));
            inputs[b] = list;
            var hb = hidden.AsSpan(b * H, H);
            _b1.CopyTo(hb);
            foreach (var (i, v) in list) TensorPrimitives.MultiplyAdd(_w1.AsSpan(i * H, H), v, hb, hb);
            TensorPrimitives.Tanh(hb, hb);
        }
        var dh = MultinomialOutput.Backprop(data, bu, _w2, _b2, H, hidden, gw2, gb2);
        for (var b = 0; b < B; b++)
        {
            var d = dh.AsSpan(b * H, H);
            var hb = hidden.AsSpan(b * H, H);
            for (var k = 0; k < H; k++) d[k] *= 1 - hb[k] * hb[k];
            TensorPrimitives.Add(gb1, d, gb1);
            foreach (var (i, v) in inputs[b]) TensorPrimitives.MultiplyAdd(d, v, gw1.AsSpan(i * H, H), gw1.AsSpan(i * H, H));
        }
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var h = new float[_h];
        _b1.CopyTo(h);
        if (history.Length > 0)
        {
            var norm = 1f / MathF.Sqrt(history.Length);
            foreach (var i in history) TensorPrimitives.MultiplyAdd(_w1.AsSpan(i * _h, _h), norm, h, h);
        }
        TensorPrimitives.Tanh(h, h);
        for (var i = 0; i < _n; i++) scores[i] = TensorPrimitives.Dot(_w2.AsSpan(i * _h, _h), h) + _b2[i];
    }
}
