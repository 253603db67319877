using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Models;
using MLOps.Tests;

namespace MLOps.Recommenders.Tests;

public class SplitTests
{
    [Fact]
    public void Stratified_PutsRoundedThreeQuartersOfEachUserInTrain_AndIsSeeded()
    {
        var data = Synthetic.Clustered();
        var a = Splits.Stratified(data, 0.75, 42);
        var b = Splits.Stratified(data, 0.75, 42);
        var c = Splits.Stratified(data, 0.75, 43);
        for (var u = 0; u < data.UserCount; u++)
        {
            var n = data.History(u).Length;
            Assert.Equal((int)Math.Round(0.75 * n, MidpointRounding.ToEven), a.Train.History(u).Length);
            Assert.Equal(n, a.Train.History(u).Length + a.Test[u].Length);
            Assert.Empty(a.Test[u].Intersect(a.Train.History(u).ToArray()));
            Assert.Equal(a.Test[u], b.Test[u]);
        }
        Assert.Contains(Enumerable.Range(0, data.UserCount), u => !a.Test[u].SequenceEqual(c.Test[u]));
    }

    [Fact]
    public void StratifiedByItem_SplitsEachItemsInteractions()
    {
        var data = Synthetic.Clustered();
        var split = Splits.Stratified(data, 0.75, 42, StratifyBy.Item);
        var testCounts = new int[data.ItemCount];
        foreach (var t in split.Test) foreach (var i in t) testCounts[i]++;
        for (var i = 0; i < data.ItemCount; i++)
            Assert.Equal((int)Math.Round(0.75 * data.ItemCounts[i], MidpointRounding.ToEven), split.Train.ItemCounts[i]);
        Assert.Equal(data.InteractionCount, split.Train.InteractionCount + testCounts.Sum());
    }

    [Fact]
    public void Chronological_TrainsBeforeCutoffOnly()
    {
        var data = Synthetic.Clustered();
        var split = Splits.Chronological(data, 0.8);
        var cutoff = split.Train.MaxTimestamp;
        var testTimes = data.Interactions.ToArray().Where(x => split.Test[x.User].Contains(x.Item)).Select(x => x.Timestamp);
        Assert.All(testTimes, t => Assert.True(t > cutoff));
        Assert.InRange(split.Train.InteractionCount, (int)(0.79 * data.InteractionCount), (int)(0.81 * data.InteractionCount));
    }
}

public class ModelTests
{
    [Fact]
    public void Sar_FindsPlantedPairs()
    {
        // Items 2k and 2k+1 are always watched together; everything else is random.
        var random = new Random(5);
        var list = new List<Interaction>();
        for (var u = 0; u < 80; u++)
        {
            var pair = random.Next(10);
            list.Add(new Interaction(u, 2 * pair, 1, u));
            list.Add(new Interaction(u, 2 * pair + 1, 1, u));
            list.Add(new Interaction(u, 20 + random.Next(20), 1, u));
        }
        var data = new TrainingData(Synthetic.Items(40), Synthetic.Users(80), list);
        var sar = Sar.Train(data);
        Span<int> top = stackalloc int[1];
        Span<float> weight = stackalloc float[1];
        for (var pair = 0; pair < 10; pair++)
        {
            if (data.ItemCounts[2 * pair] == 0) continue;
            sar.Neighbours(2 * pair, top, weight);
            Assert.Equal(2 * pair + 1, top[0]);
        }
    }

    [Fact]
    public void Ials_RecoversLowRankStructure_BetterThanPopularity()
    {
        var data = Synthetic.Clustered();
        var split = Splits.Stratified(data, 0.75, 42);
        var ials = ModelTrainer.Train("ials", new Dictionary<string, double> { ["factors"] = 8, ["iterations"] = 8, ["regularization"] = 1 }, split.Train, 42);
        var popularity = ModelTrainer.Train("popularity", null, split.Train);
        var mf = Evaluator.Evaluate(ials, split, 5);
        var pop = Evaluator.Evaluate(popularity, split, 5);
        Assert.True(mf["ndcg@5"] > pop["ndcg@5"] + 0.2, $"iALS {mf["ndcg@5"]:0.000} vs popularity {pop["ndcg@5"]:0.000}");
        Assert.True(GroupPurity(mf) > 0.9, $"iALS group purity {GroupPurity(mf):0.000}");
    }

