using MathNet.Numerics.LinearAlgebra;

namespace MLOps.Recommenders.Models;

/// <summary>
/// EASE (Steck 2019): with X the binary user × item matrix, P = (XᵀX + λI)⁻¹ and B = I − P·diag(1/diag P), i.e. B[i, j] = −P[i, j] / P[j, j]
/// off the diagonal and 0 on it. By default the fit is normalised (measured on ML-100k, ml-latest-small and the chronological
/// split: +0.003–0.006 nDCG@10 over plain EASE at its best λ): each user's co-occurrences count |history|^-user_weight, and X is
/// scaled by D^-item_power (item counts) before the solve and back after. With dropout = p in (0, 0.95] the fit is DLAE instead
/// (Steck 2020, "Autoencoders that don't overfit towards the identity": a full-rank linear autoencoder trained with dropout p, in
/// closed form) on the same Gram G: Λ = diag(λ + (p/(1−p) + diagonal_scale)·G_jj), P = (G + Λ)⁻¹ and B = (G + Λ)⁻¹G = I − P·Λ,
/// i.e. B[i, j] = −P[i, j]·Λ_j off the diagonal, with no zero-diagonal constraint in the fit; its diagonal only scores history
/// items, which are never recommended, so it is stored as 0 as EASE's (same rankings, and blends' z-scores stay free of the
/// history's self-scores). The Gram matrix is accumulated sparsely from user
/// histories; the inverse goes through a float64 Cholesky factorisation (<see cref="CholeskyInverse"/>, SIMD; or MathNet's with
/// solver = 1); B is stored dense in float32, or pruned to the top `neighbours` per row. Cost O(m³) in the m modelled items, so at
/// most max_items (the most interacted) are modelled.
/// </summary>
public static class Ease
{
    public static IReadOnlyDictionary<string, double> Defaults { get; } = new Dictionary<string, double>
    {
        // λ on the normalised Gram (user_weight, item_power below); plain EASE is user_weight = item_power = 0 with λ ≈ 500 on ML-100k.
        ["lambda"] = 16,
        ["min_rating"] = 0,
        ["max_items"] = 2000,
        ["neighbours"] = 0,
        // Adds diagonal_scale·G[j, j] to the diagonal penalty Λ_j (EDLAE-style: popular items shrink more); with dropout it adds to p/(1−p).
        ["diagonal_scale"] = 0,
        ["solver"] = 0,
        ["rating_weight"] = 0,
        ["user_weight"] = 0.25,
        ["item_power"] = 0.25,
        // 0 = EASE (zero-diagonal constraint); p in (0, 0.95] = DLAE with dropout p (see the class comment).
        ["dropout"] = 0,
    };

