using MLOps.Recommenders;
using MLOps.Recommenders.Models;

/// GLSLIM's idea (Christakopoulou & Karypis, RecSys 2016) on DLAE: users clustered by spherical k-means over their binary
/// rows; one DLAE per cluster fitted on that cluster's users only; a history scores global + α · its cluster's local model.
/// The cluster of a history is the centroid with the largest overlap (the argmax of the cosine, as |x| is common to all).
public sealed class LocalGlobal : IRecommender
{
    readonly IRecommender _global; readonly IRecommender?[] _local; readonly float[][] _centroids; readonly float _alpha;
    public string Kind => "localglobal";
    public ItemIndex Items => _global.Items;

    public LocalGlobal(IRecommender global, IRecommender?[] local, float[][] centroids, float alpha)
    { _global = global; _local = local; _centroids = centroids; _alpha = alpha; }

    public static int Assign(float[][] centroids, ReadOnlySpan<int> history)
    {
        int best = 0; double bestDot = double.MinValue;
        for (var c = 0; c < centroids.Length; c++) { double s = 0; foreach (var i in history) s += centroids[c][i]; if (s > bestDot) { bestDot = s; best = c; } }
        return best;
    }

    /// Spherical k-means, k-means++ start, seeded; returns unit centroids and each user's cluster.
    public static (float[][] Centroids, int[] Cluster) Cluster(TrainingData d, int k, int seed, int iterations = 25)
    {
        var n = d.ItemCount; var rng = new Random(seed);
        var rows = Enumerable.Range(0, d.UserCount).Select(u => d.History(u).ToArray()).ToArray();
        float[] Unit(int u) { var v = new float[n]; var w = (float)(1 / Math.Sqrt(Math.Max(1, rows[u].Length))); foreach (var i in rows[u]) v[i] = w; return v; }
        double Cos(float[] c, int u) { double s = 0; foreach (var i in rows[u]) s += c[i]; return s / Math.Sqrt(Math.Max(1, rows[u].Length)); }
        var cents = new List<float[]> { Unit(rng.Next(d.UserCount)) };
        while (cents.Count < k)
        {
            var dist = Enumerable.Range(0, d.UserCount).Select(u => Math.Max(0, 1 - cents.Max(c => Cos(c, u)))).ToArray();
            var r = rng.NextDouble() * dist.Sum(); var pick = 0;
            for (; pick < dist.Length - 1 && (r -= dist[pick]) > 0; pick++) { }
            cents.Add(Unit(pick));
        }
        var centroids = cents.ToArray(); var cluster = new int[d.UserCount];
        for (var it = 0; it < iterations; it++)
        {
            for (var u = 0; u < d.UserCount; u++) cluster[u] = Assign(centroids, rows[u]);
            for (var c = 0; c < k; c++)
            {
                var v = new double[n]; var members = 0;
                for (var u = 0; u < d.UserCount; u++) if (cluster[u] == c) { members++; var w = 1 / Math.Sqrt(Math.Max(1, rows[u].Length)); foreach (var i in rows[u]) v[i] += w; }
                if (members == 0) continue;
                var norm = Math.Sqrt(v.Sum(x => x * x));
                centroids[c] = v.Select(x => (float)(x / norm)).ToArray();
            }
        }
        for (var u = 0; u < d.UserCount; u++) cluster[u] = Assign(centroids, rows[u]);
        return (centroids, cluster);
    }

    /// The cluster's users as their own TrainingData (same item index, so scores align).
    public static TrainingData Subset(TrainingData d, int[] cluster, int c)
    {
        var users = Enumerable.Range(0, d.UserCount).Where(u => cluster[u] == c).ToArray();
        var xs = users.SelectMany((u, k) => d.History(u).ToArray().Select(i => new Interaction(k, i, 1, 0))).ToArray();
        return new TrainingData(d.Items, users.Select(u => d.UserIds[u]).ToArray(), xs);
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        _global.Score(history, scores);
        var local = _local[Assign(_centroids, history)];
        if (local is null || _alpha == 0) return;
        var extra = new float[scores.Length];
        local.Score(history, extra);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(extra, _alpha, scores, scores);
    }
}
