using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// Time-local popularity: f(u, i) = log(ε + share of item i's train events within ±h of any of user u's train events),
/// added as β·f to the z-scores of a model. Items trending while the user was active rise; items rated at other times sink.
static class TimeLocal
{
    public static void Run(string name, Split sp, IRecommender model, long[] windows, double[] betas, double eps)
    {
        var train = sp.Train; var n = train.ItemCount; var counts = train.ItemCounts.ToArray();
        var times = new List<long>[n];
        foreach (var x in train.Interactions) (times[x.Item] ??= []).Add(x.Timestamp);
        var sorted = times.Select(t => t?.Order().ToArray() ?? []).ToArray();
        var users = sp.TestUsers.ToArray();
        var z = new float[users.Length][];
        Parallel.For(0, users.Length, k =>
        {
            var s = new float[n]; model.Score(train.History(users[k]), s);
            double mean = 0; foreach (var v in s) mean += v; mean /= n;
            double var_ = 0; foreach (var v in s) var_ += (v - mean) * (v - mean); var sd = Math.Sqrt(var_ / n); if (sd == 0) sd = 1;
            for (var i = 0; i < n; i++) s[i] = (float)((s[i] - mean) / sd);
            z[k] = s;
        });
        Report(name, "base", sp, users, z, null, 0);
        foreach (var h in windows)
        {
            var f = new float[users.Length][];
            Parallel.For(0, users.Length, k =>
            {
                // Merge the user's ±h intervals, then count each item's events inside them.
                var ts = train.UserInteractions(users[k]).ToArray().Select(x => x.Timestamp).Order().ToArray();
                var intervals = new List<(long A, long B)>();
                foreach (var t in ts)
                    if (intervals.Count > 0 && t - h <= intervals[^1].B) intervals[^1] = (intervals[^1].A, t + h); else intervals.Add((t - h, t + h));
                var row = new float[n];
                for (var i = 0; i < n; i++)
                {
                    if (sorted[i].Length == 0) continue;
                    var c = 0; foreach (var (a, b) in intervals) c += Upper(sorted[i], b) - Upper(sorted[i], a - 1);
                    row[i] = (float)Math.Log(eps + c / (double)sorted[i].Length);
                }
                f[k] = row;
            });
            foreach (var beta in betas) Report(name, $"h {h / 86400.0:0.##}d beta {beta}", sp, users, z, f, beta);
        }
    }

    static int Upper(long[] a, long v) { int lo = 0, hi = a.Length; while (lo < hi) { var m = (lo + hi) / 2; if (a[m] <= v) lo = m + 1; else hi = m; } return lo; }

    static void Report(string name, string label, Split sp, int[] users, float[][] z, float[][]? f, double beta)
    {
        var n = z[0].Length; var counts = sp.Train.ItemCounts.ToArray(); double nd = 0, pr = 0; var top = new int[10]; var mixed = new float[n];
        for (var k = 0; k < users.Length; k++)
        {
            for (var i = 0; i < n; i++) mixed[i] = counts[i] == 0 ? float.NegativeInfinity : z[k][i] + (f is null ? 0 : (float)beta * f[k][i]);
            foreach (var h in sp.Train.History(users[k])) mixed[h] = float.NegativeInfinity;
            var cnt = TopK.Select(mixed, top);
            nd += RankingMetrics.Ndcg(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
            pr += RankingMetrics.Precision(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
        }
        Console.WriteLine($"{name} {label,-26} {nd / users.Length:0.0000}/{pr / users.Length:0.0000}");
    }
}
