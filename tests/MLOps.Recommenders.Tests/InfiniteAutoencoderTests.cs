using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Models;

namespace MLOps.Recommenders.Tests;

public class InfiniteAutoencoderTests
{
    /// <summary>
    /// The closed-form kernel is the limit of a real network's tangent kernel: a one-hidden-layer ReLU network of width 200 000 in
    /// the NTK parameterisation (σ_w² = 2, σ_b = 0.1), its parameter gradients summed by hand, lands within 2 % of it.
    /// </summary>
    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(0, 4, 6)]
    [InlineData(6, 6, 6)]
    public void Kernel_IsTheWideNetworksTangentKernel(int overlap, int lengthX, int lengthY)
    {
        const int inputs = 12, width = 200_000;
        var x = Enumerable.Range(0, lengthX).ToArray();
        var y = Enumerable.Range(lengthX - overlap, lengthY).ToArray();
        Assert.Equal(overlap, x.Intersect(y).Count());
        var random = new Random(5);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double sumActivations = 0, sumDerivatives = 0;
        var w = new double[inputs];
        for (var j = 0; j < width; j++)
        {
            for (var i = 0; i < inputs; i++) w[i] = Normal();
            var bias = 0.1 * Normal();
            var a = Normal();
            var hx = Math.Sqrt(2.0 / inputs) * x.Sum(i => w[i]) + bias;
            var hy = Math.Sqrt(2.0 / inputs) * y.Sum(i => w[i]) + bias;
            sumActivations += Math.Max(hx, 0) * Math.Max(hy, 0);
            if (hx > 0 && hy > 0) sumDerivatives += a * a;
        }
        // ∂f/∂a_j, ∂f/∂b (output layer) and ∂f/∂w_j, ∂f/∂β_j (hidden layer, through a_j·relu′).
        var empirical = 2.0 / width * sumActivations + 0.01 + 2.0 / width * sumDerivatives * (2.0 * overlap / inputs + 0.01);
        var exact = InfiniteAutoencoder.Kernel(overlap, lengthX, lengthY, inputs, depth: 1);
        Assert.True(Math.Abs(empirical - exact) < 0.02 * exact, $"empirical {empirical:0.00000} vs closed form {exact:0.00000}");
    }

    /// <summary>On the diagonal every ReLU layer passes half its variance, so Θ(x, x) is the sum of the layers' Σ(x, x).</summary>
    [Fact]
    public void Kernel_OnTheDiagonal_SumsTheLayerVariances()
    {
        const int inputs = 40, length = 9;
        var sigma = 2.0 * length / inputs + 0.01;
        var expected = 0.0;
        for (var layer = 0; layer <= 3; layer++) { expected += sigma; sigma += 0.01; }
        Assert.Equal(expected, InfiniteAutoencoder.Kernel(length, length, length, inputs, depth: 3), 6); // acos near 1 loses half the digits
    }

    /// <summary>Off the diagonal at depth 2 (angle ≠ 0): the closed form against a Monte-Carlo estimate of its Gaussian expectations (1.3992).</summary>
    [Fact]
    public void Kernel_AtDepthTwo_MatchesMonteCarlo() =>
        Assert.Equal(1.3992, InfiniteAutoencoder.Kernel(3, 5, 7, 12, depth: 2), 2);

    /// <summary>Items outside the index are ignored everywhere, the history's own length included: the scores equal the in-index history's.</summary>
    [Fact]
    public void OutOfIndexHistoryItems_ChangeNothing()
    {
        var data = Synthetic.Clustered(users: 40, items: 30);
        var model = ModelTrainer.Train("infae", null, data);
        var history = data.History(3).ToArray();
        var expected = new float[data.ItemCount];
        var actual = new float[data.ItemCount];
        model.Score(history, expected);
        model.Score([.. history, data.ItemCount + 4, -1], actual);
        Assert.Equal(expected, actual);
    }

    /// <summary>With almost no ridge, kernel regression interpolates: each training user's own row comes back.</summary>
    [Fact]
    public void BarelyRegularised_ReconstructsEveryTrainingRow()
    {
        var data = Synthetic.Clustered(users: 40, items: 30);
        var model = ModelTrainer.Train("infae", new Dictionary<string, double> { ["regularization"] = 1e-5 }, data);
        var scores = new float[data.ItemCount];
        for (var u = 0; u < data.UserCount; u++)
        {
            model.Score(data.History(u), scores);
            var row = new float[data.ItemCount];
            foreach (var i in data.History(u)) row[i] = 1;
            for (var i = 0; i < row.Length; i++) Assert.True(Math.Abs(scores[i] - row[i]) < 0.02, $"user {u} item {i}: {scores[i]} for {row[i]}");
        }
    }

    [Fact]
    public void RecoversGroups_BetterThanPopularity()
    {
        var split = Splits.Stratified(Synthetic.Clustered(), 0.75, 42);
        var infae = Evaluator.Evaluate(ModelTrainer.Train("infae", null, split.Train), split, 5);
        var popularity = Evaluator.Evaluate(ModelTrainer.Train("popularity", null, split.Train), split, 5);
        Assert.True(infae["ndcg@5"] > popularity["ndcg@5"] + 0.2, $"∞-AE {infae["ndcg@5"]:0.000} vs popularity {popularity["ndcg@5"]:0.000}");
        var purity = infae.Users.Select((u, n) => infae.Recommendations[n].Count(i => i >= 0 && i % 4 == u % 4) / 5.0).Average();
        Assert.True(purity > 0.9, $"∞-AE group purity {purity:0.000}");
    }

    [Fact]
    public void MaxUsers_RegressesOnASeededSample()
    {
        var data = Synthetic.Clustered(users: 50, items: 30);
        var p = new Dictionary<string, double> { ["max_users"] = 15 };
        var a = (InfiniteAutoencoder)ModelTrainer.Train("infae", p, data, 1);
        Assert.Equal(15, a.BasisUsers);
        Assert.Equal(ModelArtifact.ToBytes(a), ModelArtifact.ToBytes(ModelTrainer.Train("infae", p, data, 1)));
        Assert.NotEqual(ModelArtifact.ToBytes(a), ModelArtifact.ToBytes(ModelTrainer.Train("infae", p, data, 2)));
        Assert.Equal(50, ((InfiniteAutoencoder)ModelTrainer.Train("infae", null, data, 1)).BasisUsers);
    }

    [Theory]
    [InlineData("regularization", 0)]
    [InlineData("max_users", 0)]
    [InlineData("depth", 0)]
    [InlineData("depth", double.NaN)]
    [InlineData("depth", 1.5)]
    [InlineData("regularization", double.PositiveInfinity)]
    [InlineData("max_users", 1.5)]
    [InlineData("max_users", 1e12)]
    public void RejectsOutOfRangeParameters(string name, double value)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("infae", new Dictionary<string, double> { [name] = value }, Synthetic.Clustered(users: 20, items: 10)));
        Assert.Contains(name, error.Message);
    }
}
