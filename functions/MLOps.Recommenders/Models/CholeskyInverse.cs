using System.Numerics.Tensors;

namespace MLOps.Recommenders.Models;

/// <summary>
/// Inverse of a symmetric positive-definite matrix in float64 through its Cholesky factor: A = L·Lᵀ, M = L⁻¹, A⁻¹ = Mᵀ·M. Every inner
/// loop is a contiguous dot product or axpy from System.Numerics.Tensors (SIMD), and the final product runs in parallel by rows.
/// About n³ multiply-adds in all; on ML-100k's 1.6k items it replaces MathNet's managed Cholesky solve (≈ 10 s here) — both are kept
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
        // 2. M = L⁻¹, lower triangular, row by row: M[i, :] = (e_i − Σ_{j<i} L[i, j]·M[j, :]) / L[i, i].
        var m = new double[a.Length];
        for (var i = 0; i < n; i++)
        {
            var target = m.AsSpan(i * n, i + 1);
            target[i] = 1;
            var rowL = a.AsSpan(i * n, n);
            for (var j = 0; j < i; j++)
            {
                var l = rowL[j];
                if (l != 0) TensorPrimitives.MultiplyAdd(m.AsSpan(j * n, j + 1), -l, target[..(j + 1)], target[..(j + 1)]);
            }
            TensorPrimitives.Divide(target, rowL[i], target);
        }
        // 3. A⁻¹ = Mᵀ·M: row r of the result is Σ_{k ≥ r} M[k, r]·M[k, :] (M[k, :] is non-zero in columns 0..k).
        var result = a; // reuse the storage: L is no longer needed.
        Array.Clear(result);
        Parallel.For(0, n, options ?? new ParallelOptions(), r =>
        {
            var row = result.AsSpan(r * n, n);
            for (var k = r; k < n; k++)
            {
                var w = m[k * n + r];
                if (w != 0) TensorPrimitives.MultiplyAdd(m.AsSpan(k * n, k + 1), w, row[..(k + 1)], row[..(k + 1)]);
            }
        });
        return result;
    }
}
