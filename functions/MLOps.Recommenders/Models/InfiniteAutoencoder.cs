using System.Numerics.Tensors;

namespace MLOps.Recommenders.Models;

/// <summary>
/// ∞-AE (Sachdeva, Dhaliwal, Wu &amp; McAuley, NeurIPS 2022): an autoencoder of infinite width, trained in closed form. With X the
/// binary user × item matrix of the basis users and Θ the neural tangent kernel of a ReLU network with `depth` hidden layers
/// (NTK parameterisation, weight variance 2, bias std 0.1, as the authors' code), the model is kernel ridge regression of each
/// user's row onto itself: K = Θ(X, X), α = (K + λ·mean(diag K)·I)⁻¹ X, and a history x scores Θ(x, X)·α. Θ between two
/// users depends only on their overlap and their history lengths, so a user is folded in from the inverted lists of X.
/// A user-space model: training is O(U³) in the basis users (at most max_users, a seeded sample beyond that), the artifact
/// holds α (U × items, float32) and the basis histories, and scoring one history is U × items multiply-adds.
/// </summary>
public sealed class InfiniteAutoencoder : RecommenderModel
{
    /// <summary>Largest basis: the U × U kernel (float64) and its inverse must fit one array each (20 000² · 8 B = 3.2 GB).</summary>
    public const int MaxBasisUsers = 20_000;

    [ThreadStatic] private static int[]? t_overlap;

    private readonly NeuralTangentKernel _kernel;
    private readonly float[] _alpha; // basis users × items

    public static IReadOnlyDictionary<string, double> Defaults { get; } = new Dictionary<string, double>
    {
        ["regularization"] = 2,
        ["depth"] = 1,
        ["max_users"] = 3000,
        ["min_rating"] = 0,
    };

    private InfiniteAutoencoder(ItemIndex items, IReadOnlyDictionary<string, double> parameters, NeuralTangentKernel kernel, float[] alpha)
        : base("infae", items, parameters)
    {
        if (alpha.Length != (long)kernel.Users * items.Count) throw new InvalidDataException("∞-AE weights do not match the item index and the basis users.");
        _kernel = kernel;
        _alpha = alpha;
    }

    /// <summary>Users the model regresses on (rows of α).</summary>
    public int BasisUsers => _kernel.Users;

    /// <summary>
    /// Θ(x, y) for binary inputs of <paramref name="inputs"/> dimensions with the given overlap (x·y) and lengths (|x|, |y|): the
    /// limit, as the width grows, of Σ_p ∂f(x)/∂p · ∂f(y)/∂p over the parameters p of a randomly initialised network.
    /// </summary>
    public static double Kernel(int overlap, int lengthX, int lengthY, int inputs, int depth) =>
        NeuralTangentKernel.Ntk(overlap, lengthX, lengthY, inputs, depth);

    public static InfiniteAutoencoder Train(TrainingData data, IReadOnlyDictionary<string, double>? parameters = null, int seed = 42, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = PopularityRecommender.Merge(Defaults, parameters);
        var lambda = ParameterRules.Positive("∞-AE", p, "regularization");
        var depth = ParameterRules.Whole("∞-AE", p, "depth", 1, NeuralTangentKernel.MaxDepth);
        // The U × U kernel is inverted: max_users bounds U.
        var maxUsers = ParameterRules.Whole("∞-AE", p, "max_users", 1, MaxBasisUsers);
        var (userItems, _) = Sar.Incidence(data, (float)ParameterRules.Number("∞-AE", p, "min_rating"));
        var basis = Enumerable.Range(0, data.UserCount).Where(u => userItems[u].Length > 0).ToArray();
        if (basis.Length > maxUsers)
        {
            new Random(seed).Shuffle(basis);
            basis = basis[..maxUsers];
            Array.Sort(basis);
        }
        if ((long)basis.Length * data.ItemCount > Array.MaxLength)
            throw new ArgumentException($"{basis.Length} basis users × {data.ItemCount} items do not fit one array: lower max_users.", nameof(parameters));
        var offsets = new int[basis.Length + 1];
        for (var v = 0; v < basis.Length; v++) offsets[v + 1] = offsets[v] + userItems[basis[v]].Length;
        var items = new int[offsets[^1]];
        for (var v = 0; v < basis.Length; v++) userItems[basis[v]].CopyTo(items, offsets[v]);
        var kernel = new NeuralTangentKernel(offsets, items, data.ItemCount, depth);
        return new InfiniteAutoencoder(data.Items, p, kernel, SolveAlpha(kernel, lambda, cancellationToken));
    }

    // α = (K + λ·mean(diag K)·I)⁻¹·X over the basis users.
    private static float[] SolveAlpha(NeuralTangentKernel kernel, double lambda, CancellationToken cancellationToken)
    {
        var u = kernel.Users;
        var n = kernel.Inputs;
        var gram = new double[(long)u * u];
        var parallel = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, u, parallel, v =>
        {
            var overlap = new int[u];
            kernel.CountOverlaps(kernel.History(v), overlap);
            var variance = kernel.Variance(v);
            for (var w = 0; w < u; w++) gram[(long)v * u + w] = kernel.Ntk(overlap[w], variance, kernel.Variance(w));
        });
        double trace = 0;
        for (var v = 0; v < u; v++) trace += gram[(long)v * u + v];
        var ridge = lambda * trace / Math.Max(1, u);
        for (var v = 0; v < u; v++) gram[(long)v * u + v] += ridge;
        var inverse = u == 0 ? [] : CholeskyInverse.Invert(gram, u, parallel);
        // X is binary, so α[v, i] sums K⁻¹[v, w] over the basis users w of item i.
        var alpha = new float[(long)u * n];
        Parallel.For(0, u, parallel, v =>
        {
            var row = inverse.AsSpan((int)((long)v * u), u);
            for (var i = 0; i < n; i++)
            {
                double s = 0;
                foreach (var w in kernel.UsersOf(i)) s += row[w];
                alpha[(long)v * n + i] = (float)s;
            }
        });
        return alpha;
    }

    public override void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var n = Items.Count;
        if (scores.Length != n) throw new ArgumentException($"The score buffer must hold {n} items.", nameof(scores));
        var u = BasisUsers;
        var overlap = t_overlap is { } o && o.Length >= u ? o : t_overlap = new int[u];
        var variance = _kernel.InputVariance(_kernel.CountOverlaps(history, overlap));
        scores.Clear();
        for (var v = 0; v < u; v++)
            TensorPrimitives.MultiplyAdd(_alpha.AsSpan(v * n, n), (float)_kernel.Ntk(overlap[v], variance, _kernel.Variance(v)), scores, scores);
    }

    internal override void WritePayload(BinaryWriter writer)
    {
        BinaryArrays.Write(writer, _kernel.Offsets);
        BinaryArrays.Write(writer, _kernel.Items);
        BinaryArrays.Write(writer, _alpha);
    }

    internal static InfiniteAutoencoder ReadPayload(ItemIndex items, IReadOnlyDictionary<string, double> parameters, BinaryReader reader)
    {
        var offsets = BinaryArrays.ReadInts(reader);
        var basisItems = BinaryArrays.ReadInts(reader);
        var depth = parameters.TryGetValue("depth", out var d) ? d : 1;
        if (!NeuralTangentKernel.IsValidDepth(depth)) throw new InvalidDataException($"An ∞-AE artifact with depth {depth} is corrupt.");
        return new InfiniteAutoencoder(items, parameters, new NeuralTangentKernel(offsets, basisItems, items.Count, (int)depth), BinaryArrays.ReadFloats(reader));
    }
}
