using System.Numerics.Tensors;

namespace MLOps.Recommenders.Models;

/// <summary>
/// Inverse of a symmetric positive-definite matrix in float64 through its Cholesky factor: A = L·Lᵀ, M = L⁻¹, A⁻¹ = Mᵀ·M. Every inner
/// loop is a contiguous dot product from System.Numerics.Tensors (SIMD); L⁻¹ (by columns) and the product (upper triangle only) run in
/// parallel. About n³/2 multiply-adds in all, n³/6 of them serial; on ML-100k's 1.6k items it replaces MathNet's managed Cholesky solve (≈ 10 s here) — both are kept
/// and cross-checked in tests (EASE parameter solver: 0 = this, 1 = MathNet).
/// </summary>
public static class CholeskyInverse
{
    /// <summary>Returns A⁻¹ (row-major, n × n) of the row-major SPD matrix <paramref name="a"/>; a is overwritten.</summary>
    public static double[] Invert(double[] a, int n, ParallelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        if ((long)n * n != a.Length) throw new ArgumentException($"Expected {n}² values.", nameof(a));
        // 1. In-place Cholesky (row-oriented Crout): a's lower triangle becomes L.
        for (var i = 0; i < n; i++)
        {
            var rowI = a.AsSpan(i * n, n);
            for (var j = 0; j < i; j++)
            {
                var rowJ = a.AsSpan(j * n, n);
                rowI[j] = (rowI[j] - TensorPrimitives.Dot(rowI[..j], rowJ[..j])) / rowJ[j];
            }
            var d = rowI[i] - TensorPrimitives.Dot(rowI[..i], rowI[..i]);
            if (!(d > 0)) throw new ArithmeticException($"The matrix is not positive definite (pivot {i} is {d}).");
            rowI[i] = Math.Sqrt(d);
        }
        // 2. Mᵀ where M = L⁻¹: column c of M solves L·x = e_c by forward substitution, x[i] = −L[i, c..i)·x[c..i) / L[i, i]
        //    — a contiguous dot per element. Columns are independent, so blocks of them run in parallel; within a block
        //    each row of L is read once for all its columns (one column at a time re-read all of L per column).
        var mt = new double[a.Length];
        var parallel = options ?? new ParallelOptions();
        const int block = 16;
        Parallel.For(0, (n + block - 1) / block, parallel, b =>
        {
            var first = b * block;
            var end = Math.Min(n, first + block);
            for (var i = first; i < n; i++)
            {
                var rowL = a.AsSpan(i * n, n);
                for (var c = first; c < end && c <= i; c++)
                {
                    var x = mt.AsSpan(c * n, n);
                    x[i] = i == c ? 1 / rowL[i] : -TensorPrimitives.Dot(rowL[c..i], x[c..i]) / rowL[i];
                }
            }
        });
        // 3. A⁻¹ = Mᵀ·M, symmetric: A⁻¹[r, s] = Σ_{k ≥ s} Mᵀ[r, k]·Mᵀ[s, k] for s ≥ r (Mᵀ[s, k] is zero below k = s);
        //    one contiguous dot per upper-triangle element, mirrored to the lower triangle.
        var result = a; // reuse the storage: L is no longer needed.
        Parallel.For(0, n, parallel, r =>
        {
            var rowR = mt.AsSpan(r * n, n);
            for (var s = r; s < n; s++)
            {
                var v = TensorPrimitives.Dot(rowR[s..], mt.AsSpan(s * n + s, n - s));
                result[r * n + s] = v;
                result[s * n + r] = v;
            }
        });
        return result;
    }
}
