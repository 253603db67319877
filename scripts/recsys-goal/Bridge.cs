using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// Gap filling ("bridge"): a random split removes items from the middle of each user's rating sequence. Other users' train
/// sequences give directed proximity counts F[a→b] (b within W positions after a); each gap between a user's consecutive
/// train ratings gets a weight from its length in time relative to the user's typical interval, and spreads it over the
/// candidates likely to sit between its two ends. Blended with a base model's z-scores.
static class Bridge
{
    public static double Cap = double.Parse(Environment.GetEnvironmentVariable("CAP") ?? "1e9");
    public static void Run(Split sp, string name, IRecommender baseModel, int window, double[] gammas, double[] mixes, float[] blendWeights, bool logScale)
    {
        var train = sp.Train;
        var n = train.ItemCount;
        var f = new float[n * n];
        for (var v = 0; v < train.UserCount; v++)
        {
            var s = train.UserInteractions(v);
            for (var p = 0; p < s.Length; p++)
                for (var q = p + 1; q < Math.Min(s.Length, p + window + 1); q++) f[s[p].Item * n + s[q].Item] += 1f / (q - p);
        }
        // Row- and column-normalised forward / backward probabilities.
        var fwd = new float[n * n]; var bwd = new float[n * n];
        for (var a = 0; a < n; a++) { double t = 0; for (var b = 0; b < n; b++) t += f[a * n + b]; if (t > 0) for (var b = 0; b < n; b++) fwd[a * n + b] = (float)(f[a * n + b] / t); }
        for (var b = 0; b < n; b++) { double t = 0; for (var a = 0; a < n; a++) t += f[a * n + b]; if (t > 0) for (var a = 0; a < n; a++) bwd[b * n + a] = (float)(f[a * n + b] / t); }
        var counts = train.ItemCounts.ToArray();
        var baseScores = new float[n]; var br = new float[n]; var mixed = new float[n]; var top = new int[10];
        foreach (var gamma in gammas)
        foreach (var mix in mixes)
        {
            var results = new double[blendWeights.Length, 2]; var users = 0;
            double alone = 0;
            foreach (var u in sp.TestUsers)
            {
                var seq = train.UserInteractions(u);
                var hist = train.History(u);
                baseModel.Score(hist, baseScores);
                Array.Clear(br);
                var gaps = new long[Math.Max(0, seq.Length - 1)];
                for (var k = 0; k + 1 < seq.Length; k++) gaps[k] = seq[k + 1].Timestamp - seq[k].Timestamp;
                var median = gaps.Length == 0 ? 1 : Math.Max(1, gaps.Order().ElementAt(gaps.Length / 2));
                for (var k = -1; k < seq.Length; k++)
                {
                    // Gap k lies between seq[k] and seq[k+1]; the two ends of the sequence are open gaps of median weight.
                    double g = k < 0 || k + 1 >= seq.Length ? 1 : Math.Min(Cap, Math.Pow((gaps[k] + 1.0) / median, gamma));
                    if (g <= 0) continue;
                    var left = k >= 0 ? seq[k].Item : -1; var right = k + 1 < seq.Length ? seq[k + 1].Item : -1;
                    for (var i = 0; i < n; i++)
                    {
                        var pl = left >= 0 ? fwd[left * n + i] : 0f; var pr = right >= 0 ? bwd[right * n + i] : 0f;
                        var w = left >= 0 && right >= 0 ? mix * pl + (1 - mix) * pr : pl + pr;
                        br[i] += (float)(g * w);
                    }
                }
                if (logScale) for (var i = 0; i < n; i++) br[i] = MathF.Log(1e-4f + br[i]);
                alone += Eval(br, hist, counts, sp.Test[u], top).Item1;
                var zb = Z(baseScores); var zr = Z(br);
                for (var b = 0; b < blendWeights.Length; b++)
                {
                    for (var i = 0; i < n; i++) mixed[i] = zb[i] + blendWeights[b] * zr[i];
                    var (nd, pr2) = Eval(mixed, hist, counts, sp.Test[u], top);
                    results[b, 0] += nd; results[b, 1] += pr2;
                }
                users++;
            }
            Console.Write($"{name} W{window} γ{gamma} mix{mix} log{(logScale ? 1 : 0)}: alone {alone / users:0.0000}");
            for (var b = 0; b < blendWeights.Length; b++) Console.Write($"  +{blendWeights[b]}: {results[b, 0] / users:0.0000}/{results[b, 1] / users:0.0000}");
            Console.WriteLine();
        }
    }

    static float[] Z(float[] s)
    {
        double mean = 0; foreach (var x in s) mean += x; mean /= s.Length;
        double v = 0; foreach (var x in s) v += (x - mean) * (x - mean); var sd = Math.Sqrt(v / s.Length); if (sd == 0) sd = 1;
        var r = new float[s.Length]; for (var i = 0; i < s.Length; i++) r[i] = (float)((s[i] - mean) / sd); return r;
    }

    static (double, double) Eval(float[] scores, ReadOnlySpan<int> hist, int[] counts, int[] test, int[] top)
    {
        var s = (float[])scores.Clone();
        foreach (var h in hist) s[h] = float.NegativeInfinity;
        for (var i = 0; i < s.Length; i++) if (counts[i] == 0) s[i] = float.NegativeInfinity;
        var cnt = TopK.Select(s, top);
        return (RankingMetrics.Ndcg(top.AsSpan(0, cnt), test, 10), RankingMetrics.Precision(top.AsSpan(0, cnt), test, 10));
    }
}