    /// <summary>The scores kept beside each top-k list (the served-score reference of drift) are the model's own, best first.</summary>
    [Fact]
    public void Evaluate_KeepsTheModelsScoreOfEveryListedItem()
    {
        var split = Splits.Stratified(Synthetic.Clustered(), 0.75, 42);
        var ease = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 10 }, split.Train);
        var result = Evaluator.Evaluate(ease, split, 5);
        var scores = new float[split.Train.ItemCount];
        for (var u = 0; u < result.Users.Length; u++)
        {
            ease.Score(split.Train.History(result.Users[u]), scores);
            var row = result.Recommendations[u];
            Assert.Equal(row.Length, result.RecommendationScores[u].Length);
            for (var j = 0; j < row.Length; j++)
            {
                if (row[j] < 0) { Assert.True(float.IsNaN(result.RecommendationScores[u][j])); continue; }
                Assert.Equal(scores[row[j]], result.RecommendationScores[u][j]);
                if (j > 0 && row[j - 1] >= 0) Assert.True(result.RecommendationScores[u][j] <= result.RecommendationScores[u][j - 1]);
            }
        }
    }

    [Fact]
    public void Ease_RecoversGroups()
    {
        var split = Splits.Stratified(Synthetic.Clustered(), 0.75, 42);
        var ease = ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 10 }, split.Train);
        var result = Evaluator.Evaluate(ease, split, 5);
        Assert.True(GroupPurity(result) > 0.9, $"EASE group purity {GroupPurity(result):0.000}");
    }

    /// <summary>Share of recommended items from the user's own taste group (items i with i % 4 == u % 4).</summary>
    private static double GroupPurity(EvaluationResult result) =>
        result.Users.Select((u, n) => result.Recommendations[n].Count(i => i >= 0 && i % 4 == u % 4) / 5.0).Average();

    [Fact]
    public void Ials_IsDeterministicForASeed()
    {
        var data = Synthetic.Clustered(users: 40, items: 20);
        var p = new Dictionary<string, double> { ["factors"] = 4, ["iterations"] = 3 };
        var a = ModelArtifact.ToBytes(ModelTrainer.Train("ials", p, data, 1));
        var b = ModelArtifact.ToBytes(ModelTrainer.Train("ials", p, data, 1));
        var c = ModelArtifact.ToBytes(ModelTrainer.Train("ials", p, data, 2));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Content_NeighboursShareGenres_ForItemsWithoutInteractions()
    {
        var data = Synthetic.Clustered();
        var empty = data.With([]);
        var content = Content.Train(empty);
        Span<int> top = stackalloc int[5];
        Span<float> weight = stackalloc float[5];
        var count = content.Neighbours(3, top, weight);
        Assert.Equal(5, count);
        foreach (var i in top) Assert.Equal(3 % 4, i % 4);
    }

    [Fact]
    public void Popularity_ColdStartFiltersByGenre()
    {
        var data = Synthetic.Clustered();
        var popularity = PopularityRecommender.Train(data);
        var top = new int[3];
        Assert.Equal(3, popularity.TopForGenres(data.Catalog, ["GENRE2"], top));
        Assert.All(top, i => Assert.Equal(2, i % 4));
    }

    [Theory]
    [InlineData("popularity")]
    [InlineData("sar")]
    [InlineData("ease")]
    [InlineData("ials")]
    [InlineData("infae")]
    [InlineData("content")]
    [InlineData("blend")]
    [InlineData("ranker")]
    public async Task Artifact_RoundTripsBitIdentical(string kind)
    {
        var data = Synthetic.Clustered(users: 50, items: 30);
        var parameters = kind switch
        {
            "ials" => new Dictionary<string, double> { ["factors"] = 4, ["iterations"] = 2 },
            "blend" => new Dictionary<string, double> { ["ease"] = 1, ["sar"] = 0.5, ["ials"] = 0.2, ["ials.factors"] = 4, ["ials.iterations"] = 2 },
            "ranker" => new Dictionary<string, double> { ["ials.factors"] = 4, ["ials.iterations"] = 2, ["min_leaf"] = 5, ["candidates"] = 10 },
            _ => null,
        };
        var model = ModelTrainer.Train(kind, parameters, data, 3);
        var store = TestEnvironment.NewFolderStore("artifact");
        var info = await ModelArtifact.SaveAsync(store, $"models/test/versions/1/{kind}.bin", model, cancellationToken: TestContext.Current.CancellationToken);
        var loaded = await ModelArtifact.LoadAsync(store, info.Path, TestContext.Current.CancellationToken);
        Assert.Equal(model.Kind, loaded.Kind);
        Assert.Equal(model.Items.Ids, loaded.Items.Ids);
        Assert.Equal(model.Parameters, loaded.Parameters);
        Assert.Equal(ModelArtifact.ToBytes(model), ModelArtifact.ToBytes(loaded));
        var a = new float[data.ItemCount];
        var b = new float[data.ItemCount];
        for (var u = 0; u < data.UserCount; u++)
        {
            model.Score(data.History(u), a);
            loaded.Score(data.History(u), b);
            Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData("ease")]
    [InlineData("sar")]
    [InlineData("ials")]
    [InlineData("infae")]
    [InlineData("blend")]
    public void Recommend_AllocatesNothingOnceWarm(string kind)
    {
        var data = Synthetic.Clustered(users: 50, items: 30);
        var p = kind == "ials" ? new Dictionary<string, double> { ["factors"] = 8, ["iterations"] = 2 } : null;
        var model = ModelTrainer.Train(kind, p, data, 1);
        var scores = new float[data.ItemCount];
        var top = new int[10];
        TopK.Recommend(model, data.History(0), scores, top);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var u = 0; u < data.UserCount; u++) TopK.Recommend(model, data.History(u), scores, top);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Artifact_RejectsCorruptBytes()
    {
        var bytes = ModelArtifact.ToBytes(ModelTrainer.Train("popularity", null, Synthetic.Clustered()));
        Assert.Throws<InvalidDataException>(() => ModelArtifact.FromBytes(bytes[..^3]));
        bytes[0] = (byte)'X';
        Assert.Throws<InvalidDataException>(() => ModelArtifact.FromBytes(bytes));
    }

    /// <summary>A blend given no part weights takes the default parts; a part parameter for a part without a weight is an error.</summary>
    [Fact]
    public void Blend_WithoutWeights_TakesTheDefaultParts()
    {
        var data = Synthetic.Clustered(users: 40, items: 20);
        var byDefault = ModelArtifact.ToBytes(ModelTrainer.Train("blend", null, data, 1));
        Assert.Equal(byDefault, ModelArtifact.ToBytes(ModelTrainer.Train("blend", new Dictionary<string, double>(), data, 1)));
        var tuned = (BlendRecommender)ModelTrainer.Train("blend", new Dictionary<string, double> { ["ials.factors"] = 4 }, data, 1);
        Assert.Equal(ModelTrainer.BlendDefaults.Keys.Order(StringComparer.Ordinal), tuned.Parts.Select(m => m.Kind));
        Assert.Equal(4, tuned.Parts.Single(m => m.Kind == "ials").Parameters["factors"]);
        var error = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("blend", new Dictionary<string, double> { ["ials"] = 1, ["sar.similarity"] = 2 }, data));
        Assert.Contains("sar.similarity", error.Message);
    }

    /// <summary>Every generator the ranker accepts as a weight is one of its parts; a parameter it would not use is an error.</summary>
    [Fact]
    public void Ranker_UsesEveryWeightedGenerator_AndRejectsUnusedParameters()
    {
        var data = Synthetic.Clustered(users: 50, items: 30);
        var ranker = (RankerRecommender)ModelTrainer.Train("ranker", new Dictionary<string, double>
        {
            ["ials"] = 1, ["ease"] = 0, ["sar"] = 0, ["infae"] = 1, ["ials.factors"] = 4, ["ials.iterations"] = 2, ["min_leaf"] = 5, ["candidates"] = 10,
        }, data, 3);
        Assert.Equal(["ials", "infae"], ranker.Parts.Select(m => m.Kind));
        foreach (var (key, named) in new[] { ("infae.regularization", "infae.regularization"), ("blend", "blend"), ("ranker.leaves", "ranker.leaves") })
        {
            var error = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("ranker", new Dictionary<string, double> { [key] = 1 }, data, 3));
            Assert.Contains(named, error.Message);
        }
    }

    [Fact]
    public void Trainer_RejectsUnknownParameter() =>
        Assert.Throws<ArgumentException>(() => ModelTrainer.Train("ease", new Dictionary<string, double> { ["lamda"] = 3 }, Synthetic.Clustered()));
}

public class CholeskyInverseTests
{
    [Fact]
    public void Invert_MatchesMathNet()
    {
        var random = new Random(9);
        const int n = 37;
        var x = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(50, n, (_, _) => random.NextDouble() < 0.3 ? 1 : 0);
        var g = x.TransposeThisAndMultiply(x) + MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(n) * 3;
        var expected = g.Inverse();
        var actual = Models.CholeskyInverse.Invert(g.ToRowMajorArray(), n);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                Assert.Equal(expected[i, j], actual[i * n + j], 1e-10);
    }

    [Fact]
    public void Ease_BothSolversGiveTheSameModel()
    {
        var data = Synthetic.Clustered(users: 60, items: 25);
        var fast = (Models.ItemItemRecommender)ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 5 }, data);
        var reference = (Models.ItemItemRecommender)ModelTrainer.Train("ease", new Dictionary<string, double> { ["lambda"] = 5, ["solver"] = 1 }, data);
        var a = new float[data.ItemCount];
        var b = new float[data.ItemCount];
        fast.Score(data.History(0), a);
        reference.Score(data.History(0), b);
        for (var i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 1e-5f);
    }
}
