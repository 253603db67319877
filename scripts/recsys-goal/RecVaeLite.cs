using System.Numerics.Tensors;
using MLOps.Recommenders;

/// RecVAE's training scheme (Shenbin et al. 2020) on a Mult-VAE network: encoder x → L2-normalise → dropout → tanh(W1 x + b1)
/// → (μ, log σ²), decoder z → Wd z + bd → softmax over items. Loss: −Σ x log softmax + γ·|x|·KL(q(z|x) ‖ p(z)), the KL estimated
/// at the sampled z with RecVAE's per-dimension composite prior p = 3/20 N(0, 1) + 3/4 q_old(z|x) + 1/10 N(0, e^10), q_old being
/// the encoder of the previous epoch. Alternating updates: `encoderPasses` passes over the users updating the encoder (dropout),
/// then the prior's copy, then one pass updating the decoder (no dropout). Adam per part. A throw-away experiment.
public sealed class RecVaeLite : IRecommender
{
    readonly int _n, _h, _z;
    float[] _w1, _b1, _wm, _bm, _wv, _bv; // encoder: w1 items × h (item-major), wm/wv z × h
    float[] _o1, _ob1, _owm, _obm, _owv, _obv; // previous epoch's encoder (composite prior)
    readonly float[] _wd, _bd; // decoder: items × z
    public string Kind => "recvae";
    public ItemIndex Items { get; }

    RecVaeLite(ItemIndex items, int h, int z)
    {
        Items = items; _n = items.Count; _h = h; _z = z;
        _w1 = new float[_n * h]; _b1 = new float[h]; _wm = new float[z * h]; _bm = new float[z]; _wv = new float[z * h]; _bv = new float[z];
        _wd = new float[_n * z]; _bd = new float[_n];
        _o1 = []; _ob1 = []; _owm = []; _obm = []; _owv = []; _obv = [];
    }

    public static RecVaeLite Train(TrainingData data, int hidden, int latent, int epochs, int encoderPasses, int batch, double lr, double gamma,
        double keep, bool composite, int seed, Action<int, RecVaeLite>? everyEpoch = null)
    {
        var m = new RecVaeLite(data.Items, hidden, latent);
        var rng = new Random(seed);
        void Init(float[] w, int fanIn, int fanOut) { var a = MathF.Sqrt(6f / (fanIn + fanOut)); for (var i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * a; }
        Init(m._w1, m._n, hidden); Init(m._wm, hidden, latent); Init(m._wv, hidden, latent); Init(m._wd, latent, m._n);
        m.CopyPrior();
        var users = Enumerable.Range(0, data.UserCount).Where(u => data.History(u).Length > 0).ToArray();
        var encoder = new[] { m._w1, m._b1, m._wm, m._bm, m._wv, m._bv };
        var decoder = new[] { m._wd, m._bd };
        var encAdam = encoder.Select(p => new Adam(p.Length)).ToArray();
        var decAdam = decoder.Select(p => new Adam(p.Length)).ToArray();
        var encGrad = encoder.Select(p => new float[p.Length]).ToArray();
        var decGrad = decoder.Select(p => new float[p.Length]).ToArray();
        int encStep = 0, decStep = 0;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            for (var pass = 0; pass < encoderPasses; pass++)
            {
                rng.Shuffle(users);
                for (var s = 0; s < users.Length; s += batch)
                {
                    m.Gradients(data, users.AsSpan(s, Math.Min(batch, users.Length - s)).ToArray(), keep, gamma, composite, rng, encGrad, decGrad);
                    encStep++;
                    for (var k = 0; k < encoder.Length; k++) encAdam[k].Step(encoder[k], encGrad[k], lr, encStep);
                }
            }
            m.CopyPrior();
            rng.Shuffle(users);
            for (var s = 0; s < users.Length; s += batch)
            {
                m.Gradients(data, users.AsSpan(s, Math.Min(batch, users.Length - s)).ToArray(), 1.0, gamma, composite, rng, encGrad, decGrad);
                decStep++;
                for (var k = 0; k < decoder.Length; k++) decAdam[k].Step(decoder[k], decGrad[k], lr, decStep);
            }
            everyEpoch?.Invoke(epoch, m);
        }
        return m;
    }

    void CopyPrior()
    {
        _o1 = (float[])_w1.Clone(); _ob1 = (float[])_b1.Clone(); _owm = (float[])_wm.Clone(); _obm = (float[])_bm.Clone(); _owv = (float[])_wv.Clone(); _obv = (float[])_bv.Clone();
    }

    /// <summary>Encoder forward for one input: returns h (tanh) and fills mu, logvar.</summary>
    void Encode(float[] w1, float[] b1, float[] wm, float[] bm, float[] wv, float[] bv, List<(int Item, float Value)> input, Span<float> h, Span<float> mu, Span<float> lv)
    {
        b1.CopyTo(h);
        foreach (var (i, v) in input) TensorPrimitives.MultiplyAdd(w1.AsSpan(i * _h, _h), v, h, h);
        TensorPrimitives.Tanh(h, h);
        for (var d = 0; d < _z; d++)
        {
            mu[d] = TensorPrimitives.Dot(wm.AsSpan(d * _h, _h), h) + bm[d];
            lv[d] = TensorPrimitives.Dot(wv.AsSpan(d * _h, _h), h) + bv[d];
        }
    }

    static readonly double[] LogWeights = [Math.Log(3.0 / 20), Math.Log(3.0 / 4), Math.Log(1.0 / 10)];

