using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// Caches every model's per-user z-scores once, then evaluates a grid of blend weights: picks on validation, and prints the
/// test figure of that pick beside the best test figure of the grid (the latter an oracle bound, not a result).
static class BlendSearch
{
    public static Dictionary<string, (double Ndcg, double P)> Grid(Split sp, IRecommender[] models, float[][] grid)
    {
        var n = sp.Train.ItemCount; var counts = sp.Train.ItemCounts.ToArray();
        var users = sp.TestUsers.ToArray();
        var z = new float[users.Length][][];
        Parallel.For(0, users.Length, k =>
        {
            var hist = sp.Train.History(users[k]);
            z[k] = new float[models.Length][];
            for (var m = 0; m < models.Length; m++)
            {
                var s = new float[n]; models[m].Score(hist, s);
                double mean = 0; foreach (var x in s) mean += x; mean /= n;
                double v = 0; foreach (var x in s) v += (x - mean) * (x - mean); var sd = Math.Sqrt(v / n); if (sd == 0) sd = 1;
                for (var i = 0; i < n; i++) s[i] = (float)((s[i] - mean) / sd);
                z[k][m] = s;
            }
        });
        var result = new Dictionary<string, (double, double)>();
        foreach (var w in grid)
        {
            double nd = 0, pr = 0;
            var mixed = new float[n]; var top = new int[10];
            for (var k = 0; k < users.Length; k++)
            {
                Array.Clear(mixed);
                for (var m = 0; m < models.Length; m++) if (w[m] != 0) { var s = z[k][m]; for (var i = 0; i < n; i++) mixed[i] += w[m] * s[i]; }
                foreach (var h in sp.Train.History(users[k])) mixed[h] = float.NegativeInfinity;
                for (var i = 0; i < n; i++) if (counts[i] == 0) mixed[i] = float.NegativeInfinity;
                var cnt = TopK.Select(mixed, top);
                nd += RankingMetrics.Ndcg(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
                pr += RankingMetrics.Precision(top.AsSpan(0, cnt), sp.Test[users[k]], 10);
            }
            result[string.Join(" ", w)] = (nd / users.Length, pr / users.Length);
        }
        return result;
    }
}

/// The bridge scorer as an IRecommender for blending: the user is found by their train history.
public sealed class BridgeRec : IRecommender
{
    readonly Dictionary<string, int> _user = new();
    readonly TrainingData _train; readonly float[] _fwd, _bwd; readonly int _n;
    public string Kind => "bridge";
    public ItemIndex Items => _train.Items;
    public BridgeRec(TrainingData train, int window)
    {
        _train = train; _n = train.ItemCount;
        for (var u = 0; u < train.UserCount; u++) _user[string.Join(",", train.History(u).ToArray())] = u;
        var n = _n; var f = new float[n * n];
        for (var v = 0; v < train.UserCount; v++)
        {
            var s = train.UserInteractions(v);
            for (var p = 0; p < s.Length; p++) for (var q = p + 1; q < Math.Min(s.Length, p + window + 1); q++) f[s[p].Item * n + s[q].Item] += 1f / (q - p);
        }
        _fwd = new float[n * n]; _bwd = new float[n * n];
        for (var a = 0; a < n; a++) { double t = 0; for (var b = 0; b < n; b++) t += f[a * n + b]; if (t > 0) for (var b = 0; b < n; b++) _fwd[a * n + b] = (float)(f[a * n + b] / t); }
        for (var b = 0; b < n; b++) { double t = 0; for (var a = 0; a < n; a++) t += f[a * n + b]; if (t > 0) for (var a = 0; a < n; a++) _bwd[b * n + a] = (float)(f[a * n + b] / t); }
    }
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        var seq = _train.UserInteractions(_user[string.Join(",", history.ToArray())]);
        for (var k = -1; k < seq.Length; k++)
        {
            var left = k >= 0 ? seq[k].Item : -1; var right = k + 1 < seq.Length ? seq[k + 1].Item : -1;
            for (var i = 0; i < _n; i++)
            {
                var pl = left >= 0 ? _fwd[left * _n + i] : 0f; var pr = right >= 0 ? _bwd[right * _n + i] : 0f;
                scores[i] += left >= 0 && right >= 0 ? 0.5f * (pl + pr) : pl + pr;
            }
        }
    }
}
