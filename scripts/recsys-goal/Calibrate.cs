using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// Marginal calibration (Sinkhorn): each item's expected held-out count is taken as ρ × its train count (ρ = held-out / train
/// share), each user's as ρ × their history length; exp(z/τ) is scaled to those marginals and users rank by the scaled value,
/// damped by γ on the item scale. Exact on a per-item split by construction, approximate elsewhere.
static class Calibrate
{
    public static void Run(string name, Split sp, IRecommender model, double rho, double[] taus, double[] gammas, int iters)
    {
        var n = sp.Train.ItemCount; var counts = sp.Train.ItemCounts.ToArray();
        var users = sp.TestUsers.ToArray();
        var z = new double[users.Length][];
        Parallel.For(0, users.Length, k =>
        {
            var s = new float[n]; model.Score(sp.Train.History(users[k]), s);
            double mean = 0; foreach (var x in s) mean += x; mean /= n;
            double v = 0; foreach (var x in s) v += (x - mean) * (x - mean); var sd = Math.Sqrt(v / n); if (sd == 0) sd = 1;
            var zz = new double[n];
            for (var i = 0; i < n; i++) zz[i] = counts[i] == 0 ? double.NegativeInfinity : (s[i] - mean) / sd;
            foreach (var h in sp.Train.History(users[k])) zz[h] = double.NegativeInfinity;
            z[k] = zz;
        });
        var colTarget = counts.Select(c => c * rho).ToArray();
        var rowTarget = users.Select(u => sp.Train.History(u).Length * rho).ToArray();
        var scaleRows = colTarget.Sum() / rowTarget.Sum();
        for (var k = 0; k < rowTarget.Length; k++) rowTarget[k] *= scaleRows;
        Report(name, "uncalibrated", sp, users, z, null, 0);
        foreach (var tau in taus)
        {
            var K = z.Select(row => row.Select(x => double.IsNegativeInfinity(x) ? 0 : Math.Exp((x - 4) / tau)).ToArray()).ToArray();
            var a = new double[n]; Array.Fill(a, 1); var b = new double[users.Length]; Array.Fill(b, 1);
            for (var it = 0; it < iters; it++)
            {
                var col = new double[n];
                for (var k = 0; k < users.Length; k++) for (var i = 0; i < n; i++) col[i] += K[k][i] * b[k];
                for (var i = 0; i < n; i++) a[i] = col[i] > 0 ? colTarget[i] / col[i] : 0;
                for (var k = 0; k < users.Length; k++) { double r = 0; for (var i = 0; i < n; i++) r += K[k][i] * a[i]; b[k] = r > 0 ? rowTarget[k] / r : 0; }
            }
            var loga = a.Select(x => x > 0 ? Math.Log(x) : -50).ToArray();
            foreach (var g in gammas) Report(name, $"tau {tau} gamma {g}", sp, users, z, loga, g * tau);
        }
    }

    static void Report(string name, string label, Split sp, int[] users, double[][] z, double[]? loga, double weight)
    {
        var n = z[0].Length; double nd = 0, pr = 0; var top = new int[10]; var mixed = new float[n];
        for (var k = 0; k < users.Length; k++)
        {
            for (var i = 0; i < n; i++) mixed[i] = (float)(z[k][i] + (loga is null ? 0 : weight * loga[i]));
            var cnt = TopK.Select(mixed, top);
            nd += RankingMetrics.Ndcg(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
            pr += RankingMetrics.Precision(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
        }
        Console.WriteLine($"{name} {label,-28} {nd / users.Length:0.0000}/{pr / users.Length:0.0000}");
    }
}
