using System.Numerics.Tensors;

namespace MLOps.Recommenders.Models;

/// <summary>
/// Implicit ALS (Hu, Koren &amp; Volinsky 2008) solved with conjugate gradient (Takács et al. 2011): confidence 1 + alpha on observed
/// items, preference 1; each half-step solves (YᵀY + λI + alpha·Σ y yᵀ) x = (1 + alpha)·Σ y for every user (item) in parallel, with
/// `cg_steps` warm-started CG steps. Seeded initialisation; each row's solve is independent, so results do not depend on threads.
/// The artifact keeps only item factors (float32) and YᵀY: a user is folded in from their history at scoring time (exact CG solve),
/// so new events count without retraining.
/// </summary>
public sealed class IalsRecommender : RecommenderModel
{
    [ThreadStatic] private static float[]? t_work;

    private readonly float[] _items;  // n × f
    private readonly float[] _gram;   // f × f, YᵀY + λI
    private readonly int _factors;
    private readonly float _alpha;

    private IalsRecommender(ItemIndex items, IReadOnlyDictionary<string, double> parameters, float[] itemFactors, float[] gram) : base("ials", items, parameters)
    {
        _factors = (int)Get(parameters, "factors", 64);
        _alpha = (float)Get(parameters, "alpha", 1);
        if (itemFactors.Length != items.Count * _factors || gram.Length != _factors * _factors)
            throw new InvalidDataException("iALS factors do not match the item index and factor count.");
        _items = itemFactors;
        _gram = gram;
    }

    public static IReadOnlyDictionary<string, double> Defaults { get; } = new Dictionary<string, double>
    {
        ["factors"] = 64,
        ["iterations"] = 12,
        ["regularization"] = 30,
        ["alpha"] = 2,
        ["cg_steps"] = 3,
        ["init_scale"] = 0.1,
        ["min_rating"] = 0,
        ["frequency_scaling"] = 0,
    };

    public int Factors => _factors;
    public ReadOnlySpan<float> ItemFactors => _items;

    public static IalsRecommender Train(TrainingData data, IReadOnlyDictionary<string, double>? parameters = null, int seed = 42, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = PopularityRecommender.Merge(Defaults, parameters);
        var f = ParameterRules.Whole("iALS", p, "factors", 1, 4096);
        var iterations = ParameterRules.Whole("iALS", p, "iterations", 1);
        var lambda = (float)ParameterRules.Number("iALS", p, "regularization", 0);
        var alpha = (float)ParameterRules.Number("iALS", p, "alpha", 0);
        var steps = ParameterRules.Whole("iALS", p, "cg_steps", 1);
        var (userItems, itemUsers) = Sar.Incidence(data, (float)ParameterRules.Number("iALS", p, "min_rating"));
        var nu = (float)ParameterRules.Number("iALS", p, "frequency_scaling", 0);
        var random = new Random(seed);
        var scale = (float)(ParameterRules.Positive("iALS", p, "init_scale") / Math.Sqrt(f));
        var users = new float[data.UserCount * f];
        var items = new float[data.ItemCount * f];
        for (var i = 0; i < users.Length; i++) users[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        for (var i = 0; i < items.Length; i++) items[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, Math.Min(Environment.ProcessorCount, 4)) };
        for (var it = 0; it < iterations; it++)
        {
            HalfStep(users, items, userItems, f, lambda, alpha, steps, nu, options);
            HalfStep(items, users, itemUsers, f, lambda, alpha, steps, nu, options);
        }
        return new IalsRecommender(data.Items, p, items, Gram(items, f, nu > 0 ? 0 : lambda));
    }

    /// <summary>
    /// Frequency-scaled regularisation of a row with <paramref name="length"/> observations against <paramref name="others"/> columns
    /// (Rendle et al. 2021, ν = frequency_scaling): λ·(|r| + α₀·N)^ν with α₀ = 1/(1 + alpha), times (1 + alpha) because this loss weights
    /// observed entries 1 + alpha and unobserved ones 1 instead of 1 and α₀. ν = 0: the uniform λ already on the Gram diagonal.
    /// </summary>
    private static float RowRegularization(float lambda, float alpha, float nu, int length, int others) =>
        nu == 0 ? 0 : lambda * (1 + alpha) * MathF.Pow(length + others / (1 + alpha), nu);

    private static void HalfStep(float[] solve, float[] fixedSide, int[][] rows, int f, float lambda, float alpha, int steps, float nu, ParallelOptions options)
    {
        var gram = Gram(fixedSide, f, nu > 0 ? 0 : lambda);
        var others = fixedSide.Length / f;
        Parallel.For(0, rows.Length, options, () => new float[4 * f], (r, _, work) =>
        {
            var x = solve.AsSpan(r * f, f);
            if (rows[r].Length == 0) { x.Clear(); return work; }
            ConjugateGradient(gram, fixedSide, rows[r], f, alpha, RowRegularization(lambda, alpha, nu, rows[r].Length, others), x, steps, work);
            return work;
        }, _ => { });
    }