    public static ItemItemRecommender Train(TrainingData data, IReadOnlyDictionary<string, double>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = PopularityRecommender.Merge(Defaults, parameters);
        var lambda = p["lambda"];
        foreach (var name in new[] { "lambda", "diagonal_scale" }) ParameterRules.Number("EASE", p, name, 0);
        foreach (var name in new[] { "user_weight", "item_power" }) ParameterRules.Number("EASE", p, name, 0, 2);
        var minRating = (float)ParameterRules.Number("EASE", p, "min_rating");
        var maxItems = ParameterRules.Whole("EASE", p, "max_items", 1);
        ParameterRules.Whole("EASE", p, "neighbours", 0);
        ParameterRules.Choice("EASE", p, "solver", "0 (SIMD Cholesky) or 1 (MathNet)", 0, 1);
        ParameterRules.Number("EASE", p, "rating_weight", 0);
        // 0.95 caps p/(1−p) at 19: past it the dropout penalty swamps the data term (and p = 1 divides by zero).
        var dropout = ParameterRules.Number("EASE", p, "dropout", 0, 0.95);
        var counts = new int[data.ItemCount];
        foreach (var x in data.Interactions) if (x.Rating >= minRating) counts[x.Item]++;
        var subset = Enumerable.Range(0, data.ItemCount).Where(i => counts[i] > 0)
            .OrderByDescending(i => counts[i]).ThenBy(i => i).Take(maxItems).Order().ToArray();
        var m = subset.Length;
        var toSub = new int[data.ItemCount];
        Array.Fill(toSub, -1);
        for (var s = 0; s < m; s++) toSub[subset[s]] = s;

        // X[u, i] = 1, or (rating / 5)^rating_weight when rating_weight > 0 (graded implicit feedback).
        var ratingWeight = p["rating_weight"];
        // Each user's outer product counts |history|^-user_weight, the history as modelled (items in the subset, rating ≥ min_rating):
        // heavy users' co-occurrences carry less of the Gram.
        var userWeight = p["user_weight"];
        var gram = new double[(long)m * m];
        var row = new List<(int Item, double Value)>();
        for (var u = 0; u < data.UserCount; u++)
        {
            row.Clear();
            foreach (var x in data.UserInteractions(u))
                if (x.Rating >= minRating && toSub[x.Item] >= 0) row.Add((toSub[x.Item], ratingWeight > 0 ? Math.Pow(x.Rating / 5.0, ratingWeight) : 1));
            var weight = userWeight == 0 || row.Count == 0 ? 1 : Math.Pow(row.Count, -userWeight);
            foreach (var (a, va) in row)
            {
                var offset = (long)a * m;
                foreach (var (b, vb) in row) gram[offset + b] += weight * va * vb;
            }
        }
        // Degree normalisation: the model is fitted on X·D^-β (D = item interaction counts, β = item_power) and its output scaled
        // back by D^β, so B[i, j] = B'[i, j]·d_i^-β / d_j^-β; popular items' columns weigh less in the fit.
        var itemPower = p["item_power"];
        var scale = new double[m];
        for (var s = 0; s < m; s++) scale[s] = itemPower == 0 ? 1 : Math.Pow(counts[subset[s]], -itemPower);
        if (itemPower != 0)
            Parallel.For(0, m, a => { var offset = (long)a * m; for (var b = 0; b < m; b++) gram[offset + b] *= scale[a] * scale[b]; });
        // Λ on the diagonal: λ, plus diagonal_scale·G[i, i] (EDLAE-style: popular items are shrunk more), plus p/(1−p)·G[i, i] for
        // DLAE's dropout p.
        var diagonalScale = p["diagonal_scale"] + (dropout > 0 ? dropout / (1 - dropout) : 0);
        var penalty = new double[m];
        for (var i = 0; i < m; i++)
        {
            penalty[i] = lambda + diagonalScale * gram[(long)i * m + i];
            gram[(long)i * m + i] += penalty[i];
        }

        // The Gram matrix and its inverse are symmetric, so row-major and column-major layouts hold the same values.
        var inverse = m == 0 ? []
            : p["solver"] == 1 ? Matrix<double>.Build.Dense(m, m, gram).Cholesky().Solve(Matrix<double>.Build.DenseIdentity(m)).AsColumnMajorArray()
            : CholeskyInverse.Invert(gram, m);
        var weights = new float[(long)m * m];
        // EASE: B'[i, j] = −P[i, j] / P[j, j]; DLAE: B' = I − P·Λ, B'[i, j] = −P[i, j]·Λ_j off the diagonal. Both scaled back by D^β.
        Parallel.For(0, m, i =>
        {
            var offset = (long)i * m;
            for (var j = 0; j < m; j++)
                weights[offset + j] = i == j ? 0f
                    : dropout > 0 ? (float)(-inverse[offset + j] * penalty[j] * scale[i] / scale[j])
                    : (float)(-inverse[offset + j] / inverse[(long)j * m + j] * scale[i] / scale[j]);
        });
        var neighbours = (int)p["neighbours"];
        if (neighbours <= 0) return ItemItemRecommender.Dense("ease", data.Items, p, subset, weights);
        var (offsets, items, values) = ItemItemRecommender.Prune(data.ItemCount, i =>
        {
            var s = toSub[i];
            if (s < 0) return ([], []);
            var row = weights.AsSpan((int)((long)s * m), m).ToArray();
            row[s] = float.NegativeInfinity; // B's zero diagonal: an item is not its own neighbour
            return (subset, row);
        }, neighbours);
        return ItemItemRecommender.Sparse("ease", data.Items, p, offsets, items, values, covered: subset);
    }
}
