using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Models;

/// Constrained EASE / DLAE by ADMM (Steck, Dimakopoulou, Riabov, Jebara 2020, "ADMM SLIM", WSDM):
///   min ‖X − XB‖² + ‖Λ^½ B‖² + λ₁‖B‖₁  s.t. B ≥ 0 (and diag B = 0 for EASE),
/// Λ = λ + p/(1−p)·diag G as in Dlae.cs, on the (optionally user-weighted / item-degree scaled) Gram G. With
/// P = (G + Λ + ρI)⁻¹ (float64 Cholesky once) and PG = I − P(Λ + ρI) (no product needed), each iteration costs one
/// m×m product P·(C − Γ) (float32, SIMD, parallel over 16-column strips):
///   B̃ = PG + ρ·P(C − Γ);  EASE: B = B̃ − P·diag(γ), γ_j = B̃_jj / P_jj (zero diagonal);  DLAE: B = B̃;
///   C = max(0, soft(B + Γ, λ₁/ρ)) (diag C = 0 for EASE);  Γ += B − C.
/// The item-degree scaling is a positive diagonal similarity, so B ≥ 0 in the scaled space is B ≥ 0 in the original one.
/// Scores use C (feasible, sparse), scaled back, diagonal zeroed (history items are masked anyway).
public static class AdmmEase
{
    public static (double[] G, double[] Scale) Gram(TrainingData d, double userPower, double beta)
    {
        var n = d.ItemCount;
        var g = new double[n * n];
        for (var u = 0; u < d.UserCount; u++)
        {
            var h = d.History(u).ToArray(); if (h.Length == 0) continue;
            var wu = Math.Pow(h.Length, -userPower);
            foreach (var a in h) foreach (var b in h) g[a * n + b] += wu;
        }
        var scale = d.ItemCounts.ToArray().Select(c => Math.Pow(Math.Max(1.0, c), -beta)).ToArray();
        for (var a = 0; a < n; a++) for (var b = 0; b < n; b++) g[a * n + b] *= scale[a] * scale[b];
        return (g, scale);
    }