    /// <summary>YᵀY + λI (f × f, row-major) accumulated in double (λ = 0 under frequency scaling: each row adds its own).</summary>
    private static float[] Gram(float[] factors, int f, float lambda)
    {
        var rows = factors.Length / f;
        var gram = new double[f * f];
        Parallel.For(0, f, a =>
        {
            for (var b = a; b < f; b++)
            {
                double sum = 0;
                for (var r = 0; r < rows; r++) sum += (double)factors[r * f + a] * factors[r * f + b];
                gram[a * f + b] = sum;
                gram[b * f + a] = sum;
            }
        });
        for (var a = 0; a < f; a++) gram[a * f + a] += lambda;
        return gram.Select(v => (float)v).ToArray();
    }

    /// <summary>Warm-started CG on (G + alpha·Σ y yᵀ) x = (1 + alpha)·Σ y over the observed rows `ids` of `factors`.</summary>
    private static void ConjugateGradient(float[] gram, float[] factors, ReadOnlySpan<int> ids, int f, float alpha, float extra, Span<float> x, int steps, Span<float> work)
    {
        var r = work[..f];
        var p = work.Slice(f, f);
        var ap = work.Slice(2 * f, f);
        // r = b − A x
        Multiply(gram, factors, ids, f, alpha, extra, x, ap);
        r.Clear();
        foreach (var i in ids) TensorPrimitives.Add(r, factors.AsSpan(i * f, f), r);
        TensorPrimitives.Multiply(r, 1 + alpha, r);
        TensorPrimitives.Subtract(r, ap, r);
        r.CopyTo(p);
        var rs = TensorPrimitives.Dot(r, r);
        for (var s = 0; s < steps && rs > 1e-12f; s++)
        {
            Multiply(gram, factors, ids, f, alpha, extra, p, ap);
            var pap = TensorPrimitives.Dot(p, ap);
            if (!(pap > 0)) break;
            var step = rs / pap;
            TensorPrimitives.MultiplyAdd(p, step, x, x);
            TensorPrimitives.MultiplyAdd(ap, -step, r, r);
            var next = TensorPrimitives.Dot(r, r);
            TensorPrimitives.MultiplyAdd(p, next / rs, r, p);
            rs = next;
        }
    }

    /// <summary>target = (G + alpha·Σ_{i∈ids} y_i y_iᵀ) v.</summary>
    private static void Multiply(float[] gram, float[] factors, ReadOnlySpan<int> ids, int f, float alpha, float extra, ReadOnlySpan<float> v, Span<float> target)
    {
        for (var a = 0; a < f; a++) target[a] = TensorPrimitives.Dot(gram.AsSpan(a * f, f), v);
        if (extra != 0) TensorPrimitives.MultiplyAdd(v, extra, target, target);
        foreach (var i in ids)
        {
            var y = factors.AsSpan(i * f, f);
            TensorPrimitives.MultiplyAdd(y, alpha * TensorPrimitives.Dot(y, v), target, target);
        }
    }

    /// <summary>An item whose factors are not all zero: the item solve leaves an item without training interactions at zero.</summary>
    public override bool Covers(int item) => _items.AsSpan(item * _factors, _factors).ContainsAnyExcept(0f);

