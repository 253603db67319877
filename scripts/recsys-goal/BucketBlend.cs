using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// Blend weights per user-history tercile: per-user nDCG@10 of every grid point, so weights can be chosen per bucket.
static class BucketBlend
{
    /// Returns per grid point the per-user nDCG@10 (users in sp.TestUsers order) and the users' history lengths.
    public static (double[][] Ndcg, double[][] Precision, int[] Lengths) Grid(Split sp, IRecommender[] models, float[][] grid)
    {
        var n = sp.Train.ItemCount; var counts = sp.Train.ItemCounts.ToArray();
        var users = sp.TestUsers.ToArray();
        var ndcg = grid.Select(_ => new double[users.Length]).ToArray();
        var prec = grid.Select(_ => new double[users.Length]).ToArray();
        Parallel.For(0, users.Length, k =>
        {
            var hist = sp.Train.History(users[k]);
            var z = new float[models.Length][];
            for (var m = 0; m < models.Length; m++)
            {
                var s = new float[n]; models[m].Score(hist, s);
                double mean = 0; foreach (var x in s) mean += x; mean /= n;
                double v = 0; foreach (var x in s) v += (x - mean) * (x - mean); var sd = Math.Sqrt(v / n); if (sd == 0) sd = 1;
                for (var i = 0; i < n; i++) s[i] = (float)((s[i] - mean) / sd);
                z[m] = s;
            }
            var mixed = new float[n]; var top = new int[10];
            for (var g = 0; g < grid.Length; g++)
            {
                Array.Clear(mixed);
                for (var m = 0; m < models.Length; m++) if (grid[g][m] != 0) { var s = z[m]; var w = grid[g][m]; for (var i = 0; i < n; i++) mixed[i] += w * s[i]; }
                foreach (var h in hist) mixed[h] = float.NegativeInfinity;
                for (var i = 0; i < n; i++) if (counts[i] == 0) mixed[i] = float.NegativeInfinity;
                var cnt = TopK.Select(mixed, top);
                ndcg[g][k] = RankingMetrics.Ndcg(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
                prec[g][k] = RankingMetrics.Precision(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
            }
        });
        return (ndcg, prec, users.Select(u => sp.Train.History(u).Length).ToArray());
    }

    /// Bucket of each user: 0..buckets−1 by the split's own quantiles of history length.
    public static int[] Buckets(int[] lengths, int buckets)
    {
        var sorted = lengths.Order().ToArray();
        var cuts = Enumerable.Range(1, buckets - 1).Select(b => sorted[b * sorted.Length / buckets]).ToArray();
        return lengths.Select(l => cuts.Count(c => l >= c)).ToArray();
    }
}