    /// Runs the ADMM and yields the model (from C) at each checkpoint iteration, with ‖B − C‖/‖C‖ (primal residual).
    /// nonNegative = false drops the projection (C = soft(B + Γ)), which with λ₁ = 0 converges to the closed form (a check).
    public static IEnumerable<(int Iteration, LinearItem Model, double Residual)> Fit(TrainingData d, double[] gram, double[] scale,
        bool zeroDiagonal, double p, double lambda, double rho, double l1, int[] checkpoints, bool nonNegative = true)
    {
        var n = d.ItemCount; var m = (n + 15) / 16 * 16; // padded size: the kernel works on 4-row × 16-column blocks
        var meanDiag = Enumerable.Range(0, n).Average(i => gram[i * n + i]);
        var lam = lambda + 1e-6 * meanDiag; // tiny floor: unseen items have a zero row
        var reg = new double[n];
        var a = (double[])gram.Clone();
        for (var j = 0; j < n; j++) { reg[j] = p / (1 - p) * gram[j * n + j] + lam; a[j * n + j] += reg[j] + rho; }
        var pd = CholeskyInverse.Invert(a, n);
        var P = new float[m * m]; var PG = new float[m * m];
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++)
        {
            P[i * m + j] = (float)pd[i * n + j];
            PG[i * m + j] = (float)((i == j ? 1 : 0) - pd[i * n + j] * (reg[j] + rho));
        }
        var pdiag = Enumerable.Range(0, n).Select(j => pd[j * n + j]).ToArray();
        var C = new float[m * m]; var Gam = new float[m * m]; var D = new float[m * m]; var B = new float[m * m];
        var thr = (float)(l1 / rho); var rhoF = (float)rho;
        var last = checkpoints.Max();
        for (var it = 1; it <= last; it++)
        {
            for (var k = 0; k < D.Length; k++) D[k] = C[k] - Gam[k];
            MatMul(P, D, B, m);
            Parallel.For(0, n, i => { for (var j = 0; j < n; j++) B[i * m + j] = PG[i * m + j] + rhoF * B[i * m + j]; });
            if (zeroDiagonal)
            {
                var gamma = new float[n];
                for (var j = 0; j < n; j++) gamma[j] = (float)(B[j * m + j] / pdiag[j]);
                Parallel.For(0, n, i => { for (var j = 0; j < n; j++) B[i * m + j] -= P[i * m + j] * gamma[j]; });
            }
            double res = 0, norm = 0;
            var lockObj = new object();
            Parallel.For(0, n, () => (0.0, 0.0), (i, _, acc) =>
            {
                for (var j = 0; j < n; j++)
                {
                    var k = i * m + j;
                    var v = B[k] + Gam[k];
                    var c = v > thr ? v - thr : v < -thr ? v + thr : 0f;
                    if (nonNegative && c < 0) c = 0;
                    if (zeroDiagonal && i == j) c = 0;
                    C[k] = c;
                    var r = B[k] - c; Gam[k] += r;
                    acc.Item1 += (double)r * r; acc.Item2 += (double)c * c;
                }
                return acc;
            }, acc => { lock (lockObj) { res += acc.Item1; norm += acc.Item2; } });
            if (checkpoints.Contains(it))
            {
                var w = new float[n * n];
                for (var i = 0; i < n; i++) for (var j = 0; j < n; j++)
                    if (i != j) w[i * n + j] = (float)(C[i * m + j] * scale[i] / scale[j]);
                yield return (it, new LinearItem(d, w, "admm"), Math.Sqrt(res / Math.Max(norm, 1e-30)));
            }
        }
    }

    /// c = a·b for row-major m×m float matrices, m a multiple of 16. Each parallel task packs a 16-column strip of b
    /// (m × 16, contiguous) and sweeps all rows four at a time with 8 AVX accumulators (4 rows × 2 vectors of 8).
    public static void MatMul(float[] a, float[] b, float[] c, int m)
    {
        if (m % 16 != 0) throw new ArgumentException("m must be a multiple of 16");
        Parallel.For(0, m / 16, () => new float[m * 16], (s, _, pack) =>
        {
            var j0 = s * 16;
            for (var k = 0; k < m; k++) Array.Copy(b, k * m + j0, pack, k * 16, 16);
            ref var pp = ref MemoryMarshal.GetArrayDataReference(pack);
            ref var pa = ref MemoryMarshal.GetArrayDataReference(a);
            ref var pc = ref MemoryMarshal.GetArrayDataReference(c);
            for (var i = 0; i < m; i += 4)
            {
                Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                var r0 = i * m; var r1 = r0 + m; var r2 = r1 + m; var r3 = r2 + m;
                for (var k = 0; k < m; k++)
                {
                    var b0 = Vector256.LoadUnsafe(ref pp, (nuint)(k * 16));
                    var b1 = Vector256.LoadUnsafe(ref pp, (nuint)(k * 16 + 8));
                    var x0 = Vector256.Create(Unsafe.Add(ref pa, r0 + k));
                    var x1 = Vector256.Create(Unsafe.Add(ref pa, r1 + k));
                    var x2 = Vector256.Create(Unsafe.Add(ref pa, r2 + k));
                    var x3 = Vector256.Create(Unsafe.Add(ref pa, r3 + k));
                    c00 = Fma(x0, b0, c00); c01 = Fma(x0, b1, c01);
                    c10 = Fma(x1, b0, c10); c11 = Fma(x1, b1, c11);
                    c20 = Fma(x2, b0, c20); c21 = Fma(x2, b1, c21);
                    c30 = Fma(x3, b0, c30); c31 = Fma(x3, b1, c31);
                }
                c00.StoreUnsafe(ref pc, (nuint)(r0 + j0)); c01.StoreUnsafe(ref pc, (nuint)(r0 + j0 + 8));
                c10.StoreUnsafe(ref pc, (nuint)(r1 + j0)); c11.StoreUnsafe(ref pc, (nuint)(r1 + j0 + 8));
                c20.StoreUnsafe(ref pc, (nuint)(r2 + j0)); c21.StoreUnsafe(ref pc, (nuint)(r2 + j0 + 8));
                c30.StoreUnsafe(ref pc, (nuint)(r3 + j0)); c31.StoreUnsafe(ref pc, (nuint)(r3 + j0 + 8));
            }
            return pack;
        }, _ => { });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Fma(Vector256<float> x, Vector256<float> y, Vector256<float> z)
        => System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x, y, z) : x * y + z;

    /// Times MatMul at ML-100k's size against a naive row-axpy product (TensorPrimitives.MultiplyAdd), and checks it.
    public static void Bench(int n)
    {
        var m = (n + 15) / 16 * 16; var r = new Random(1);
        var a = new float[m * m]; var b = new float[m * m]; var c = new float[m * m]; var c2 = new float[m * m];
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) { a[i * m + j] = (float)r.NextDouble() - 0.5f; b[i * m + j] = (float)r.NextDouble() - 0.5f; }
        var sw = Stopwatch.StartNew();
        for (var rep = 0; rep < 3; rep++) MatMul(a, b, c, m);
        var t1 = sw.Elapsed.TotalSeconds / 3;
        sw.Restart();
        Parallel.For(0, m, i =>
        {
            var row = c2.AsSpan(i * m, m); row.Clear();
            for (var k = 0; k < m; k++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.AsSpan(k * m, m), a[i * m + k], row, row);
        });
        var t2 = sw.Elapsed.TotalSeconds;
        var err = 0.0; for (var k = 0; k < c.Length; k++) err = Math.Max(err, Math.Abs(c[k] - c2[k]));
        Console.WriteLine($"matmul {n} (padded {m}): blocked {t1:0.000} s ({2.0 * m * m * m / t1 / 1e9:0.0} GFLOP/s), row-axpy {t2:0.000} s; max |diff| {err:g3}; Fma {System.Runtime.Intrinsics.X86.Fma.IsSupported}, Avx512F {Avx512F.IsSupported}, cores {Environment.ProcessorCount}");
    }
}

