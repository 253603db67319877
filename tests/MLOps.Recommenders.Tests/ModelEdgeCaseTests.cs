using MLOps.Core.Data;
using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Models;
using MLOps.Recommenders.Tuning;

namespace MLOps.Recommenders.Tests;

/// <summary>Parameters out of range, catalogue fields, and the edges of evaluation and of EASE past max_items.</summary>
public class ModelEdgeCaseTests
{
    /// <summary>Each of these used to train a dead model (all-zero or NaN scores) or fail deep inside with an arithmetic exception.</summary>
    [Theory]
    [InlineData("ials", "factors", 0)]
    [InlineData("ials", "iterations", 0)]
    [InlineData("ials", "cg_steps", 0)]
    [InlineData("ials", "regularization", double.NaN)]
    [InlineData("ials", "alpha", -1)]
    [InlineData("ials", "factors", 2.5)]
    [InlineData("ease", "max_items", 0)]
    [InlineData("ease", "min_rating", double.NaN)]
    [InlineData("ease", "solver", 3)]
    [InlineData("sar", "similarity", 1.9)]
    [InlineData("sar", "similarity", double.NaN)]
    [InlineData("popularity", "half_life_days", -1)]
    [InlineData("content", "decade_weight", double.PositiveInfinity)]
    [InlineData("ranker", "candidates", 0)]
    [InlineData("ranker", "leaves", 1)]
    [InlineData("ranker", "learning_rate", double.NaN)]
    [InlineData("ranker", "ease", double.NaN)]
    [InlineData("blend", "sar", double.NaN)]
    [InlineData("blend", "ials", -1)]
    public void Trainer_RejectsOutOfRangeParameters_NamingThem(string kind, string name, double value)
    {
        var data = Synthetic.Clustered(users: 30, items: 20);
        var parameters = new Dictionary<string, double> { [name] = value };
        if (kind == "blend") parameters.TryAdd("ials", 1);
        var error = Assert.Throws<ArgumentException>(() => ModelTrainer.Train(kind, parameters, data));
        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public void Blend_ZeroWeightPart_IsNotTrained_AndCannotCarryParameters()
    {
        var data = Synthetic.Clustered(users: 40, items: 20);
        var blend = (BlendRecommender)ModelTrainer.Train("blend", new Dictionary<string, double> { ["sar"] = 1, ["ease"] = 0 }, data);
        Assert.Equal(["sar"], blend.Parts.Select(p => p.Kind));
        Assert.Equal([1f], blend.Weights);

        var off = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("blend", new Dictionary<string, double> { ["sar"] = 1, ["ease"] = 0, ["ease.lambda"] = 8 }, data));
        Assert.Contains("ease.lambda", off.Message);
        var none = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("blend", new Dictionary<string, double> { ["sar"] = 0, ["ease"] = 0 }, data));
        Assert.Contains("weight > 0", none.Message);
        var unknown = Assert.Throws<ArgumentException>(() => ModelTrainer.Train("blend", new Dictionary<string, double> { ["sar"] = 1, ["nope"] = 0 }, data));
        Assert.Contains("nope", unknown.Message);
    }

    /// <summary>Imported catalogues carry the year in <see cref="CatalogItem.Year"/> (the title has lost its "(1995)"): content reads it.</summary>
    [Fact]
    public void Content_ReadsTheCatalogueYear_WhenTheTitleHasNone()
    {
        CatalogItem Item(string id, string title, int year) => new() { ContentId = id, Title = title, Genres = ["Drama"], Year = year };
        var catalog = new CatalogItem?[] { Item("a", "Alpha", 1995), Item("b", "Beta", 1996), Item("c", "Gamma", 1955) };
        var data = new TrainingData(new ItemIndex(["a", "b", "c"]), ["u0"], [new Interaction(0, 0, 4, 1)], catalog);
        var model = ModelTrainer.Train("content", new Dictionary<string, double> { ["decade_weight"] = 5 }, data);
        var scores = new float[3];
        model.Score([0], scores);
        Assert.True(scores[1] > scores[2] + 0.1f, $"same decade {scores[1]} should beat another decade {scores[2]}");
    }

    /// <summary>Without a year field the year comes from the title, as the catalogue importer reads it: "(1995) (V)" is 1995.</summary>
    [Fact]
    public void Content_ReadsTheTitlesYear_PastAVideoQualifier()
    {
        CatalogItem Item(string id, string title) => new() { ContentId = id, Title = title, Genres = ["Drama"] };
        var catalog = new CatalogItem?[] { Item("a", "Alpha (1995) (V)"), Item("b", "Beta (1996)"), Item("c", "Gamma (1955) (V)") };
        var data = new TrainingData(new ItemIndex(["a", "b", "c"]), ["u0"], [new Interaction(0, 0, 4, 1)], catalog);
        var model = ModelTrainer.Train("content", new Dictionary<string, double> { ["decade_weight"] = 5 }, data);
        var scores = new float[3];
        model.Score([0], scores);
        Assert.True(scores[1] > scores[2] + 0.1f, $"same decade {scores[1]} should beat another decade {scores[2]}");
    }

    /// <summary>Recommenders averages over users present in test and in predictions: a user who has seen every candidate gets no list and is not a miss.</summary>
    [Fact]
    public void Evaluate_SkipsUsersWithNoCandidateLeft()
    {
        // Items 0–2 have train interactions (the candidates); u0 has seen all three, u1 only item 0; item 1 is the most popular.
        var train = new TrainingData(Synthetic.Items(4), Synthetic.Users(3),
            [new(0, 0, 4, 1), new(0, 1, 4, 2), new(0, 2, 4, 3), new(1, 0, 4, 4), new(2, 1, 4, 5)]);
        var split = new Split("test", train, [[3], [1], []]);
        var result = Evaluator.Evaluate(ModelTrainer.Train("popularity", null, train), split, k: 1);
        Assert.Equal([1], result.Users);
        Assert.Equal(1.0, result["precision@1"], 12);
        Assert.Equal(1.0, result["ndcg@1"], 12);
        Assert.Single(result.Recommendations);
    }

    /// <summary>Pruned EASE past max_items: unmodelled items score below every modelled one (as in the dense form), no item is its own neighbour, and the form round-trips.</summary>
    [Fact]
    public void PrunedEase_OverASubset_NeverPrefersUnmodelledItems()
    {
        var data = Synthetic.Clustered(users: 200, items: 60);
        var model = (ItemItemRecommender)ModelTrainer.Train("ease", new Dictionary<string, double> { ["max_items"] = 12, ["neighbours"] = 5 }, data);
        var modelled = MostInteracted(data, 12);
        var scores = new float[data.ItemCount];
        for (var u = 0; u < data.UserCount; u++)
        {
            model.Score(data.History(u), scores);
            var lowestModelled = modelled.Min(i => scores[i]);
            Assert.All(Enumerable.Range(0, data.ItemCount).Where(i => !modelled.Contains(i)), i => Assert.True(scores[i] < lowestModelled));
        }
        // Keeping more neighbours than there are modelled items lists every other modelled item, never the item itself.
        var all = (ItemItemRecommender)ModelTrainer.Train("ease", new Dictionary<string, double> { ["max_items"] = 12, ["neighbours"] = 20 }, data);
        var neighbours = new int[20];
        var weights = new float[20];
        foreach (var i in modelled)
        {
            var count = all.Neighbours(i, neighbours, weights);
            Assert.Equal(11, count);
            Assert.DoesNotContain(i, neighbours[..count]);
        }
        var bytes = ModelArtifact.ToBytes(model);
        // Written at format 2 (version 1 cannot hold a modelled subset in sparse form), so a version-1 reader refuses it plainly.
        Assert.Equal(2, BitConverter.ToInt32(bytes, 4));
        Assert.Equal(1, BitConverter.ToInt32(ModelArtifact.ToBytes(ModelTrainer.Train("ease", new Dictionary<string, double> { ["neighbours"] = 5 }, data)), 4));
        var loaded = ModelArtifact.FromBytes(bytes);
        Assert.Equal(bytes, ModelArtifact.ToBytes(loaded));
        var again = new float[data.ItemCount];
        model.Score(data.History(7), scores);
        loaded.Score(data.History(7), again);
        Assert.Equal(scores, again);
    }

    [Fact]
    public void DenseEaseNeighbours_OverASubset_ListOnlyModelledItems()
    {
        var data = Synthetic.Clustered(users: 200, items: 60);
        var model = (ItemItemRecommender)ModelTrainer.Train("ease", new Dictionary<string, double> { ["max_items"] = 12 }, data);
        var neighbours = new int[20];
        var weights = new float[20];
        var probe = new float[data.ItemCount];
        var item = MostInteracted(data, 12).Max();
        model.Score([item], probe);
        var count = model.Neighbours(item, neighbours, weights);
        Assert.Equal(11, count);
        Assert.All(weights[..count], w => Assert.True(w > probe.Min()));
    }

    /// <summary>The items EASE models past max_items: the most interacted, ties to the lower index.</summary>
    private static HashSet<int> MostInteracted(TrainingData data, int count)
    {
        var counts = data.ItemCounts.ToArray();
        return Enumerable.Range(0, data.ItemCount).Where(i => counts[i] > 0).OrderByDescending(i => counts[i]).ThenBy(i => i).Take(count).ToHashSet();
    }

    /// <summary>Corrupt ranker trees fail on load with InvalidDataException, not later in scoring (index errors, endless walks).</summary>
    [Theory]
    [InlineData(0, -1, -2, 2)]   // valid: one split on feature 0, leaves 1 and 2
    [InlineData(0, -1, 5, 2)]    // right child points past the tree
    [InlineData(0, 0, -2, 2)]    // left child points at its own node: an endless walk
    [InlineData(7, -1, -2, 2)]   // splits on a feature the ranker does not have
    [InlineData(0, -1, -3, 2)]   // right leaf past the tree's two leaves
    public void RankerTrees_AreCheckedOnLoad(int feature, int left, int right, int leaves)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(0.5f);
            BinaryArrays.Write(w, [0, 1]);
            BinaryArrays.Write(w, [0, leaves]);
            BinaryArrays.Write(w, [feature]);
            BinaryArrays.Write(w, [0.5f]);
            BinaryArrays.Write(w, [left]);
            BinaryArrays.Write(w, [right]);
            BinaryArrays.Write(w, [1f, 2f]);
        }
        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        if (feature == 0 && left == -1 && right == -2)
        {
            var trees = Trees.Read(reader, featureCount: 3);
            Assert.Equal(1.5f, trees.Evaluate([0f, 0f, 0f]));
            Assert.Equal(2.5f, trees.Evaluate([1f, 0f, 0f]));
        }
        else Assert.Throws<InvalidDataException>(() => Trees.Read(reader, featureCount: 3));
    }

    [Fact]
    public void TunerBest_NeverPicksANaNScore()
    {
        var empty = new Dictionary<string, double>();
        var best = Tuner.Best([new TuningTrial(empty, double.NaN, 0), new TuningTrial(empty, 0.1, 0), new TuningTrial(empty, 0.3, 0), new TuningTrial(empty, double.NaN, 0)]);
        Assert.Equal(0.3, best.Score);
    }
}
