using System.Numerics.Tensors;
using MLOps.Recommenders;
using MLOps.Recommenders.Models;

/// Higher-order EASE (Steck & Liang, RecSys 2021, "Don't go deeper, go higher"): x_u ≈ x_u·B + z_u·C, where z_u marks the
/// selected item pairs (r, s) the user has both of. diag(B) = 0 and C[(r,s), j] = 0 for j ∈ {r, s} (no pair predicts its
/// own members). Fitted by exact block coordinate descent: B given C is EASE's closed form on the target X − ZC, C given B
/// a ridge regression on the residual X − XB with the pair constraints by Lagrange multipliers (the paper uses ADMM on
/// the joint system; both reach the same convex optimum). Pairs: the `pairCount` most co-occurring.
public sealed class HigherOrderEase : IRecommender
{
    readonly TrainingData data;
    readonly int n, m;
    readonly double[] b, c; // n × n, m × n
    readonly int[] pairA, pairB;
    public string Kind => "hoease";
    public ItemIndex Items => data.Items;

    public HigherOrderEase(TrainingData data, double lambda, int pairCount, double lambdaPairs, int rounds, double userPower = 0, double beta = 0)
    {
        this.data = data; n = data.ItemCount;
        var users = Enumerable.Range(0, data.UserCount).Select(u => data.History(u).ToArray()).ToArray();
        var userWeight = users.Select(h => h.Length == 0 ? 0 : Math.Pow(h.Length, -userPower)).ToArray();
        var colScale = data.ItemCounts.ToArray().Select(x => Math.Pow(Math.Max(1.0, x), -beta)).ToArray();
        // Gram, unweighted for pair selection and weighted (user rows × √w_u, item columns × colScale) for the fit.
        var g = new double[n * n]; var counts = new double[n * n];
        for (var u = 0; u < users.Length; u++)
            foreach (var a in users[u]) foreach (var bb in users[u]) { counts[a * n + bb]++; g[a * n + bb] += userWeight[u] * colScale[a] * colScale[bb]; }
        var meanDiag = Enumerable.Range(0, n).Average(i => g[i * n + i]);
        var regB = lambda; // absolute, as the product's EASE
        var pairs = new List<(int A, int B, double Count)>();
        for (var a = 0; a < n; a++) for (var bb = a + 1; bb < n; bb++) if (counts[a * n + bb] > 0) pairs.Add((a, bb, counts[a * n + bb]));
        var chosen = pairs.OrderByDescending(p => p.Count).ThenBy(p => p.A).ThenBy(p => p.B).Take(pairCount).ToArray();
        m = chosen.Length; pairA = chosen.Select(p => p.A).ToArray(); pairB = chosen.Select(p => p.B).ToArray();
        var zs = users.Select(PairsOf).ToArray();
        var gz = new double[(long)m * m];
        for (var u = 0; u < users.Length; u++) foreach (var p in zs[u]) foreach (var q in zs[u]) gz[(long)p * m + q] += userWeight[u];
        var meanDiagZ = m == 0 ? 1 : Enumerable.Range(0, m).Average(i => gz[(long)i * m + i]);
        for (var i = 0; i < m; i++) gz[(long)i * m + i] += lambdaPairs;
        for (var i = 0; i < n; i++) g[i * n + i] += regB;
        var pinv = CholeskyInverse.Invert(g, n);
        var qinv = m == 0 ? [] : CholeskyInverse.Invert(gz, m);
        // Pairs touching each item (for C's zero constraints).
        var touching = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        for (var p = 0; p < m; p++) { touching[pairA[p]].Add(p); touching[pairB[p]].Add(p); }

        b = new double[n * n]; c = new double[(long)m * n];
        // Work in the scaled space: X̃ = W^½ X S, target X̃; scores are unscaled at the end.
        double[] Row(int u) { var r = new double[n]; foreach (var a in users[u]) r[a] = colScale[a]; return r; }
        for (var round = 0; round < rounds; round++)
        {
            // B-step: B̂ = P X̃ᵀ(X̃ − Z C)·w, B = B̂ − P diag(B̂_jj / P_jj).
            var xt = new double[n * n];
            for (var u = 0; u < users.Length; u++)
            {
                if (users[u].Length == 0) continue;
                var t = Row(u);
                foreach (var p in zs[u]) TensorPrimitives.Subtract(t, c.AsSpan((int)((long)p * n), n), t);
                foreach (var a in users[u]) TensorPrimitives.MultiplyAdd(t, userWeight[u] * colScale[a], xt.AsSpan(a * n, n), xt.AsSpan(a * n, n));
            }
            var bh = Multiply(pinv, xt, n, n, n);
            for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) b[i * n + j] = bh[i * n + j] - pinv[i * n + j] * bh[j * n + j] / pinv[j * n + j];
            if (m == 0) break;
            // C-step: Ĉ = Q Zᵀ(X̃ − X̃B)·w, then per column j remove the component on the pairs touching j.
            var zt = new double[(long)m * n];
            for (var u = 0; u < users.Length; u++)
            {
                if (zs[u].Length == 0) continue;
                var r = Row(u); var xb = new double[n];
                foreach (var a in users[u]) TensorPrimitives.MultiplyAdd(b.AsSpan(a * n, n), colScale[a], xb, xb);
                TensorPrimitives.Subtract(r, xb, r);
                foreach (var p in zs[u]) TensorPrimitives.MultiplyAdd(r, userWeight[u], zt.AsSpan((int)((long)p * n), n), zt.AsSpan((int)((long)p * n), n));
            }
            var ch = Multiply(qinv, zt, m, m, n);
            Parallel.For(0, n, j =>
            {
                var s = touching[j]; if (s.Count == 0) { for (var p = 0; p < m; p++) c[(long)p * n + j] = ch[(long)p * n + j]; return; }
                // C_j = Ĉ_j − Q[:, S] (Q[S, S])⁻¹ Ĉ[S, j]
                var k = s.Count; var qs = new double[k * k]; var rhs = new double[k];
                for (var x = 0; x < k; x++) { rhs[x] = ch[(long)s[x] * n + j]; for (var y = 0; y < k; y++) qs[x * k + y] = qinv[(long)s[x] * m + s[y]]; }
                var mu = Solve(qs, rhs, k);
                for (var p = 0; p < m; p++)
                {
                    double v = ch[(long)p * n + j];
                    for (var x = 0; x < k; x++) v -= qinv[(long)p * m + s[x]] * mu[x];
                    c[(long)p * n + j] = v;
                }
            });
        }
        // Undo the column scaling: score_j = Σ_a x_a s_a B[a, j] / s_j (and likewise for C rows).
        for (var a = 0; a < n; a++) for (var j = 0; j < n; j++) b[a * n + j] *= colScale[a] / colScale[j];
        for (var p = 0; p < m; p++) for (var j = 0; j < n; j++) c[(long)p * n + j] /= colScale[j];
    }

    int[] PairsOf(int[] history)
    {
        if (m == 0) return [];
        var has = new bool[n]; foreach (var h in history) has[h] = true;
        var list = new List<int>();
        for (var p = 0; p < m; p++) if (has[pairA[p]] && has[pairB[p]]) list.Add(p);
        return list.ToArray();
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var s = new double[n];
        foreach (var h in history) TensorPrimitives.Add(s, b.AsSpan(h * n, n), s);
        foreach (var p in PairsOf(history.ToArray())) TensorPrimitives.Add(s, c.AsSpan((int)((long)p * n), n), s);
        for (var i = 0; i < n; i++) scores[i] = (float)s[i];
    }

    /// Row-major (r × k)·(k × cols), rows in parallel, skipping zero multipliers.
    static double[] Multiply(double[] left, double[] right, int r, int k, int cols)
    {
        var result = new double[(long)r * cols];
        Parallel.For(0, r, i =>
        {
            var dest = result.AsSpan((int)((long)i * cols), cols);
            for (var x = 0; x < k; x++)
            {
                var v = left[(long)i * k + x]; if (v == 0) continue;
                TensorPrimitives.MultiplyAdd(right.AsSpan((int)((long)x * cols), cols), v, dest, dest);
            }
        });
        return result;
    }

    /// Small dense SPD solve (Gaussian elimination with partial pivoting).
    static double[] Solve(double[] a, double[] rhs, int k)
    {
        for (var col = 0; col < k; col++)
        {
            var piv = col; for (var r = col + 1; r < k; r++) if (Math.Abs(a[r * k + col]) > Math.Abs(a[piv * k + col])) piv = r;
            if (piv != col) { for (var x = 0; x < k; x++) (a[col * k + x], a[piv * k + x]) = (a[piv * k + x], a[col * k + x]); (rhs[col], rhs[piv]) = (rhs[piv], rhs[col]); }
            for (var r = col + 1; r < k; r++)
            {
                var f = a[r * k + col] / a[col * k + col]; if (f == 0) continue;
                for (var x = col; x < k; x++) a[r * k + x] -= f * a[col * k + x];
                rhs[r] -= f * rhs[col];
            }
        }
        var sol = new double[k];
        for (var r = k - 1; r >= 0; r--) { var v = rhs[r]; for (var x = r + 1; x < k; x++) v -= a[r * k + x] * sol[x]; sol[r] = v / a[r * k + r]; }
        return sol;
    }
}
