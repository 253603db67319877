using MathNet.Numerics.LinearAlgebra;

namespace MLOps.Recommenders.Tests;

/// <summary>EASE's normalised fit against the closed form written out with MathNet, independently of the product's solver.</summary>
public class EaseNormalizationTests
{
    [Theory]
    [InlineData(0, 0, 5)]        // plain EASE
    [InlineData(0.5, 0, 3)]      // user weighting only
    [InlineData(0, 0.3, 3)]      // degree normalisation only
    [InlineData(0.25, 0.25, 2)]  // the defaults' shape
    public void Scores_MatchTheClosedForm(double userWeight, double itemPower, double lambda)
    {
        var data = Synthetic.Clustered(users: 50, items: 16, density: 0.4, noise: 0.1);
        var model = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = lambda, ["user_weight"] = userWeight, ["item_power"] = itemPower }, data);
        var expected = ClosedForm(data, userWeight, itemPower, lambda);
        var scores = new float[data.ItemCount];
        for (var u = 0; u < 10; u++)
        {
            model.Score(data.History(u), scores);
            var x = Vector<double>.Build.Dense(data.ItemCount);
            foreach (var h in data.History(u)) x[h] = 1;
            var want = expected.LeftMultiply(x);
            for (var i = 0; i < scores.Length; i++) Assert.Equal(want[i], scores[i], 1e-4);
        }
    }

    /// <summary>G = D^-β Xᵀ W X D^-β + λI with W = diag(|h_u|^-w); P = G⁻¹; B' = −P·diag(1/diag P) with zero diagonal; B = D^-β B' D^β.</summary>
    private static Matrix<double> ClosedForm(TrainingData data, double userWeight, double itemPower, double lambda)
    {
        var n = data.ItemCount;
        var x = Matrix<double>.Build.Dense(data.UserCount, n);
        var w = Matrix<double>.Build.DiagonalIdentity(data.UserCount);
        for (var u = 0; u < data.UserCount; u++)
        {
            foreach (var h in data.History(u)) x[u, h] = 1;
            if (data.History(u).Length > 0) w[u, u] = Math.Pow(data.History(u).Length, -userWeight);
        }
        var d = Matrix<double>.Build.DiagonalOfDiagonalArray(x.ColumnSums().Select(c => Math.Pow(c, -itemPower)).ToArray());
        var g = d * x.Transpose() * w * x * d + lambda * Matrix<double>.Build.DenseIdentity(n);
        var p = g.Inverse();
        var b = Matrix<double>.Build.Dense(n, n, (i, j) => i == j ? 0 : -p[i, j] / p[j, j]);
        return d * b * d.Inverse();
    }

    [Fact]
    public void Normalisation_DoesNotLoseTheTasteGroups()
    {
        var split = Evaluation.Splits.Stratified(Synthetic.Clustered(), 0.75, 42);
        var result = Evaluation.Evaluator.Evaluate(ModelTrainer.Train("ease", null, split.Train), split, 5);
        var purity = result.Users.Select((u, n) => result.Recommendations[n].Count(i => i >= 0 && i % 4 == u % 4) / 5.0).Average();
        Assert.True(purity > 0.9, $"group purity {purity:0.000}");
    }

    [Theory]
    [InlineData("user_weight", -0.1)]
    [InlineData("item_power", 2.5)]
    [InlineData("item_power", double.NaN)]
    public void OutOfRangeNormalisation_IsRejectedByName(string name, double value)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("ease", new Dictionary<string, double> { [name] = value }, Synthetic.Clustered()));
        Assert.Contains(name, error.Message);
    }
}
