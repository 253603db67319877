using System.Diagnostics;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Tuning;

// usage: dotnet run -c Release -- <movielens-100k|movielens> <folder> <user|item> <test: 0|1> <kind> ["name=value,..." ...]
if (Environment.GetEnvironmentVariable("TD_TIME") == "1")
{
    // Building TrainingData from 1M interactions (20k users, 3k items, 2 % duplicates): the pipeline's training input size.
    var r0 = new Random(1);
    var xs0 = Enumerable.Range(0, 1_000_000).Select(_ => new Interaction(r0.Next(20000), r0.Next(3000), 1, 1_700_000_000 + r0.Next(5_000_000))).ToArray();
    var items0 = new ItemIndex(Enumerable.Range(0, 3000).Select(i => $"i{i}"));
    var users0 = Enumerable.Range(0, 20000).Select(u => $"u{u}").ToArray();
    for (var rep = 0; rep < 12; rep++)
    {
        var sw0 = Stopwatch.StartNew();
        var td = new TrainingData(items0, users0, xs0);
        Console.WriteLine($"TrainingData from 1M rows: {sw0.Elapsed.TotalMilliseconds:0} ms (struct comparers)");
    }
    return;
}
if (Environment.GetEnvironmentVariable("INFAE_TIME") is { } infaeUsers)
{
    // ∞-AE training and scoring at max_users basis users (synthetic: 100 random items each out of 2000 / 10 000).
    foreach (var itemCount in new[] { 2000, 10000 })
    {
        var r1 = new Random(1); var nu = int.Parse(infaeUsers);
        var xs1 = Enumerable.Range(0, nu * 100).Select(n => new Interaction(n / 100, r1.Next(itemCount), 1, n)).ToArray();
        var td1 = new TrainingData(new ItemIndex(Enumerable.Range(0, itemCount).Select(i => $"i{i}")), Enumerable.Range(0, nu).Select(u => $"u{u}").ToArray(), xs1);
        var sw1 = Stopwatch.StartNew();
        var m1 = ModelTrainer.Train("infae", new Dictionary<string, double> { ["max_users"] = nu }, td1, 42);
        var train1 = sw1.Elapsed.TotalSeconds;
        var sc1 = new float[itemCount]; m1.Score(td1.History(0), sc1);
        sw1.Restart(); for (var u = 0; u < 100; u++) m1.Score(td1.History(u), sc1);
        Console.WriteLine($"∞-AE {nu} users × {itemCount} items: train {train1:0.0} s, score one history {sw1.Elapsed.TotalMilliseconds / 100:0.00} ms, payload {m1.PayloadBytes() / 1e6:0} MB");
    }
    return;
}
var data = MovieLens.Load(args[0], args[1]);
args = args[1..];
var cutMode = Environment.GetEnvironmentVariable("SPLIT_CUT") == "fraction" ? StratifiedCut.RankFraction : StratifiedCut.RoundHalfEven;
var splitSeed = int.Parse(Environment.GetEnvironmentVariable("SPLIT_SEED") ?? "42");
var split = args[1] == "chrono" ? Splits.Chronological(data, 0.8) : args[1] == "item" ? Splits.Stratified(data, 0.75, splitSeed, StratifyBy.Item, cutMode) : Splits.Stratified(data, 0.75, splitSeed, StratifyBy.User, cutMode);
if (Environment.GetEnvironmentVariable("SPLIT_CUT") == "legacy") split = LegacySplit.Make(data, args[1] == "item");
if (Environment.GetEnvironmentVariable("SPLIT_INFO") == "1")
{
    var np = new NumpyRandomState(42);
    Console.WriteLine($"np.random.seed(42); rand(3) = {np.NextDouble():R} {np.NextDouble():R} {np.NextDouble():R}; permutation(10) = {string.Join(",", LegacySplit.Permutation(10, 42))}");
    Console.WriteLine($"{split.Protocol}: train {split.Train.InteractionCount}, test {split.TestInteractionCount}, test users {split.TestUsers.Count()}");
}
// NEST=n: carve the validation split n times first, so "test" is a validation carve and "val" the carve inside it
// (how an optimum moves as the train share shrinks).
for (var nest = int.Parse(Environment.GetEnvironmentVariable("NEST") ?? "0"); nest > 0; nest--) split = Tuner.ValidationSplit(split.Train, 42);
var validation = Tuner.ValidationSplit(split.Train, 42, double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.75", System.Globalization.CultureInfo.InvariantCulture));
if (Environment.GetEnvironmentVariable("CARVE_BY") == "item") validation = Splits.Stratified(split.Train, 0.75, 43, StratifyBy.Item);
var test = args[2] == "1";
var kind = args[3];
// The splits an experiment reports: the per-user validation carve, a per-item one (like the protocol), and test when asked.
IEnumerable<(string Name, Split Split)> Evaluated()
{
    yield return ("val", validation);
    yield return ("val-item", Splits.Stratified(split.Train, 0.75, 43, StratifyBy.Item));
    if (test) yield return ("test", split);
}
// Each spec of args[4] ("a:b:…", ;-separated) built by `build` on each reported split, alone and beside iALS (z-score blends).
void BesideIals(Func<TrainingData, double[], IRecommender> build)
{
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    foreach (var (name, sp) in Evaluated())
    {
        var ials = ModelTrainer.Train("ials", null, sp.Train, 42);
        foreach (var spec in args[4].Split(';'))
        {
            var f = spec.Split(':').Select(x => double.Parse(x, inv)).ToArray();
            var sw = Stopwatch.StartNew();
            var res = BlendSearch.Grid(sp, [build(sp.Train, f), ials], [[1f, 0f], [0f, 1f], [0.5f, 1f], [1f, 1f]]);
            Console.WriteLine($"{name} {spec,-22} ({sw.Elapsed.TotalSeconds:0.0} s) alone {res["1 0"].Ndcg:0.0000}/{res["1 0"].P:0.0000}  ials+0.5 {res["0.5 1"].Ndcg:0.0000}/{res["0.5 1"].P:0.0000}  ials+1 {res["1 1"].Ndcg:0.0000}/{res["1 1"].P:0.0000}  ials {res["0 1"].Ndcg:0.0000}");
        }
    }
}
if (kind == "knn" || kind == "bag" || kind == "pop" || kind == "seq" || kind == "rp3" || kind == "rrf")
{
    foreach (var (name, sp) in new[] { ("val", validation), ("test", split) })
    {
        if (name == "test" && !test) break;
        var ials = ModelTrainer.Train("ials", null, sp.Train, 42);
        void Run(string label, IRecommender m) { var r = Evaluator.Evaluate(m, sp, 10); Console.WriteLine($"{name} {label,-40} {r["ndcg@10"]:0.0000}/{r["precision@10"]:0.0000}"); }
        if (kind == "knn")
        {
            foreach (var kk in new[] { 50, 100, 200 }) foreach (var a in new[] { 0.5 }) foreach (var pw in new[] { 1.0, 2.0 })
            {
                var knn = new UserKnn(sp.Train, kk, 10, a, pw);
                Run($"uknn k{kk} a{a} p{pw}", knn);
                foreach (var w in new[] { 0.2f, 0.4f }) Run($"ials+{w}uknn k{kk} p{pw}", new ZBlend([ials, knn], [1, w]));
            }
        }
        else if (kind == "seq")
        {
            foreach (var win in new[] { 1, 2, 3, 5 }) foreach (var pw in new[] { 0.5 })
            {
                var s = new SeqCo(sp.Train, win, pw) { Items = sp.Train.Items };
                Run($"seq w{win} p{pw}", s);
                foreach (var wt in new[] { 0.25f, 0.5f, 1f }) Run($"ials+{wt}seq w{win}", new ZBlend([ials, s], [1, wt]));
            }
        }
        else if (kind == "rp3")
        {
            foreach (var a in new[] { 0.5, 1.0 }) foreach (var b in new[] { 0.0, 0.2, 0.4 })
            {
                var s = new Rp3(sp.Train, a, b) { Items = sp.Train.Items };
                Run($"rp3 a{a} b{b}", s);
                foreach (var wt in new[] { 0.25f, 0.5f }) Run($"ials+{wt}rp3 a{a} b{b}", new ZBlend([ials, s], [1, wt]));
            }
        }
        else if (kind == "rrf")
        {
            var ease = ModelTrainer.Train("ease", null, sp.Train, 42);
            foreach (var c in new[] { 5f, 20f, 60f }) foreach (var wt in new[] { 0.3f, 0.6f, 1f })
                Run($"rrf ials+{wt}ease c{c}", new Rrf([ials, ease], [1, wt], c));
        }
        else if (kind == "pop")
        {
            var ease = ModelTrainer.Train("ease", null, sp.Train, 42);
            foreach (var g in new[] { -0.2f, -0.1f, 0f, 0.1f, 0.2f, 0.4f }) { Run($"ials pop {g}", new PopBoost(ials, sp.Train, g)); Run($"ease pop {g}", new PopBoost(ease, sp.Train, g)); }
        }
        else
        {
            var ms = Enumerable.Range(0, 5).Select(s => (IRecommender)ModelTrainer.Train("ials", null, sp.Train, 42 + 17 * s)).ToArray();
            Run("ials seed", ials);
            Run("bag3", new ZBlend(ms[..3], [1, 1, 1]));
            Run("bag5", new ZBlend(ms, [1, 1, 1, 1, 1]));
        }
    }
    return;
}
if (kind == "calib")
{
    // Marginal calibration over a model (args[4] = kind, "" = blend defaults): args[5] taus (;), args[6] gammas (;), args[7] iterations.
    // Validation carved per item (like the protocol) and per user.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var taus = args[5].Split(';').Select(x => double.Parse(x, inv)).ToArray(); var gammas = args[6].Split(';').Select(x => double.Parse(x, inv)).ToArray();
    var iters = int.Parse(args[7]);
    foreach (var (name, sp) in Evaluated())
    {
        Calibrate.Run(name, sp, ModelTrainer.Train(args[4], null, sp.Train, 42), 1.0 / 3, taus, gammas, iters);
    }
    return;
}
if (kind == "hoease")
{
    // Higher-order EASE (HigherOrderEase.cs): args[4] = "lambda:pairs:lambdaPairs:rounds[:userPower:beta]" specs (;), alone and blended with iALS and ∞-AE.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    foreach (var (name, sp) in Evaluated())
    {
        if (Environment.GetEnvironmentVariable("ONLY") is { } only && only != name) continue;
        var ials = ModelTrainer.Train("ials", null, sp.Train, 42); var infae = ModelTrainer.Train("infae", null, sp.Train, 42);
        foreach (var spec in args[4].Split(';'))
        {
            var f = spec.Split(':').Select(x => double.Parse(x, inv)).ToArray(); var sw = Stopwatch.StartNew();
            var m = new HigherOrderEase(sp.Train, f[0], (int)f[1], f[2], (int)f[3], f.Length > 4 ? f[4] : 0, f.Length > 5 ? f[5] : 0);
            var built = sw.Elapsed.TotalSeconds;
            var grid = (from a in new[] { 0f, 0.25f, 0.5f, 1f, 2f } from b in new[] { 0f, 0.5f } select new[] { a, 1f, b }).Append([1f, 0f, 0f]).ToArray();
            var res = BlendSearch.Grid(sp, [m, ials, infae], grid);
            Console.WriteLine($"{name} {spec,-22} ({built:0.0} s) model alone {res["1 0 0"].Ndcg:0.0000}/{res["1 0 0"].P:0.0000}  ials+infae0.5 {res["0 1 0.5"].Ndcg:0.0000}");
            foreach (var kv in res.OrderByDescending(kv => kv.Value.Ndcg).Take(3)) Console.WriteLine($"   {name} w(model ials infae) {kv.Key,-16} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
        }
    }
    return;
}
if (kind == "batchco")
{
    // Batch co-occurrence (BatchCo.cs): args[4] = "gapSeconds:power" specs (;), beside the product blend (iALS 1 + ∞-AE 0.5).
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    foreach (var (name, sp) in Evaluated())
    {
        var ials = ModelTrainer.Train("ials", null, sp.Train, 42); var infae = ModelTrainer.Train("infae", null, sp.Train, 42);
        foreach (var spec in args[4].Split(';'))
        {
            var f = spec.Split(':').Select(x => double.Parse(x, inv)).ToArray();
            var m = new BatchCo(sp.Train, (long)f[0], f[1]);
            var grid = new[] { 0f, 0.1f, 0.2f, 0.35f, 0.5f, 1f }.Select(a => new[] { a, 1f, 0.5f }).Append([1f, 0f, 0f]).ToArray();
            var res = BlendSearch.Grid(sp, [m, ials, infae], grid);
            Console.WriteLine($"{name} {spec,-12} alone {res["1 0 0"].Ndcg:0.0000}  blend {res["0 1 0.5"].Ndcg:0.0000}/{res["0 1 0.5"].P:0.0000}  " +
                string.Join("  ", new[] { "0.1", "0.2", "0.35", "0.5", "1" }.Select(k => $"+{k}: {res[k + " 1 0.5"].Ndcg:0.0000}/{res[k + " 1 0.5"].P:0.0000}")));
        }
    }
    return;
}
if (kind == "lin")
{
    // Item-item linear families: args[4] = "gfcf:alpha:rank" or "nease:lambda(rel):userPower:beta" (;-separated), each alone and blended with iALS and ∞-AE.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    foreach (var (name, sp) in Evaluated())
    {
        var ials = ModelTrainer.Train("ials", null, sp.Train, 42); var infae = ModelTrainer.Train("infae", null, sp.Train, 42);
        foreach (var spec in args[4].Split(';'))
        {
            var f = spec.Split(':'); var sw = Stopwatch.StartNew();
            IRecommender m = f[0] == "gfcf" ? LinearItem.GfCf(sp.Train, double.Parse(f[1], inv), int.Parse(f[2]))
                : LinearItem.NormEase(sp.Train, double.Parse(f[1], inv), double.Parse(f[2], inv), double.Parse(f[3], inv));
            var built = sw.Elapsed.TotalSeconds;
            var grid = (from a in new[] { 0f, 0.25f, 0.5f, 1f, 2f } from b in new[] { 0f, 0.5f } select new[] { a, 1f, b }).Append([1f, 0f, 0f]).ToArray();
            var res = BlendSearch.Grid(sp, [m, ials, infae], grid);
            Console.WriteLine($"{name} {spec,-22} ({built:0.0} s) model alone {res["1 0 0"].Ndcg:0.0000}/{res["1 0 0"].P:0.0000}  ials+infae0.5 {res["0 1 0.5"].Ndcg:0.0000}");
            foreach (var kv in res.OrderByDescending(kv => kv.Value.Ndcg).Take(4)) Console.WriteLine($"   {name} w(model ials infae) {kv.Key,-16} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
        }
    }
    return;
}
if (kind == "winfae")
{
    // ∞-AE with normalisation: args[4] = "lambda:beta:w" specs (;). KERNEL_GAMMA = g > 0 swaps the NTK for exp(g · (cos − 1)).
    WeightedInfAe.Gamma = double.Parse(Environment.GetEnvironmentVariable("KERNEL_GAMMA") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    BesideIals((t, f) => new WeightedInfAe(t, f[0], f[1], f[2]));
    return;
}
if (kind == "timelocal")
{
    // Time-local popularity over a model (args[4] kind, "" = defaults): args[5] windows in hours (;), args[6] betas (;), args[7] ε.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var windows = args[5].Split(';').Select(x => (long)(double.Parse(x, inv) * 3600)).ToArray();
    var betas = args[6].Split(';').Select(x => double.Parse(x, inv)).ToArray();
    foreach (var (name, sp) in Evaluated())
    {
        TimeLocal.Run(name, sp, ModelTrainer.Train(args[4], null, sp.Train, 42), windows, betas, double.Parse(args[7], inv));
    }
    return;
}
// 2026-12-07 (AdmmEase.cs): ADMM-constrained EASE / DLAE (B ≥ 0, optional L1) and two-hop propagation over DLAE.
if (kind == "admm") { AdmmRunner.Admm(split, test, args[4..]); return; }
if (kind == "twohop") { AdmmRunner.TwoHop(split, test, args[4..]); return; }
if (kind == "mmbench") { AdmmEase.Bench(args.Length > 4 ? int.Parse(args[4]) : 1682); return; }
if (kind == "dlae")
{
    // DLAE / EDLAE (Dlae.cs, Steck 2020): args[4] specs "mode:p:lambda[:userPower:beta[:relative]]" (;), mode d = DLAE, e = EDLAE
    // (zero diagonal), g<r> = emphasis ratio r = b/a between them (g0 = e, g1 ≈ d), relative 1 = λ × mean diag; args[5] carves (seeds 43…, train share VALIDATION_RATIO, CARVE_BY=item per item). Each spec alone and in
    // blends [model, iALS, ∞-AE]; spec and weights picked on the mean of the carves' validation nDCG@10, then test.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var carveBy = Environment.GetEnvironmentVariable("CARVE_BY") == "item" ? StratifyBy.Item : StratifyBy.User;
    var specs = args[4].Split(';');
    var carves = int.Parse(args[5]);
    var grid = (from a in new[] { 0f, 0.25f, 0.5f, 1f, 2f } from b in new[] { 0f, 0.5f } select new[] { a, 1f, b }).Append([1f, 0f, 0f]).Append([1f, 0f, 0.5f]).ToArray();
    IRecommender Build(TrainingData t, string spec)
    {
        var f = spec.Split(':');
        double F(int i, double def) => f.Length > i ? double.Parse(f[i], inv) : def;
        return f[0].StartsWith('g') ? Dlae.Build(t, double.Parse(f[0][1..], inv), F(1, 0), F(2, 0), F(3, 0), F(4, 0), F(5, 0) != 0)
            : Dlae.Build(t, f[0] == "e", F(1, 0), F(2, 0), F(3, 0), F(4, 0), F(5, 0) != 0);
    }
    Dictionary<string, (double Ndcg, double P)> Run(Split sp)
    {
        var all = new Dictionary<string, (double, double)>();
        var ials = ModelTrainer.Train("ials", null, sp.Train, 42); var infae = ModelTrainer.Train("infae", null, sp.Train, 42);
        foreach (var spec in specs)
            foreach (var (key, value) in BlendSearch.Grid(sp, [Build(sp.Train, spec), ials, infae], grid)) all[$"{spec} w {key}"] = value;
        return all;
    }
    var sw = Stopwatch.StartNew();
    var val = new Dictionary<string, (double Ndcg, double P)>();
    if (Environment.GetEnvironmentVariable("ONLY") != "test")
        for (var c = 0; c < carves; c++)
        {
            foreach (var (key, v) in Run(Splits.Stratified(split.Train, double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.75", inv), 43 + c, carveBy)))
            { var o = val.GetValueOrDefault(key); val[key] = (o.Ndcg + v.Ndcg / carves, o.P + v.P / carves); }
            Console.WriteLine($"carve {c} done ({sw.Elapsed.TotalSeconds:0} s)");
        }
    var testRes = test ? Run(split) : null;
    string T(string key) => testRes is null ? "" : $"  test {testRes[key].Ndcg:0.0000}/{testRes[key].P:0.0000}";
    string V(string key) => val.Count == 0 ? "" : $"val {val[key].Ndcg:0.0000}/{val[key].P:0.0000}";
    foreach (var spec in specs)
    {
        var blends = (val.Count > 0 ? val : testRes!).Keys.Where(k => k.StartsWith(spec + " w ") && k.EndsWith(" 1 0.5") && !k.EndsWith("w 0 1 0.5")).ToArray();
        var bestBlend = val.Count > 0 ? blends.MaxBy(k => val[k].Ndcg)! : blends[0];
        Console.WriteLine($"{spec,-22} alone {V($"{spec} w 1 0 0")}{T($"{spec} w 1 0 0")}   | blend pick {bestBlend[(spec.Length + 3)..]}: {V(bestBlend)}{T(bestBlend)}");
    }
    if (val.Count > 0)
    {
        var alone = val.Keys.Where(k => k.EndsWith(" w 1 0 0")).MaxBy(k => val[k].Ndcg)!;
        Console.WriteLine($"val-picked alone: {alone} {V(alone)}{T(alone)}");
        foreach (var kv in val.OrderByDescending(kv => kv.Value.Ndcg).Take(8)) Console.WriteLine($"val-picked overall: {kv.Key,-34} {V(kv.Key)}{T(kv.Key)}");
        var baseKey = $"{specs[0]} w 0 1 0.5";
        Console.WriteLine($"product blend (iALS 1 + ∞-AE 0.5): {V(baseKey)}{T(baseKey)}");
    }
    if (testRes is not null) foreach (var kv in testRes.OrderByDescending(kv => kv.Value.Ndcg).Take(3)) Console.WriteLine($"test-best (oracle) {kv.Key,-34} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
    Console.WriteLine($"({sw.Elapsed.TotalSeconds:0} s)");
    return;
}
if (kind == "glslim")
{
    // LocalGlobal.cs: args[4] cluster counts (;), args[5] local λ (;), args[6] α (;), args[7] carves (VALIDATION_RATIO, default 0.9).
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var ks = args[4].Split(';').Select(int.Parse).ToArray();
    var lams = args[5].Split(';').Select(x => double.Parse(x, inv)).ToArray();
    var alphas = args[6].Split(';').Select(x => float.Parse(x, inv)).ToArray();
    var carves = int.Parse(args[7]);
    Dictionary<string, (double Ndcg, double P)> Run(Split sp)
    {
        var all = new Dictionary<string, (double, double)>();
        var global = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 16, ["dropout"] = 0.2 }, sp.Train, 42);
        var g0 = Evaluator.Evaluate(global, sp, 10); all["global"] = (g0["ndcg@10"], g0["precision@10"]);
        foreach (var k in ks)
        {
            var (cents, cl) = LocalGlobal.Cluster(sp.Train, k, 42);
            Console.WriteLine($"k {k}: cluster sizes {string.Join(" ", cl.GroupBy(c => c).Select(g => g.Count()).OrderByDescending(c => c))}");
            foreach (var lam in lams)
            {
                var locals = Enumerable.Range(0, k).Select(c =>
                {
                    var sub = LocalGlobal.Subset(sp.Train, cl, c);
                    return sub.UserCount < 5 ? null : ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = lam, ["dropout"] = 0.2 }, sub, 42);
                }).ToArray();
                foreach (var a in alphas)
                {
                    var r = Evaluator.Evaluate(new LocalGlobal(global, locals, cents, a), sp, 10);
                    all[$"k {k} λ {lam} α {a}"] = (r["ndcg@10"], r["precision@10"]);
                }
            }
        }
        return all;
    }
    var sw = Stopwatch.StartNew();
    var val = Carves.Mean(split.Train, carves, Run);
    var testRes = test ? Run(split) : null;
    foreach (var key in (carves > 0 ? val : testRes!).Keys)
        Console.WriteLine($"{key,-24} " + (carves > 0 ? $"val {val[key].Ndcg:0.0000}/{val[key].P:0.0000} (Δ {val[key].Ndcg - val["global"].Ndcg:+0.0000;-0.0000})" : "") + (testRes is null ? "" : $"  test {testRes[key].Ndcg:0.0000}/{testRes[key].P:0.0000}"));
    Console.WriteLine($"({sw.Elapsed.TotalSeconds:0} s)");
    return;
}
if (kind == "duallin")
{
    // 2026-12-07 (second session): the item-side DLAE beside its user-side twin, a ridge over users with the linear kernel
    // (WeightedInfAe with KERNEL_GAMMA < 0), iALS and ∞-AE. args[4] user-side specs "lambda:beta:w" (;), args[5] carves
    // (seeds 43…, VALIDATION_RATIO train share). Spec and weights picked on the carves' mean validation nDCG@10, then test.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    WeightedInfAe.Gamma = -1;
    var specs = args[4].Split(';');
    var carves = int.Parse(args[5]);
    var ws = new[] { 0f, 0.5f, 1f };
    var grid = (from d in new[] { 0f, 0.5f, 1f } from u in new[] { 0f, 0.25f, 0.5f, 1f } from i in ws from a in new[] { 0f, 0.5f }
                where d + u + i + a > 0 select new[] { d, u, i, a }).ToArray();
    Dictionary<string, (double Ndcg, double P)> Run(Split sp)
    {
        var all = new Dictionary<string, (double, double)>();
        var dlae = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 16, ["dropout"] = 0.2 }, sp.Train, 42);
        var ials = ModelTrainer.Train("ials", null, sp.Train, 42); var infae = ModelTrainer.Train("infae", null, sp.Train, 42);
        foreach (var spec in specs)
        {
            var f = spec.Split(':').Select(x => double.Parse(x, inv)).ToArray();
            foreach (var (key, value) in BlendSearch.Grid(sp, [dlae, new WeightedInfAe(sp.Train, f[0], f[1], f[2]), ials, infae], grid)) all[$"{spec} w {key}"] = value;
        }
        return all;
    }
    var sw = Stopwatch.StartNew();
    var val = Carves.Mean(split.Train, carves, Run);
    var testRes = test ? Run(split) : null;
    string Line(string key) => $"val {val[key].Ndcg:0.0000}/{val[key].P:0.0000}" + (testRes is null ? "" : $"  test {testRes[key].Ndcg:0.0000}/{testRes[key].P:0.0000}");
    Console.WriteLine($"DLAE alone: {Line($"{specs[0]} w 1 0 0 0")}; product blend iALS 1 + ∞-AE 0.5: {Line($"{specs[0]} w 0 0 1 0.5")}");
    foreach (var spec in specs) Console.WriteLine($"user-side {spec} alone: {Line($"{spec} w 0 1 0 0")}; + DLAE 1: {Line($"{spec} w 1 1 0 0")}; + DLAE 1 0.5: {Line($"{spec} w 1 0.5 0 0")}");
    foreach (var kv in val.OrderByDescending(kv => kv.Value.Ndcg).Take(8)) Console.WriteLine($"val-picked: {kv.Key,-34} {Line(kv.Key)}");
    if (testRes is not null) foreach (var kv in testRes.OrderByDescending(kv => kv.Value.Ndcg).Take(3)) Console.WriteLine($"test-best (oracle) {kv.Key,-34} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
    Console.WriteLine($"({sw.Elapsed.TotalSeconds:0} s)");
    return;
}
if (kind == "rbfmulti")
{
    // iALS 1 + EASE + ∞-AE + Gaussian-kernel KRR (exp(γ(cos − 1)) over rows): args[4] "gamma:lambda" configs (;), args[5] carves.
    // Weights and config chosen on the mean of the carves' validation nDCG@10, then test. CARVE_BY=item carves per item.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var carveBy = Environment.GetEnvironmentVariable("CARVE_BY") == "item" ? StratifyBy.Item : StratifyBy.User;
    var configs = args[4].Split(';').Select(c => c.Split(':').Select(x => double.Parse(x, inv)).ToArray()).ToArray();
    var carves = int.Parse(args[5]);
    var grid = (from e in new[] { 0f, 0.5f } from a in new[] { 0f, 0.5f } from r in new[] { 0f, 0.5f, 1f, 1.5f, 2f } select new[] { 1f, e, a, r }).ToArray();
    IRecommender[] Models(TrainingData t, double[] c)
    {
        WeightedInfAe.Gamma = c[0];
        return [ModelTrainer.Train("ials", null, t, 42), ModelTrainer.Train("ease", null, t, 42), ModelTrainer.Train("infae", null, t, 42), new WeightedInfAe(t, c[1], 0, 0)];
    }
    var total = new Dictionary<string, double>();
    for (var c = 0; c < carves; c++)
    {
        var val = Splits.Stratified(split.Train, 0.75, 43 + c, carveBy);
        foreach (var cfg in configs)
            foreach (var (key, value) in BlendSearch.Grid(val, Models(val.Train, cfg), grid)) total[$"{cfg[0]}:{cfg[1]} w {key}"] = total.GetValueOrDefault($"{cfg[0]}:{cfg[1]} w {key}") + value.Ndcg / carves;
    }
    var testRes = new Dictionary<string, (double Ndcg, double P)>();
    foreach (var cfg in configs) foreach (var (key, value) in BlendSearch.Grid(split, Models(split.Train, cfg), grid)) testRes[$"{cfg[0]}:{cfg[1]} w {key}"] = value;
    foreach (var kv in total.OrderByDescending(kv => kv.Value).Take(12)) Console.WriteLine($"mean val {kv.Key,-28} {kv.Value:0.00000}  test {testRes[kv.Key].Ndcg:0.0000}/{testRes[kv.Key].P:0.0000}");
    var baseKey = $"{configs[0][0]}:{configs[0][1]} w 1 0 0.5 0";
    Console.WriteLine($"product blend (iALS 1 + ∞-AE 0.5) val {total[baseKey]:0.00000} test {testRes[baseKey].Ndcg:0.0000}/{testRes[baseKey].P:0.0000}");
    foreach (var key in (Environment.GetEnvironmentVariable("FIXED") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        Console.WriteLine($"fixed {key,-28} val {total[key]:0.00000} test {testRes[key].Ndcg:0.0000}/{testRes[key].P:0.0000}");
    foreach (var kv in testRes.OrderByDescending(kv => kv.Value.Ndcg).Take(3)) Console.WriteLine($"test-best (oracle) {kv.Key,-28} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
    return;
}
if (kind == "aease")
{
    // Augmented EASE: args[4] specs "lambda:userPower:itemPower:ratingScale:demoScale" (;), 0 scale = block off; args[5] = folder with u.user.
    BesideIals((t, f) => new AugmentedEase(t, args[5], f[0], f[1], f[2], f[3] != 0, f[3], f[4] != 0, f[4]));
    return;
}
if (kind == "bucketblend")
{
    // Blend weights chosen per history-length bucket (args[4] buckets) on the mean of args[5] per-user carves; iALS 1 + ∞-AE + EASE + Gaussian AE (γ 2, λ 3).
    var buckets = int.Parse(args[4]); var carves = int.Parse(args[5]);
    var grid = (from e in new[] { 0f, 0.5f } from a in new[] { 0f, 0.5f, 1f } from r in new[] { 0f, 0.5f, 1f } select new[] { 1f, e, a, r }).ToArray();
    IRecommender[] Models(TrainingData t) { WeightedInfAe.Gamma = 2; return [ModelTrainer.Train("ials", null, t, 42), ModelTrainer.Train("ease", null, t, 42), ModelTrainer.Train("infae", null, t, 42), new WeightedInfAe(t, 3, 0, 0)]; }
    var sum = new double[buckets, grid.Length]; var all = new double[grid.Length];
    for (var c = 0; c < carves; c++)
    {
        var val = Splits.Stratified(split.Train, 0.75, 43 + c, StratifyBy.User);
        var (nd, _, len) = BucketBlend.Grid(val, Models(val.Train), grid);
        var b = BucketBlend.Buckets(len, buckets);
        for (var g = 0; g < grid.Length; g++)
        {
            all[g] += nd[g].Average() / carves;
            for (var bb = 0; bb < buckets; bb++) sum[bb, g] += Enumerable.Range(0, len.Length).Where(k => b[k] == bb).Average(k => nd[g][k]) / carves;
        }
    }
    var picks = Enumerable.Range(0, buckets).Select(bb => Enumerable.Range(0, grid.Length).MaxBy(g => sum[bb, g])).ToArray();
    var global = Enumerable.Range(0, grid.Length).MaxBy(g => all[g]);
    var (tn, tp, tl) = BucketBlend.Grid(split, Models(split.Train), grid);
    var tb = BucketBlend.Buckets(tl, buckets);
    double bn = 0, bp = 0; for (var k = 0; k < tl.Length; k++) { bn += tn[picks[tb[k]]][k]; bp += tp[picks[tb[k]]][k]; }
    for (var bb = 0; bb < buckets; bb++) Console.WriteLine($"bucket {bb}: pick {string.Join(" ", grid[picks[bb]])} (val {sum[bb, picks[bb]]:0.0000}; global pick there {sum[bb, global]:0.0000})");
    Console.WriteLine($"global pick {string.Join(" ", grid[global])}: val {all[global]:0.00000} test {tn[global].Average():0.0000}/{tp[global].Average():0.0000}");
    Console.WriteLine($"per-bucket picks: test {bn / tl.Length:0.0000}/{bp / tl.Length:0.0000}");
    var baseG = Array.FindIndex(grid, w => w.SequenceEqual(new[] { 1f, 0f, 0.5f, 0f }));
    Console.WriteLine($"product blend: val {all[baseG]:0.00000} test {tn[baseG].Average():0.0000}/{tp[baseG].Average():0.0000}");
    return;
}
if (kind == "tunecarves")
{
    // The benchmark's tuning grids scored on the mean of args[4] validation carves (seeds 43…), against the single carve 43.
    var carveBy = Environment.GetEnvironmentVariable("CARVE_BY") == "item" ? StratifyBy.Item : StratifyBy.User;
    var carveRatio = double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.75", System.Globalization.CultureInfo.InvariantCulture);
    var carves = Enumerable.Range(0, int.Parse(args[4])).Select(c => Splits.Stratified(split.Train, carveRatio, 43 + c, carveBy)).ToArray();
    foreach (var (k, space) in TuningSpaces.Default)
        foreach (var config in Tuner.Grid(space))
        {
            var scores = carves.Select(v => Tuner.RunTrial(k, config, v, 10, 42).Score).ToArray();
            var t = Evaluator.Evaluate(ModelTrainer.Train(k, config, split.Train, 42), split, 10);
            Console.WriteLine($"{k} {BenchmarkFormat(config),-22} carve 43 {scores[0]:0.0000}  mean of {scores.Length} {scores.Average():0.00000}  test {t["ndcg@10"]:0.0000}/{t["precision@10"]:0.0000}");
        }
    return;
}
if (kind == "multival4")
{
    // iALS, EASE, ∞-AE (λ 2), item-space NTK (args[4] = its λ, relative): weights on the mean of args[5] validation carves, then test.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var ratio = double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.75", inv);
    var itemReg = double.Parse(args[4], inv); var carves = int.Parse(args[5]);
    float[] ws = [0, 0.25f, 0.5f, 1f];
    var grid = (from a in new[] { 0f, 0.25f, 0.5f } from b in ws from c in ws select new[] { 1f, a, b, c }).ToArray();
    IRecommender[] Models(TrainingData t) => [ModelTrainer.Train("ials", null, t, 42), ModelTrainer.Train("ease", null, t, 42), ModelTrainer.Train("infae", null, t, 42), new ItemNtk(t, itemReg, 1)];
    var total = new Dictionary<string, double>();
    for (var c = 0; c < carves; c++)
    {
        var val = Splits.Stratified(split.Train, ratio, 43 + c, StratifyBy.User);
        foreach (var (key, value) in BlendSearch.Grid(val, Models(val.Train), grid)) total[key] = total.GetValueOrDefault(key) + value.Ndcg / carves;
    }
    var testRes = BlendSearch.Grid(split, Models(split.Train), grid);
    foreach (var kv in total.OrderByDescending(kv => kv.Value).Take(8)) Console.WriteLine($"mean val {kv.Key,-22} {kv.Value:0.00000}  test {testRes[kv.Key].Ndcg:0.0000}/{testRes[kv.Key].P:0.0000}");
    foreach (var key in new[] { "1 0 0 0", "1 0 0.5 0", "1 0 0 0.5" }) Console.WriteLine($"fixed {key,-22} val {total[key]:0.00000}  test {testRes[key].Ndcg:0.0000}/{testRes[key].P:0.0000}");
    foreach (var kv in testRes.OrderByDescending(kv => kv.Value.Ndcg).Take(3)) Console.WriteLine($"test-best (oracle) {kv.Key,-22} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
    return;
}
if (kind == "blendsig")
{
    // Is a part alone (args[4]) better than the default blend on the validation carve, with 95 % confidence (paired bootstrap)?
    var blendVal = Evaluator.Evaluate(ModelTrainer.Train("blend", null, validation.Train, 42), validation);
    var partVal = Evaluator.Evaluate(ModelTrainer.Train(args[4], null, validation.Train, 42), validation);
    var iv = Bootstrap.PairedDifference(partVal, blendVal, "ndcg@10");
    Console.WriteLine($"{args[4]} − blend on validation: {iv.Difference:+0.0000;-0.0000} [{iv.Lower:+0.0000;-0.0000}, {iv.Upper:+0.0000;-0.0000}] better {iv.Better}");
    return;
}
if (kind == "blendpick")
{
    // Blend weights of iALS, EASE, ∞-AE (defaults) each in {0, 0.5, 1}, picked on the mean of args[4] validation carves: the pick's
    // test figure beside the product blend's and each part alone (would tuning the blend per dataset help?).
    var carves = int.Parse(args[4]);
    float[] ws = [0, 0.5f, 1f];
    var grid = (from a in ws from b in ws from c in ws where a + b + c > 0 select new[] { a, b, c }).ToArray();
    IRecommender[] Models(TrainingData t) => [ModelTrainer.Train("ials", null, t, 42), ModelTrainer.Train("ease", null, t, 42), ModelTrainer.Train("infae", null, t, 42)];
    var total = new Dictionary<string, double>();
    var sw = Stopwatch.StartNew();
    for (var c = 0; c < carves; c++)
    {
        var val = Tuner.ValidationSplit(split.Train, 42 + c, double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.75", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in BlendSearch.Grid(val, Models(val.Train), grid)) total[key] = total.GetValueOrDefault(key) + value.Ndcg / carves;
    }
    Console.WriteLine($"{carves} carves in {sw.Elapsed.TotalSeconds:0.0} s");
    var testRes = BlendSearch.Grid(split, Models(split.Train), grid);
    foreach (var kv in total.OrderByDescending(kv => kv.Value).Take(5)) Console.WriteLine($"mean val {kv.Key,-14} {kv.Value:0.00000}  test {testRes[kv.Key].Ndcg:0.0000}/{testRes[kv.Key].P:0.0000}");
    foreach (var key in new[] { "1 0 0.5", "1 0 0", "0 1 0", "0 0 1" }) Console.WriteLine($"fixed {key,-14} val {total[key]:0.00000}  test {testRes[key].Ndcg:0.0000}/{testRes[key].P:0.0000}");
    foreach (var kv in testRes.OrderByDescending(kv => kv.Value.Ndcg).Take(2)) Console.WriteLine($"test-best (oracle) {kv.Key,-14} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
    return;
}
if (kind == "multival")
{
    // Validation-only blend choice averaged over several validation carves (seeds 43..): args[4] = regs (;), args[5] = carves.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var ratio = double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.75", inv);
    var carves = int.Parse(args[5]);
    float[] ws = [0, 0.25f, 0.5f, 1f];
    var grid = (from a in ws from b in ws select new[] { 1f, a, b }).ToArray();
    var total = new Dictionary<string, double>();
    foreach (var reg in args[4].Split(';'))
        for (var c = 0; c < carves; c++)
        {
            var val = Splits.Stratified(split.Train, ratio, 43 + c, StratifyBy.User);
            IRecommender[] ms = [ModelTrainer.Train("ials", null, val.Train, 42), ModelTrainer.Train("ease", null, val.Train, 42),
                ModelTrainer.Train("infae", new Dictionary<string, double> { ["regularization"] = double.Parse(reg, inv) }, val.Train, 42)];
            foreach (var (key, value) in BlendSearch.Grid(val, ms, grid)) total[$"reg {reg} w {key}"] = total.GetValueOrDefault($"reg {reg} w {key}") + value.Ndcg / carves;
        }
    foreach (var kv in total.OrderByDescending(kv => kv.Value).Take(12)) Console.WriteLine($"mean val {kv.Key,-24} {kv.Value:0.00000}");
    foreach (var key in new[] { "reg 2 w 1 0 0", "reg 2 w 1 0 0.5", "reg 3 w 1 0 0.5", "reg 2 w 1 0.5 0" }) if (total.ContainsKey(key)) Console.WriteLine($"mean val {key,-24} {total[key]:0.00000}");
    return;
}
if (kind == "multi")
{
    // iALS, EASE, ∞-AE (reg from args[4]), bridge (W 3) [, DAE if args[5] = "dae"]: a weight grid picked on validation.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var regM = double.Parse(args[4], inv);
    var withDae = args.Length > 5 && args[5] == "dae";
    float[] ws = [0, 0.25f, 0.5f, 1f];
    var grid = (from a in ws from b in ws from c in (Environment.GetEnvironmentVariable("NO_BRIDGE") == "1" ? [0f] : ws) from d in (withDae ? ws : [0f]) select new[] { 1f, a, b, c, d }).ToArray();
    Dictionary<string, (double Ndcg, double P)>? valRes = null;
    foreach (var (name, sp) in new[] { ("val", validation), ("test", split) })
    {
        if (name == "test" && !test) break;
        var sw = Stopwatch.StartNew();
        IRecommender[] ms = [ModelTrainer.Train("ials", null, sp.Train, 42), ModelTrainer.Train("ease", null, sp.Train, 42), ModelTrainer.Train("infae", new Dictionary<string, double> { ["regularization"] = regM }, sp.Train, 42), new BridgeRec(sp.Train, 3),
            withDae ? MultDae.Train(sp.Train, 200, 50, 64, 1e-3, 0.01, 0.5, 42) : ModelTrainer.Train("ials", null, sp.Train, 42)];
        var res = BlendSearch.Grid(sp, ms, grid);
        Console.WriteLine($"{name}: {grid.Length} blends in {sw.Elapsed.TotalSeconds:0} s");
        foreach (var kv in res.OrderByDescending(kv => kv.Value.Ndcg).Take(5)) Console.WriteLine($"  {name} best  {kv.Key,-26} {kv.Value.Ndcg:0.0000}/{kv.Value.P:0.0000}");
        if (valRes is null) valRes = res;
        else
        {
            foreach (var kv in valRes.OrderByDescending(kv => kv.Value.Ndcg).Take(5)) Console.WriteLine($"  val pick {kv.Key,-26} val {kv.Value.Ndcg:0.0000}  test {res[kv.Key].Ndcg:0.0000}/{res[kv.Key].P:0.0000}");
            foreach (var key in new[] { "1 0 0 0 0", "1 0 0.5 0 0", "1 0 1 0 0", "1 0.25 0.5 0 0", "1 0.25 1 0 0" }) Console.WriteLine($"  fixed {key,-16} test {res[key].Ndcg:0.0000}/{res[key].P:0.0000}");
        }
    }
    return;
}
if (kind == "itemntk")
{
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    foreach (var (name, sp) in new[] { ("val", validation), ("test", split) })
    {
        if (name == "test" && !test) break;
        var ialsT = ModelTrainer.Train("ials", null, sp.Train, 42);
        foreach (var reg in args[4].Split(';').Select(x => double.Parse(x, inv)))
        foreach (var depth in args[5].Split(';').Select(int.Parse))
        {
            var m = new ItemNtk(sp.Train, reg, depth);
            var r = Evaluator.Evaluate(m, sp, 10);
            var b = Evaluator.Evaluate(new ZBlend([ialsT, m], [1, 0.5f]), sp, 10);
            Console.WriteLine($"{name} itemntk reg {reg} depth {depth}: {r["ndcg@10"]:0.0000}/{r["precision@10"]:0.0000}  ials+0.5: {b["ndcg@10"]:0.0000}/{b["precision@10"]:0.0000}");
        }
    }
    return;
}
if (kind == "ntk")
{
    // args after kind: regs(;)
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var regs = args[4].Split(';').Select(x => double.Parse(x, inv)).ToArray();
    foreach (var (name, sp) in new[] { ("val", validation), ("test", split) })
    {
        if (name == "test" && !test) break;
        var ialsI = ModelTrainer.Train("ials", null, sp.Train, 42);
        var easeI = ModelTrainer.Train("ease", null, sp.Train, 42);
        foreach (var reg in regs)
        {
            var sw = Stopwatch.StartNew();
            var m = ModelTrainer.Train("infae", new Dictionary<string, double> { ["regularization"] = reg, ["depth"] = int.Parse(Environment.GetEnvironmentVariable("NTK_DEPTH") ?? "1") }, sp.Train, 42);
            var t0 = sw.Elapsed.TotalSeconds;
            void Show(string label, IRecommender x) { var r = Evaluator.Evaluate(x, sp, 10); Console.WriteLine($"{name} reg {reg} {label,-22} {r["ndcg@10"]:0.0000}/{r["precision@10"]:0.0000}"); }
            Show($"infae ({t0:0.0}s)", m);
            foreach (var w in new[] { 0.5f, 1f }) Show($"ials+{w}infae", new ZBlend([ialsI, m], [1, w]));
            Show("ials+ease+infae", new ZBlend([ialsI, easeI, m], [1, 0.5f, 0.5f]));
        }
    }
    return;
}
if (kind == "bridge")
{
    // args after kind: window gammas(;) mixes(;) log(0|1)
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var W = int.Parse(args[4]); var gs = args[5].Split(';').Select(x => double.Parse(x, inv)).ToArray(); var mx = args[6].Split(';').Select(x => double.Parse(x, inv)).ToArray();
    foreach (var (name, sp) in new[] { ("val", validation), ("test", split) })
    {
        if (name == "test" && !test) break;
        var ialsB = ModelTrainer.Train("ials", null, sp.Train, 42);
        Bridge.Run(sp, name, ialsB, W, gs, mx, [0.1f, 0.2f, 0.35f, 0.5f], args[7] == "1");
    }
    return;
}
if (kind == "dae")
{
    // args after kind: hidden epochs batch lr lam keep
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    int H = args.Length > 4 ? int.Parse(args[4]) : 200, E = args.Length > 5 ? int.Parse(args[5]) : 100, Bt = args.Length > 6 ? int.Parse(args[6]) : 64;
    double LRd = args.Length > 7 ? double.Parse(args[7], inv) : 1e-3, LAM = args.Length > 8 ? double.Parse(args[8], inv) : 0.01, KEEP = args.Length > 9 ? double.Parse(args[9], inv) : 0.5;
    EpochPicked.Run("dae", (d, e, each) => MultDae.Train(d, H, e, Bt, LRd, LAM, KEEP, 42, each is null ? null : (k, m) => each(k, m)),
        E, 10, 0.5f, "ials+0.5dae", [0.25f, 0.5f, 1f], validation, split, test);
    return;
}
if (kind == "recvae")
{
    // args after kind: hidden latent epochs encoderPasses batch lr gamma keep composite(0|1)
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    int H = int.Parse(args[4]), Zd = int.Parse(args[5]), E = int.Parse(args[6]), P = int.Parse(args[7]), Bt = int.Parse(args[8]);
    double LRd = double.Parse(args[9], inv), G = double.Parse(args[10], inv), KEEP = double.Parse(args[11], inv);
    var comp = args[12] == "1";
    EpochPicked.Run("recvae", (d, e, each) => RecVaeLite.Train(d, H, Zd, e, P, Bt, LRd, G, KEEP, comp, 42, each is null ? null : (k, m) => each(k, m)),
        E, 5, 1f, "ials+recvae", [0.5f, 1f, 2f], validation, split, test);
    return;
}
if (kind == "daebag")
{
    // args after kind: hidden epochs batch lr lam keep seeds — fixed epochs, several seeds averaged (z-scores), blended with iALS.
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    int H = int.Parse(args[4]), E = int.Parse(args[5]), Bt = int.Parse(args[6]), S = int.Parse(args[10]);
    double LRd = double.Parse(args[7], inv), LAM = double.Parse(args[8], inv), KEEP = double.Parse(args[9], inv);
    foreach (var (name, sp) in new[] { ("val", validation), ("test", split) })
    {
        if (name == "test" && !test) break;
        var wv = Stopwatch.StartNew();
        var ialsM = ModelTrainer.Train("ials", null, sp.Train, 42);
        var easeM = ModelTrainer.Train("ease", null, sp.Train, 42);
        var daes = Enumerable.Range(0, S).Select(k => (IRecommender)MultDae.Train(sp.Train, H, E, Bt, LRd, LAM, KEEP, 42 + 101 * k)).ToArray();
        void Show(string label, IRecommender m) { var r = Evaluator.Evaluate(m, sp, 10); Console.WriteLine($"{name} {label,-28} {r["ndcg@10"]:0.0000}/{r["precision@10"]:0.0000}"); }
        Show("dae seed 0", daes[0]);
        var bag = new ZBlend(daes, Enumerable.Repeat(1f, S).ToArray());
        Show($"dae bag {S}", bag);
        foreach (var w in new[] { 0.5f, 1f, 2f }) Show($"ials + {w} bag", new ZBlend([ialsM, bag], [1, w]));
        Show("ials + bag + 0.5 ease", new ZBlend([ialsM, bag, easeM], [1, 1, 0.5f]));
        Console.WriteLine($"({wv.Elapsed.TotalSeconds:0} s)");
    }
    return;
}
if (kind == "easeref")
{
    var r = Evaluator.Evaluate(new EaseReference(split.Train, 500), split, 10);
    var ours = Evaluator.Evaluate(ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 500, ["user_weight"] = 0, ["item_power"] = 0 }, split.Train, 42), split, 10);
    Console.WriteLine($"{split.Protocol} EASE λ 500: double reference ndcg@10 {r["ndcg@10"]:0.000000} p@10 {r["precision@10"]:0.000000}; product {ours["ndcg@10"]:0.000000} p@10 {ours["precision@10"]:0.000000}");
    return;
}
if (kind == "sarref")
{
    var r = Evaluator.Evaluate(new SarReference(split.Train), split, 10);
    Console.WriteLine($"{split.Protocol} SAR reference: ndcg@10 {r["ndcg@10"]:0.000000} p@10 {r["precision@10"]:0.000000} recall@10 {r["recall@10"]:0.000000} map {r["map"]:0.000000}");
    return;
}
if (kind == "stack")
{
    // args after kind: candidates leaves trees lr minLeaf
    int C = args.Length > 4 ? int.Parse(args[4]) : 50, L = args.Length > 5 ? int.Parse(args[5]) : 15, T = args.Length > 6 ? int.Parse(args[6]) : 200, M = args.Length > 8 ? int.Parse(args[8]) : 50;
    var LR = args.Length > 7 ? double.Parse(args[7], System.Globalization.CultureInfo.InvariantCulture) : 0.05;
    var w0 = Stopwatch.StartNew();
    Stack.Run(validation, "val", C, L, T, LR, M);
    if (test) Stack.Run(split, "test", C, L, T, LR, M);
    Console.WriteLine($"({w0.Elapsed.TotalSeconds:0.0} s)");
    return;
}
if (kind == "search")
{
    // Seeded random search over a wide iALS space on validation only; the three best are then trained on train and tested.
    var space = new Dictionary<string, double[]>
    {
        ["factors"] = [32, 64, 128, 256], ["regularization"] = [5, 10, 15, 20, 25, 30], ["alpha"] = [0.5, 1, 2, 3, 4], ["iterations"] = [4, 8, 12, 16],
    };
    var configs = Tuner.RandomSearch(space, int.Parse(args.Length > 4 ? args[4] : "30"), 42);
    var trials = configs.Select(c => { var t = Tuner.RunTrial("ials", c, validation, 10, 42); Console.WriteLine($"val {BenchmarkFormat(c),-60} {t.Score:0.0000} ({t.Seconds:0.0}s)"); return t; }).ToList();
    foreach (var t in trials.OrderByDescending(t => t.Score).Take(3))
    {
        var r = Evaluator.Evaluate(ModelTrainer.Train("ials", t.Parameters, split.Train, 42), split, 10);
        Console.WriteLine($"best {BenchmarkFormat(t.Parameters),-60} val {t.Score:0.0000} test {r["ndcg@10"]:0.0000}/{r["precision@10"]:0.0000}");
    }
    return;
}
static string BenchmarkFormat(IReadOnlyDictionary<string, double> p) => MLOps.Recommenders.Benchmark.RecsysBenchmark.Format(p);
if (kind == "time")
{
    var vm = ModelTrainer.Train("ials", null, validation.Train, 42);
    var tm = ModelTrainer.Train("ials", null, split.Train, 42);
    foreach (var mode in new[] { 0, 1 })
    foreach (var beta in new[] { 0.0, 0.1, 0.3, 1.0 })
    foreach (var slack in new long[] { 0, 86400 * 7, 86400 * 30 })
    {
        var v = TimeExp.Eval(vm, validation, beta, slack, mode);
        var t = test ? TimeExp.Eval(tm, split, beta, slack, mode) : (0, 0);
        Console.WriteLine($"mode {mode} beta {beta} slack {slack / 86400}d  val {v.Ndcg:0.0000}/{v.P:0.0000}  test {t.Item1:0.0000}/{t.Item2:0.0000}");
        if (beta == 0) break;
    }
    return;
}
foreach (var spec in args.Skip(4))
{
    var p = spec.Length == 0 ? new Dictionary<string, double>() : spec.Split(',').Select(s => s.Split('=')).ToDictionary(a => a[0], a => double.Parse(a[1]));
    var w = Stopwatch.StartNew();
    var m = ModelTrainer.Train(kind, p, validation.Train, 42);
    var tt = w.Elapsed.TotalSeconds;
    var v = Evaluator.Evaluate(m, validation, 10);
    var line = $"{kind} {spec,-60} val ndcg {v["ndcg@10"]:0.0000} p {v["precision@10"]:0.0000} ({tt:0.0}s)";
    if (test)
    {
        var m2 = ModelTrainer.Train(kind, p, split.Train, 42);
        var r = Evaluator.Evaluate(m2, split, 10);
        line += $"  test ndcg {r["ndcg@10"]:0.0000} p {r["precision@10"]:0.0000}";
    }
    Console.WriteLine(line);
}