/// Runner kinds `admm` and `twohop`: each spec alone, validation on the mean of `carves` carves (seeds 43…, train share
/// VALIDATION_RATIO, CARVE_BY=item per item), then test; per-carve figures are printed so the carve noise is visible.
public static class AdmmRunner
{
    static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    static (double Ndcg, double P) Eval(Split sp, IRecommender model) => BlendSearch.Grid(sp, [model], [[1f]])["1"];

    static IEnumerable<(string Name, Split Split)> Splits_(Split split, bool test, int carves)
    {
        var ratio = double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.75", Inv);
        var by = Environment.GetEnvironmentVariable("CARVE_BY") == "item" ? StratifyBy.Item : StratifyBy.User;
        if (Environment.GetEnvironmentVariable("ONLY") != "test")
            for (var c = 0; c < carves; c++) yield return ($"carve{c}", Splits.Stratified(split.Train, ratio, 43 + c, by));
        if (test) yield return ("test", split);
    }

    static void Report(Dictionary<string, List<(string Split, double Ndcg, double P)>> all, string? baseline)
    {
        Console.WriteLine("--- summary (val = mean over carves; Δ = paired difference to the baseline, ± its sd over carves) ---");
        (double, double) Val(string key) { var v = all[key].Where(x => x.Split != "test").ToArray(); return v.Length == 0 ? (double.NaN, double.NaN) : (v.Average(x => x.Ndcg), v.Average(x => x.P)); }
        string Test(string key) { var t = all[key].FirstOrDefault(x => x.Split == "test"); return t.Split is null ? "" : $"  test {t.Ndcg:0.0000}/{t.P:0.0000}"; }
        foreach (var key in all.Keys)
        {
            var (vn, vp) = Val(key);
            var delta = "";
            if (baseline is not null && all.ContainsKey(baseline) && key != baseline)
            {
                var d = all[key].Where(x => x.Split != "test").Join(all[baseline].Where(x => x.Split != "test"), x => x.Split, x => x.Split, (x, y) => x.Ndcg - y.Ndcg).ToArray();
                if (d.Length > 1) { var mean = d.Average(); var sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1)); delta = $"  Δ {Math.Round(mean, 4) + 0.0:+0.0000;-0.0000} ± {sd:0.0000}"; }
            }
            Console.WriteLine($"{key,-44} val {vn:0.0000}/{vp:0.0000}{Test(key)}{delta}");
        }
        var picked = all.Keys.Where(k => !double.IsNaN(Val(k).Item1)).MaxBy(k => Val(k).Item1);
        if (picked is not null) Console.WriteLine($"val-picked: {picked} val {Val(picked).Item1:0.0000}{Test(picked)}");
    }

    /// admm "mode:p:λ:ρ:λ1[:userPower:beta];…" carves "iterations(;)": mode e = EASE (zero diagonal) ≥ 0, d = DLAE ≥ 0,
    /// eu / du = the same without the projection (converges to the closed form: a check), ref-e / ref-d = the closed form
    /// (Dlae.Build). λ and ρ absolute on the Gram as built.
    public static void Admm(Split split, bool test, string[] args)
    {
        var specs = args[0].Split(';'); var carves = int.Parse(args[1]);
        var checkpoints = (args.Length > 2 ? args[2] : "10;20;40").Split(';').Select(int.Parse).ToArray();
        var all = new Dictionary<string, List<(string, double, double)>>();
        var total = Stopwatch.StartNew();
        foreach (var (name, sp) in Splits_(split, test, carves))
        {
            var grams = new Dictionary<string, (double[] G, double[] Scale)>();
            foreach (var spec in specs)
            {
                var f = spec.Split(':'); var mode = f[0];
                double F(int i, double def) => f.Length > i ? double.Parse(f[i], Inv) : def;
                var sw = Stopwatch.StartNew();
                void Add(string key, (double Ndcg, double P) r, string extra)
                {
                    (all.TryGetValue(key, out var l) ? l : all[key] = []).Add((name, r.Ndcg, r.P));
                    Console.WriteLine($"{name} {key,-44} {r.Ndcg:0.0000}/{r.P:0.0000}{extra} ({sw.Elapsed.TotalSeconds:0.0} s)");
                }
                if (mode.StartsWith("ref-"))
                {
                    Add(spec, Eval(sp, Dlae.Build(sp.Train, mode == "ref-e", F(1, 0), F(2, 0), F(5, 0), F(6, 0))), "");
                    continue;
                }
                var gk = $"{F(5, 0)}:{F(6, 0)}";
                if (!grams.TryGetValue(gk, out var gs)) grams[gk] = gs = AdmmEase.Gram(sp.Train, F(5, 0), F(6, 0));
                foreach (var (it, model, res) in AdmmEase.Fit(sp.Train, gs.G, gs.Scale, mode[0] == 'e', F(1, 0), F(2, 0), F(3, 0), F(4, 0), checkpoints, !mode.EndsWith('u')))
                {
                    var nz = model.Weights.Count(x => x != 0) / (double)model.Weights.Length;
                    Add($"{spec} it{it}", Eval(sp, model), $"  resid {res:0.0e0} nonzero {nz:0.000}");
                }
            }
            Console.WriteLine($"{name} done ({total.Elapsed.TotalSeconds:0} s)");
        }
        Report(all, all.Keys.FirstOrDefault(k => k.StartsWith("ref-")));
        Console.WriteLine($"({total.Elapsed.TotalSeconds:0} s)");
    }

    /// twohop "dlaeSpec" carves "variants(;)": the base W (Dlae.Build, spec as kind dlae: mode:p:λ:userPower:beta), then
    /// `sq:α` = x·(W + α·W·W) (two-hop propagation; α relative: W·W is rescaled to W's Frobenius norm first),
    /// `prf:n:α` = (x + α·top-n(x·W))·W (pseudo-relevance fold-in of the user's own n best non-history items).
    /// A base spec `admm-<e|d>:p:λ:ρ:λ1:user_power:item_power:iterations` takes the ADMM model (B ≥ 0) instead.
    public static void TwoHop(Split split, bool test, string[] args)
    {
        var f = args[0].Split(':'); double F(int i) => f.Length > i ? double.Parse(f[i], Inv) : 0;
        var carves = int.Parse(args[1]); var variants = args[2].Split(';');
        var all = new Dictionary<string, List<(string, double, double)>>();
        var total = Stopwatch.StartNew();
        foreach (var (name, sp) in Splits_(split, test, carves))
        {
            var sw = Stopwatch.StartNew();
            LinearItem baseModel;
            if (f[0].StartsWith("admm-"))
            {
                // admm-<e|d>:p:λ:ρ:λ1:userPower:beta:iterations — the ADMM model (B ≥ 0) as the base.
                var (g0, s0) = AdmmEase.Gram(sp.Train, F(5), F(6));
                baseModel = AdmmEase.Fit(sp.Train, g0, s0, f[0] == "admm-e", F(1), F(2), F(3), F(4), [(int)F(7)]).Single().Model;
            }
            else baseModel = Dlae.Build(sp.Train, f[0] == "e", F(1), F(2), F(3), F(4));
            var n = sp.Train.ItemCount; var w = baseModel.Weights;
            float[]? w2 = null; double ratio = 0;
            void Add(string key, (double Ndcg, double P) r)
            {
                (all.TryGetValue(key, out var l) ? l : all[key] = []).Add((name, r.Ndcg, r.P));
                Console.WriteLine($"{name} {key,-30} {r.Ndcg:0.0000}/{r.P:0.0000} ({sw.Elapsed.TotalSeconds:0.0} s)");
            }
            Add("base", Eval(sp, baseModel));
            foreach (var v in variants)
            {
                var g = v.Split(':');
                if (g[0] == "sq")
                {
                    if (w2 is null)
                    {
                        var m = (n + 15) / 16 * 16; var wp = new float[m * m]; var prod = new float[m * m];
                        for (var i = 0; i < n; i++) Array.Copy(w, i * n, wp, i * m, n);
                        AdmmEase.MatMul(wp, wp, prod, m);
                        w2 = new float[n * n];
                        for (var i = 0; i < n; i++) Array.Copy(prod, i * m, w2, i * n, n);
                        double a2 = 0, b2 = 0; foreach (var x in w) a2 += (double)x * x; foreach (var x in w2) b2 += (double)x * x;
                        ratio = Math.Sqrt(a2 / b2);
                        Console.WriteLine($"{name} ‖W‖/‖W²‖ = {ratio:g4}");
                    }
                    var alpha = double.Parse(g[1], Inv) * ratio;
                    var wc = new float[n * n];
                    for (var k = 0; k < wc.Length; k++) wc[k] = w[k] + (float)(alpha * w2[k]);
                    Add(v, Eval(sp, new LinearItem(sp.Train, wc, "twohop")));
                }
                else Add(v, Eval(sp, new FoldIn(baseModel, sp.Train, int.Parse(g[1]), float.Parse(g[2], Inv))));
            }
            Console.WriteLine($"{name} done ({total.Elapsed.TotalSeconds:0} s)");
        }
        Report(all, "base");
        Console.WriteLine($"({total.Elapsed.TotalSeconds:0} s)");
    }

    sealed class FoldIn(LinearItem inner, TrainingData data, int top, float alpha) : IRecommender
    {
        public string Kind => "foldin";
        public ItemIndex Items => data.Items;
        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            inner.Score(history, scores);
            var n = data.ItemCount; var w = inner.Weights;
            var s = scores.ToArray();
            foreach (var h in history) s[h] = float.NegativeInfinity;
            var counts = data.ItemCounts;
            for (var i = 0; i < n; i++) if (counts[i] == 0) s[i] = float.NegativeInfinity;
            var idx = new int[top]; var cnt = TopK.Select(s, idx);
            for (var t = 0; t < cnt; t++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w.AsSpan(idx[t] * n, n), alpha, scores, scores);
        }
    }
}
