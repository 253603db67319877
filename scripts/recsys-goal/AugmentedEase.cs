using MLOps.Recommenders;
using MLOps.Recommenders.Models;

/// EASE over an augmented input Z = [X | R̃ | D]: X binary, R̃ the user-centred ratings (r − mean_u over rated items, 0
/// elsewhere), D one-hot demographics (ML-100k u.user: age band, gender, occupation). Target X. Closed form with the
/// constraints that item j's score may use neither X_j nor R̃_j: B = (I − λP)[:, :n] − P[:, S_j]·P[S_j, S_j]⁻¹·B0[S_j, j].
/// A user is found by their train history (the experiment's Score only receives item indices).
public sealed class AugmentedEase : IRecommender
{
    readonly TrainingData _data; readonly int _n, _m; readonly float[] _b; // m × n
    readonly Dictionary<string, int> _userByHistory = new();
    readonly float[][] _z; // per user augmented input (dense m)
    public string Kind => "aease";
    public ItemIndex Items => _data.Items;

    public AugmentedEase(TrainingData data, string folder, double lambda, double userPower, double itemPower, bool ratings, double ratingScale, bool demographics, double demoScale)
    {
        _data = data; _n = data.ItemCount;
        var demo = demographics ? Demographics(data, folder) : null;
        var d = demo?[0].Length ?? 0;
        _m = _n + (ratings ? _n : 0) + d;
        var counts = data.ItemCounts.ToArray();
        var scale = counts.Select(c => itemPower == 0 || c == 0 ? 1 : Math.Pow(c, -itemPower)).ToArray();
        _z = new float[data.UserCount][];
        var g = new double[(long)_m * _m];
        for (var u = 0; u < data.UserCount; u++)
        {
            var xs = data.UserInteractions(u).ToArray();
            _userByHistory[string.Join(",", data.History(u).ToArray())] = u;
            var z = new float[_m];
            if (xs.Length > 0)
            {
                var mean = xs.Average(x => x.Rating);
                foreach (var x in xs)
                {
                    z[x.Item] = (float)scale[x.Item];
                    if (ratings) z[_n + x.Item] = (float)((x.Rating - mean) * ratingScale * scale[x.Item]);
                }
            }
            if (demo is not null) for (var k = 0; k < d; k++) z[_m - d + k] = (float)(demo[u][k] * demoScale);
            _z[u] = z;
            if (xs.Length == 0) continue;
            var w = Math.Pow(xs.Length, -userPower);
            var nz = Enumerable.Range(0, _m).Where(k => z[k] != 0).ToArray();
            foreach (var a in nz) { var za = w * z[a]; var off = (long)a * _m; foreach (var b in nz) g[off + b] += za * z[b]; }
        }
        for (var a = 0; a < _m; a++) g[(long)a * _m + a] += lambda;
        var p = CholeskyInverse.Invert(g, _m);
        _b = new float[(long)_m * _n];
        Parallel.For(0, _n, j =>
        {
            // B0[:, j] = e_j − λ P[:, j]
            var s = ratings ? new[] { j, _n + j } : new[] { j };
            var k = s.Length;
            var pss = new double[k, k]; var rhs = new double[k];
            for (var a = 0; a < k; a++) { rhs[a] = (s[a] == j ? 1 : 0) - lambda * p[(long)s[a] * _m + j]; for (var b = 0; b < k; b++) pss[a, b] = p[(long)s[a] * _m + s[b]]; }
            double[] mu;
            if (k == 1) mu = [rhs[0] / pss[0, 0]];
            else { var det = pss[0, 0] * pss[1, 1] - pss[0, 1] * pss[1, 0]; mu = [(pss[1, 1] * rhs[0] - pss[0, 1] * rhs[1]) / det, (-pss[1, 0] * rhs[0] + pss[0, 0] * rhs[1]) / det]; }
            for (var row = 0; row < _m; row++)
            {
                var v = (row == j ? 1 : 0) - lambda * p[(long)row * _m + j];
                for (var a = 0; a < k; a++) v -= p[(long)row * _m + s[a]] * mu[a];
                // undo the item scaling of the target: predictions of X_j·scale_j → X_j
                _b[(long)row * _n + j] = (float)(v / scale[j]);
            }
        });
    }

    static double[][] Demographics(TrainingData data, string folder)
    {
        var rows = File.ReadAllLines(Path.Combine(folder, "u.user")).Select(l => l.Split('|')).ToDictionary(f => f[0], f => f);
        var occupations = rows.Values.Select(f => f[3]).Distinct().Order().ToList();
        int[] ageBands = [18, 25, 35, 45, 50, 56];
        var width = ageBands.Length + 1 + 2 + occupations.Count;
        return data.UserIds.Select(id =>
        {
            var v = new double[width];
            if (!rows.TryGetValue(id, out var f)) return v;
            var age = int.Parse(f[1]); v[ageBands.Count(b => age >= b)] = 1;
            v[ageBands.Length + 1 + (f[2] == "M" ? 0 : 1)] = 1;
            v[ageBands.Length + 3 + occupations.IndexOf(f[3])] = 1;
            return v;
        }).ToArray();
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var z = _z[_userByHistory[string.Join(",", history.ToArray())]];
        scores.Clear();
        for (var row = 0; row < _m; row++) if (z[row] != 0) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_b.AsSpan((int)((long)row * _n), _n), z[row], scores, scores);
    }
}
