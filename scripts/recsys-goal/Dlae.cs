using MLOps.Recommenders;
using MLOps.Recommenders.Models;

/// Steck 2020 (NeurIPS), "Autoencoders that don't overfit towards the Identity": full-rank linear autoencoders trained with
/// (inverted) dropout p, in closed form. With G = XᵀX (optionally user-weighted / item-degree scaled as NormEase),
/// Λ = p/(1−p)·dMat(diag G) + λI and P = (G + Λ)⁻¹:
///  - DLAE:  B = (G + Λ)⁻¹ G = I − P·Λ, i.e. B[a, j] = −P[a, j]·Λ_j off the diagonal (diag(B) ≠ 0 is free);
///  - EDLAE (full emphasis on the dropped-out entries): each column's own input is always dropped when it counts, so B_jj
///    drops out of the loss and the column problem is EASE's with Λ in place of λI: B = I − P·dMat(1 ⊘ diag P), diag(B) = 0.
/// Only history items touch diag(B), and the evaluation masks them, so DLAE's diagonal is zeroed after the solve (no change
/// to its ranking; keeps the per-user z-scores of blends free of the history items' self-scores).
/// λ is absolute on the Gram as built, or × mean(diag G) when `relative`.
public static class Dlae
{
    /// emphasis = b/a, the loss weight of the entries kept in the input over that of the dropped-out ones: 0 = EDLAE (full
    /// emphasis), 1 = DLAE (plain dropout). Every such model's column j is a multiple κ_j of EDLAE's column j (all solve
    /// H β = g over the other items, H = (G + Λ) without item j); minimising over B_jj (unregularised) leaves
    /// κ_j = p / (p + r (1 − p)(1 − R²_j)) with R²_j = gᵀH⁻¹g / G_jj = (G_jj + Λ_j − 1/P_jj) / G_jj: r = 1 gives DLAE (exactly
    /// when λ = 0), r = 0 EDLAE. (Derived here for this runner, not checked against the paper's general-emphasis formula.)
    public static LinearItem Build(TrainingData d, double emphasis, double p, double lambda, double userPower = 0, double beta = 0, bool relative = false)
        => Build(d, true, p, lambda, userPower, beta, relative, emphasis);

    public static LinearItem Build(TrainingData d, bool emphasized, double p, double lambda, double userPower = 0, double beta = 0, bool relative = false, double emphasis = 0)
    {
        var n = d.ItemCount;
        var (g, scale) = AdmmEase.Gram(d, userPower, beta);
        var meanDiag = Enumerable.Range(0, n).Average(i => g[i * n + i]);
        var lam = (relative ? lambda * meanDiag : lambda) + 1e-6 * meanDiag; // tiny floor: unseen items have a zero row
        var reg = new double[n];
        // DLAE_POWER γ (runner only): the dropout penalty ∝ G_jj^γ · mean(G_jj)^(1−γ) (γ = 1 is DLAE).
        var power = double.Parse(Environment.GetEnvironmentVariable("DLAE_POWER") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        for (var j = 0; j < n; j++) { reg[j] = p / (1 - p) * Math.Pow(g[j * n + j], power) * Math.Pow(meanDiag, 1 - power) + lam; g[j * n + j] += reg[j]; }
        var gdiag = Enumerable.Range(0, n).Select(j => g[j * n + j] - reg[j]).ToArray();
        var pinv = CholeskyInverse.Invert(g, n);
        var kappa = Enumerable.Range(0, n).Select(j =>
        {
            if (!emphasized || emphasis == 0 || gdiag[j] <= 0) return 1.0;
            var unexplained = Math.Clamp(1 - (gdiag[j] + reg[j] - 1 / pinv[j * n + j]) / gdiag[j], 0, 1);
            return p / (p + emphasis * (1 - p) * unexplained);
        }).ToArray();
        var w = new float[n * n];
        for (var a = 0; a < n; a++) for (var j = 0; j < n; j++)
        {
            if (a == j) continue;
            var bij = emphasized ? -kappa[j] * pinv[a * n + j] / pinv[j * n + j] : -pinv[a * n + j] * reg[j];
            w[a * n + j] = (float)(bij * scale[a] / scale[j]);
        }
        return new LinearItem(d, w, !emphasized ? "dlae" : emphasis == 0 ? "edlae" : "edlae-r");
    }
}
