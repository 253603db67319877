using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

public static class TimeExp
{
    // Evaluate a model with an availability penalty: score' = z(score) + beta * log(eps + share of item's train interactions at or before user's last train time + slack)
    public static (double Ndcg, double P) Eval(IRecommender model, Split split, double beta, long slack, int mode)
    {
        var train = split.Train;
        var n = train.ItemCount;
        var times = new List<long>[n];
        foreach (var x in train.Interactions) (times[x.Item] ??= []).Add(x.Timestamp);
        var sorted = times.Select(t => t?.Order().ToArray() ?? []).ToArray();
        var counts = train.ItemCounts.ToArray();
        double nd = 0, pr = 0; int users = 0;
        var scores = new float[n]; var top = new int[10];
        foreach (var u in split.TestUsers)
        {
            var hist = train.History(u);
            var ui = train.UserInteractions(u);
            long tu = mode == 0 ? ui.ToArray().Max(x => x.Timestamp) : hist.ToArray().Max(h => sorted[h].Length > 0 ? sorted[h][0] : 0);
            model.Score(hist, scores);
            double mean = scores.Average(); double sd = Math.Sqrt(scores.Select(s => (s - mean) * (s - mean)).Average());
            for (var j = 0; j < n; j++)
            {
                var z = (scores[j] - mean) / sd;
                if (beta > 0 && sorted[j].Length > 0)
                {
                    var c = UpperBound(sorted[j], tu + slack);
                    z += beta * Math.Log(0.02 + c / (double)sorted[j].Length);
                }
                scores[j] = (float)z;
            }
            foreach (var h in hist) scores[h] = float.NegativeInfinity;
            for (var i = 0; i < n; i++) if (counts[i] == 0) scores[i] = float.NegativeInfinity;
            var cnt = TopK.Select(scores, top);
            nd += RankingMetrics.Ndcg(top.AsSpan(0, cnt), split.Test[u], 10);
            pr += RankingMetrics.Precision(top.AsSpan(0, cnt), split.Test[u], 10);
            users++;
        }
        return (nd / users, pr / users);
    }
    static int UpperBound(long[] a, long v) { int lo = 0, hi = a.Length; while (lo < hi) { var m = (lo + hi) / 2; if (a[m] <= v) lo = m + 1; else hi = m; } return lo; }
}
