using MathNet.Numerics.LinearAlgebra;
using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Models;

namespace MLOps.Recommenders.Tests;

/// <summary>iALS's frequency-scaled regularisation (Rendle et al. 2021): λ·(1 + α)·(|history| + N/(1 + α))^ν per row.</summary>
public class IalsRegularizationTests
{
    private static Dictionary<string, double> Scaled(double nu) => new()
    {
        ["factors"] = 6, ["iterations"] = 6, ["regularization"] = 0.01, ["alpha"] = 2, ["frequency_scaling"] = nu,
    };

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void FoldIn_SolvesTheFrequencyScaledNormalEquations(double nu)
    {
        var data = Synthetic.Clustered(users: 60, items: 24);
        var model = (IalsRecommender)ModelTrainer.Train("ials", Scaled(nu), data, 5);
        var f = model.Factors;
        var n = data.ItemCount;
        var y = Matrix<double>.Build.Dense(n, f, (i, a) => model.ItemFactors[i * f + a]);
        var history = data.History(3).ToArray();
        // (YᵀY + α Σ_h y_h y_hᵀ + λ(1+α)(|h| + n/(1+α))^ν I) x = (1 + α) Σ_h y_h
        var a = y.TransposeThisAndMultiply(y);
        var b = Vector<double>.Build.Dense(f);
        foreach (var h in history)
        {
            var row = y.Row(h);
            a += 2 * row.OuterProduct(row);
            b += 3 * row;
        }
        a += Matrix<double>.Build.DenseIdentity(f) * (0.01 * 3 * Math.Pow(history.Length + n / 3.0, nu));
        var expected = y * a.Solve(b);
        var actual = new float[n];
        model.Score(history, actual);
        for (var i = 0; i < n; i++) Assert.Equal(expected[i], actual[i], 2e-3);
    }

    [Fact]
    public void FrequencyScaled_RecoversLowRankStructure_BetterThanPopularity()
    {
        var split = Splits.Stratified(Synthetic.Clustered(), 0.75, 42);
        var ials = ModelTrainer.Train("ials", new Dictionary<string, double> { ["factors"] = 8, ["iterations"] = 8, ["regularization"] = 0.01, ["frequency_scaling"] = 1 }, split.Train, 42);
        var popularity = ModelTrainer.Train("popularity", null, split.Train);
        var mf = Evaluator.Evaluate(ials, split, 5);
        var pop = Evaluator.Evaluate(popularity, split, 5);
        Assert.True(mf["ndcg@5"] > pop["ndcg@5"] + 0.2, $"iALS {mf["ndcg@5"]:0.000} vs popularity {pop["ndcg@5"]:0.000}");
    }

    [Fact]
    public void FrequencyScaled_IsDeterministic_AndRoundTripsBitIdentical()
    {
        var data = Synthetic.Clustered(users: 40, items: 20);
        var a = ModelTrainer.Train("ials", Scaled(1), data, 1);
        var b = ModelTrainer.Train("ials", Scaled(1), data, 1);
        var bytes = ModelArtifact.ToBytes(a);
        Assert.Equal(bytes, ModelArtifact.ToBytes(b));
        Assert.NotEqual(bytes, ModelArtifact.ToBytes(ModelTrainer.Train("ials", Scaled(0), data, 1)));
        var loaded = ModelArtifact.FromBytes(bytes);
        Assert.Equal(bytes, ModelArtifact.ToBytes(loaded));
        var x = new float[data.ItemCount];
        var z = new float[data.ItemCount];
        a.Score(data.History(0), x);
        loaded.Score(data.History(0), z);
        Assert.Equal(x.Select(BitConverter.SingleToInt32Bits), z.Select(BitConverter.SingleToInt32Bits));
    }
}