    /// <summary>Folds the history in (CG run to convergence from zero, at most 2·factors steps) and scores every item by its dot product.</summary>
    public override void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        if (scores.Length != Items.Count) throw new ArgumentException($"The score buffer must hold {Items.Count} items.", nameof(scores));
        var f = _factors;
        var work = Scratch(ref t_work, 5 * f).AsSpan(0, 5 * f);
        var x = work.Slice(4 * f, f);
        x.Clear();
        if (history.Length == 0) { scores.Clear(); return; }
        ConjugateGradient(_gram, _items, history, f, _alpha, FoldInExtra(history.Length), x, 2 * f, work[..(4 * f)]);
        for (var i = 0; i < scores.Length; i++) scores[i] = TensorPrimitives.Dot(_items.AsSpan(i * f, f), x);
    }

    /// <summary>What the fold-in of a history of <paramref name="length"/> titles adds to the Gram matrix's diagonal (its regularization).</summary>
    private float FoldInExtra(int length) =>
        RowRegularization((float)Get(Parameters, "regularization", 30), _alpha, (float)Get(Parameters, "frequency_scaling", 0), length, Items.Count);

    /// <summary>Largest factor count explained: the user's f × f system is factored per request (f³/6 multiply-adds).</summary>
    public const int MaxExplainedFactors = 256;

    [ThreadStatic] private static Explanation? t_explanation;

    /// <summary>
    /// Exact attribution of the fold-in (the implicit library's <c>explain</c>): x = A⁻¹·(1 + alpha)·Σ_j y_j with
    /// A = YᵀY + λI + alpha·Σ_j y_j y_jᵀ (the matrix <see cref="Score"/> solves), so score(i) = Σ_j (1 + alpha)·y_jᵀA⁻¹y_i and
    /// the top contributor is argmax_j y_jᵀz, z = A⁻¹y_i. A's Cholesky factor is kept per thread for the last history, so a
    /// list's items cost one factorisation (|history|·f²/2 + f³/6) and a solve each (f² + |history|·f). -1 past
    /// <see cref="MaxExplainedFactors"/>, or when no title adds a positive amount.
    /// </summary>
    public override int TopContributor(ReadOnlySpan<int> history, int item)
    {
        var f = _factors;
        if (history.Length == 0 || f > MaxExplainedFactors) return -1;
        var e = t_explanation ??= new Explanation();
        if (!e.IsFor(this, history) && !e.Factor(this, history)) return -1;
        var z = e.Solve(_items.AsSpan(item * f, f));
        var best = -1;
        var bestTerm = 0d;
        for (var p = 0; p < history.Length; p++)
        {
            if (history[p] == item) continue;
            var y = _items.AsSpan(history[p] * f, f);
            double term = 0;
            for (var a = 0; a < f; a++) term += y[a] * z[a];
            if (term > bestTerm) { bestTerm = term; best = p; }
        }
        return best;
    }

    /// <summary>A thread's Cholesky factor of one history's fold-in matrix (reused while the same model explains the same history).</summary>
    private sealed class Explanation
    {
        private IalsRecommender? _model;
        private int[] _history = new int[64];
        private int _length;
        private double[] _lower = [];
        private double[] _z = [];

        public bool IsFor(IalsRecommender model, ReadOnlySpan<int> history) =>
            ReferenceEquals(model, _model) && history.SequenceEqual(_history.AsSpan(0, _length));

        public bool Factor(IalsRecommender model, ReadOnlySpan<int> history)
        {
            _model = null;
            var f = model._factors;
            if (_lower.Length < f * f) { _lower = new double[f * f]; _z = new double[f]; }
            var l = _lower.AsSpan(0, f * f);
            var extra = model.FoldInExtra(history.Length);
            for (var r = 0; r < f; r++)
                for (var c = 0; c <= r; c++) l[r * f + c] = model._gram[r * f + c] + (r == c ? extra : 0);
            var y = _z.AsSpan(0, f); // scratch until Solve
            foreach (var h in history)
            {
                TensorPrimitives.ConvertChecked<float, double>(model._items.AsSpan(h * f, f), y);
                for (var r = 0; r < f; r++)
                {
                    var row = l.Slice(r * f, r + 1);
                    TensorPrimitives.MultiplyAdd(y[..(r + 1)], model._alpha * y[r], row, row);
                }
            }
            // In-place Cholesky, lower triangle: A = L·Lᵀ.
            for (var j = 0; j < f; j++)
            {
                var rowJ = l.Slice(j * f, j);
                var d = l[j * f + j] - TensorPrimitives.Dot(rowJ, rowJ);
                if (!(d > 0)) return false;
                d = Math.Sqrt(d);
                l[j * f + j] = d;
                for (var i = j + 1; i < f; i++)
                {
                    l[i * f + j] = (l[i * f + j] - TensorPrimitives.Dot(l.Slice(i * f, j), rowJ)) / d;
                }
            }
            if (_history.Length < history.Length) _history = new int[history.Length];
            history.CopyTo(_history);
            _length = history.Length;
            _model = model;
            return true;
        }

        /// <summary>z = A⁻¹·y by forward and back substitution; valid until the next call.</summary>
        public ReadOnlySpan<double> Solve(ReadOnlySpan<float> y)
        {
            var f = _model!._factors;
            var l = _lower.AsSpan(0, f * f);
            var z = _z.AsSpan(0, f);
            for (var i = 0; i < f; i++)
            {
                z[i] = (y[i] - TensorPrimitives.Dot(l.Slice(i * f, i), z[..i])) / l[i * f + i];
            }
            for (var i = f - 1; i >= 0; i--)
            {
                var v = z[i];
                for (var k = i + 1; k < f; k++) v -= l[k * f + i] * z[k];
                z[i] = v / l[i * f + i];
            }
            return z;
        }
    }

    internal override void WritePayload(BinaryWriter writer)
    {
        BinaryArrays.Write(writer, _items);
        BinaryArrays.Write(writer, _gram);
    }

    internal static IalsRecommender ReadPayload(ItemIndex items, IReadOnlyDictionary<string, double> parameters, BinaryReader reader)
    {
        var factors = BinaryArrays.ReadFloats(reader);
        return new IalsRecommender(items, parameters, factors, BinaryArrays.ReadFloats(reader));
    }
}
