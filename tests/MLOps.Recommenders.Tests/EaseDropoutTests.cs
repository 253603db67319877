using MathNet.Numerics.LinearAlgebra;

namespace MLOps.Recommenders.Tests;

/// <summary>
/// EASE's `dropout` = p (DLAE, Steck 2020) against its closed form written out with MathNet in double precision, independently of the
/// product's solver: Λ = diag(λ + (p/(1−p) + diagonal_scale)·G_jj), B = (G + Λ)⁻¹G on the (optionally normalised) Gram, scaled back by
/// D^β, diagonal stored as 0.
/// </summary>
public class EaseDropoutTests
{
    /// <summary>A uniformly random binary matrix (one "taste group", every cell 1 with probability 0.3).</summary>
    private static TrainingData RandomBinary() => Synthetic.Clustered(users: 40, items: 12, groups: 1, density: 0.3, seed: 11);

    [Theory]
    [InlineData(0, 0, 5, 0.2, 0)]        // plain Gram
    [InlineData(0, 0, 0, 0.5, 0)]        // no λ: Λ from the dropout alone
    [InlineData(0.25, 0.25, 16, 0.2, 0)] // the normalised Gram, the benchmark's setting
    [InlineData(0.5, 0.3, 3, 0.1, 0)]    // other normalisation
    [InlineData(0.25, 0.25, 4, 0.2, 0.1)] // diagonal_scale adds to Λ's dropout share
    public void Weights_AreTheClosedForm(double userWeight, double itemPower, double lambda, double dropout, double diagonalScale)
    {
        var data = RandomBinary();
        var parameters = new Dictionary<string, double>
        {
            ["lambda"] = lambda, ["user_weight"] = userWeight, ["item_power"] = itemPower, ["dropout"] = dropout, ["diagonal_scale"] = diagonalScale,
        };
        var model = ModelTrainer.Train("ease", parameters, data);
        var expected = ClosedForm(data, userWeight, itemPower, lambda, dropout, diagonalScale);
        var n = data.ItemCount;
        Assert.All(data.ItemCounts.ToArray(), c => Assert.True(c > 0, "every item is modelled"));
        var scores = new float[n];
        var largest = 0.0;
        for (var i = 0; i < n; i++)
        {
            // A one-item history scores row i of B.
            model.Score([i], scores);
            for (var j = 0; j < n; j++)
            {
                var want = i == j ? 0 : expected[i, j];
                Assert.True(Math.Abs(want - scores[j]) <= 1e-5 * Math.Max(1, Math.Abs(want)), $"B[{i}, {j}] = {scores[j]}, closed form {want}");
                largest = Math.Max(largest, Math.Abs(want));
            }
        }
        Assert.True(largest > 0.01, "the weights are not trivially zero");
    }

    [Fact]
    public void Dropout_ChangesTheModel_AndZeroIsClassicEase()
    {
        var data = RandomBinary();
        var ease = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 5 }, data);
        var explicitZero = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 5, ["dropout"] = 0 }, data);
        var dlae = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 5, ["dropout"] = 0.2 }, data);
        Assert.Equal(Artifacts.ModelArtifact.ToBytes(ease), Artifacts.ModelArtifact.ToBytes(explicitZero));
        Assert.NotEqual(Artifacts.ModelArtifact.ToBytes(ease), Artifacts.ModelArtifact.ToBytes(dlae));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1)]
    [InlineData(0.96)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void BadDropout_IsRejectedByName(double value)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("ease", new Dictionary<string, double> { ["dropout"] = value }, RandomBinary()));
        Assert.Contains("'dropout'", error.Message);
        Assert.Contains("EASE", error.Message);
    }

    /// <summary>G = D^-β Xᵀ W X D^-β, W = diag(|h_u|^-w), D = diag(item counts); Λ_j = λ + (p/(1−p) + s)·G_jj; B' = (G + Λ)⁻¹G;
    /// B = D^-β B' D^β.</summary>
    private static Matrix<double> ClosedForm(TrainingData data, double userWeight, double itemPower, double lambda, double dropout, double diagonalScale)
    {
        var n = data.ItemCount;
        var x = Matrix<double>.Build.Dense(data.UserCount, n);
        var w = Matrix<double>.Build.DiagonalIdentity(data.UserCount);
        for (var u = 0; u < data.UserCount; u++)
        {
            foreach (var h in data.History(u)) x[u, h] = 1;
            var length = x.Row(u).Sum();
            if (length > 0) w[u, u] = Math.Pow(length, -userWeight);
        }
        var d = Matrix<double>.Build.DiagonalOfDiagonalArray(x.ColumnSums().Select(c => Math.Pow(c, -itemPower)).ToArray());
        var g = d * x.Transpose() * w * x * d;
        var penalty = Matrix<double>.Build.DiagonalOfDiagonalArray(
            Enumerable.Range(0, n).Select(j => lambda + (dropout / (1 - dropout) + diagonalScale) * g[j, j]).ToArray());
        var b = (g + penalty).Inverse() * g;
        return d * b * d.Inverse();
    }
}