    void Gradients(TrainingData data, int[] bu, double keep, double gamma, bool composite, Random rng, float[][] encGrad, float[][] decGrad)
    {
        int B = bu.Length, H = _h, Z = _z, N = _n;
        foreach (var g in encGrad) Array.Clear(g);
        foreach (var g in decGrad) Array.Clear(g);
        var hidden = new float[B * H]; var mu = new float[B * Z]; var lv = new float[B * Z]; var eps = new float[B * Z]; var z = new float[B * Z];
        var inputs = new List<(int, float)>[B];
        var klw = new float[B];
        var dz = new float[B * Z];
        var dmu = new float[B * Z]; var dlv = new float[B * Z];
        for (var b = 0; b < B; b++)
        {
            var hist = data.History(bu[b]);
            var norm = 1f / MathF.Sqrt(hist.Length);
            var list = new List<(int, float)>();
            foreach (var i in hist) if (keep >= 1 || rng.NextDouble() < keep) list.Add((i, norm / (float)keep));
            inputs[b] = list;
            Encode(_w1, _b1, _wm, _bm, _wv, _bv, list, hidden.AsSpan(b * H, H), mu.AsSpan(b * Z, Z), lv.AsSpan(b * Z, Z));
            for (var d = 0; d < Z; d++)
            {
                var e = (float)Gaussian(rng);
                eps[b * Z + d] = e;
                z[b * Z + d] = mu[b * Z + d] + MathF.Exp(0.5f * lv[b * Z + d]) * e;
            }
            klw[b] = (float)(gamma * hist.Length / B);
            // KL at the sample: log q(z) − log p(z) per dimension; d/dlv of log q is −1/2 (the ε² term is fixed by ε).
            float[] omu = new float[Z], olv = new float[Z];
            if (composite)
            {
                var full = new List<(int, float)>(hist.Length);
                foreach (var i in hist) full.Add((i, norm));
                var ohArr = new float[H];
                Encode(_o1, _ob1, _owm, _obm, _owv, _obv, full, ohArr, omu, olv);
            }
            for (var d = 0; d < Z; d++)
            {
                var zz = (double)z[b * Z + d];
                double dLogPdz;
                if (composite)
                {
                    // components: N(0,1), N(omu, e^olv), N(0, e^10)
                    var logp = new double[3];
                    double[] means = [0, omu[d], 0];
                    double[] logvars = [0, olv[d], 10];
                    for (var k = 0; k < 3; k++) logp[k] = LogWeights[k] - 0.5 * (logvars[k] + Math.Log(2 * Math.PI) + (zz - means[k]) * (zz - means[k]) / Math.Exp(logvars[k]));
                    var max = Math.Max(logp[0], Math.Max(logp[1], logp[2]));
                    double sum = 0; for (var k = 0; k < 3; k++) sum += Math.Exp(logp[k] - max);
                    dLogPdz = 0;
                    for (var k = 0; k < 3; k++) dLogPdz += Math.Exp(logp[k] - max) / sum * (-(zz - means[k]) / Math.Exp(logvars[k]));
                }
                else dLogPdz = -zz;
                dz[b * Z + d] = (float)(-klw[b] * dLogPdz);
                dlv[b * Z + d] = -0.5f * klw[b];
            }
        }
        TensorPrimitives.Add(dz, MultinomialOutput.Backprop(data, bu, _wd, _bd, Z, z, decGrad[0], decGrad[1]), dz);
        // Through the sample: dμ = dz, dlv += dz · ½σε.
        for (var k = 0; k < B * Z; k++)
        {
            dmu[k] = dz[k];
            dlv[k] += dz[k] * 0.5f * MathF.Exp(0.5f * lv[k]) * eps[k];
        }
        var (gw1, gb1, gwm, gbm, gwv, gbv) = (encGrad[0], encGrad[1], encGrad[2], encGrad[3], encGrad[4], encGrad[5]);
        var dh = new float[H];
        for (var b = 0; b < B; b++)
        {
            Array.Clear(dh);
            var hb = hidden.AsSpan(b * H, H);
            for (var d = 0; d < Z; d++)
            {
                var gm = dmu[b * Z + d]; var gv = dlv[b * Z + d];
                gbm[d] += gm; gbv[d] += gv;
                TensorPrimitives.MultiplyAdd(hb, gm, gwm.AsSpan(d * H, H), gwm.AsSpan(d * H, H));
                TensorPrimitives.MultiplyAdd(hb, gv, gwv.AsSpan(d * H, H), gwv.AsSpan(d * H, H));
                TensorPrimitives.MultiplyAdd(_wm.AsSpan(d * H, H), gm, dh, dh);
                TensorPrimitives.MultiplyAdd(_wv.AsSpan(d * H, H), gv, dh, dh);
            }
            for (var k = 0; k < H; k++) dh[k] *= 1 - hb[k] * hb[k];
            TensorPrimitives.Add(gb1, dh, gb1);
            foreach (var (i, v) in inputs[b]) TensorPrimitives.MultiplyAdd(dh, v, gw1.AsSpan(i * H, H), gw1.AsSpan(i * H, H));
        }
    }

    static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble(); var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var h = new float[_h]; var mu = new float[_z]; var lv = new float[_z];
        var input = new List<(int, float)>();
        if (history.Length > 0) { var norm = 1f / MathF.Sqrt(history.Length); foreach (var i in history) input.Add((i, norm)); }
        Encode(_w1, _b1, _wm, _bm, _wv, _bv, input, h, mu, lv);
        for (var i = 0; i < _n; i++) scores[i] = TensorPrimitives.Dot(_wd.AsSpan(i * _z, _z), mu) + _bd[i];
    }
}
