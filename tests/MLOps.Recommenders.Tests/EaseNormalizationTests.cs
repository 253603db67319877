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
    [InlineData(0.25, 0.25, 16)] // the defaults
    public void Scores_MatchTheClosedForm(double userWeight, double itemPower, double lambda) =>
        AssertClosedForm(new Dictionary<string, double> { ["lambda"] = lambda, ["user_weight"] = userWeight, ["item_power"] = itemPower }, 16);

    /// <summary>Past max_items only the most interacted items are modelled, and a user's weight counts their modelled items only.</summary>
    [Fact]
    public void Scores_MatchTheClosedForm_OnTheModelledSubset() =>
        AssertClosedForm(new Dictionary<string, double> { ["lambda"] = 3, ["user_weight"] = 0.5, ["item_power"] = 0.3, ["max_items"] = 10 }, 10);

    private static void AssertClosedForm(Dictionary<string, double> parameters, int modelled)
    {
        var data = Synthetic.Clustered(users: 50, items: 16, density: 0.4, noise: 0.1);
        var model = ModelTrainer.Train("ease", parameters, data);
        var counts = data.ItemCounts.ToArray();
        var subset = Enumerable.Range(0, data.ItemCount).OrderByDescending(i => counts[i]).ThenBy(i => i).Take(modelled).Order().ToArray();
        var expected = ClosedForm(data, subset, parameters["user_weight"], parameters["item_power"], parameters["lambda"]);
        var scores = new float[data.ItemCount];
        for (var u = 0; u < 10; u++)
        {
            model.Score(data.History(u), scores);
            var x = Vector<double>.Build.Dense(subset.Length);
            foreach (var h in data.History(u)) if (Array.IndexOf(subset, h) is var s and >= 0) x[s] = 1;
            var want = expected.LeftMultiply(x);
            for (var s = 0; s < subset.Length; s++) Assert.Equal(want[s], scores[subset[s]], 1e-4);
        }
    }

    /// <summary>Over the modelled items: G = D^-β Xᵀ W X D^-β + λI with W = diag(|h_u|^-w), |h_u| counting modelled items;
    /// P = G⁻¹; B' = −P·diag(1/diag P) with zero diagonal; B = D^-β B' D^β.</summary>
    private static Matrix<double> ClosedForm(TrainingData data, int[] subset, double userWeight, double itemPower, double lambda)
    {
        var n = subset.Length;
        var x = Matrix<double>.Build.Dense(data.UserCount, n);
        var w = Matrix<double>.Build.DiagonalIdentity(data.UserCount);
        for (var u = 0; u < data.UserCount; u++)
        {
            foreach (var h in data.History(u)) if (Array.IndexOf(subset, h) is var s and >= 0) x[u, s] = 1;
            var length = x.Row(u).Sum();
            if (length > 0) w[u, u] = Math.Pow(length, -userWeight);
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
    [InlineData("lambda", -1)]
    [InlineData("lambda", double.PositiveInfinity)]
    [InlineData("lambda", double.NaN)]
    [InlineData("diagonal_scale", -0.5)]
    public void OutOfRangeNormalisation_IsRejectedByName(string name, double value)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("ease", new Dictionary<string, double> { [name] = value }, Synthetic.Clustered()));
        Assert.Contains(name, error.Message);
    }
}
