using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Tuning;

namespace MLOps.Recommenders.Tests;

/// <summary>Blend weights picked on validation from cached part scores: the cache must score exactly as the blend itself does.</summary>
public class BlendTunerTests
{
    [Fact]
    public void Trial_ScoresExactlyAsTheTrainedBlend()
    {
        // EASE and SAR are deterministic, so the blend's parts equal the tuner's whatever seed each gets.
        var train = Synthetic.Clustered(users: 80, items: 30);
        var carve = Tuner.ValidationSplits(train, carves: 1)[0];
        var weighting = new Dictionary<string, double> { ["ease"] = 1, ["sar"] = 0.5 };
        var result = BlendTuner.Tune([weighting], new Dictionary<string, IReadOnlyDictionary<string, double>>(), [carve], k: 5);
        var blend = ModelTrainer.Train("blend", weighting, carve.Train);
        Assert.Equal(Evaluator.Evaluate(blend, carve, 5)["ndcg@5"], result.BestScore, 12);
    }

    /// <summary>Seeded parts too: every blend part takes the blend's seed, so the tuner's cached iALS is the blend's iALS.</summary>
    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(1.0, 0.0)]
    public void Trial_WithSeededParts_ScoresExactlyAsTheTrainedBlend(double ials, double infae)
    {
        var train = Synthetic.Clustered(users: 80, items: 30);
        var carve = Tuner.ValidationSplits(train, carves: 1)[0];
        var weighting = new Dictionary<string, double> { ["ials"] = ials, ["infae"] = infae };
        var ialsParameters = new Dictionary<string, double> { ["factors"] = 8, ["iterations"] = 3 };
        // A second weighting brings EASE into the grid, so iALS is no longer the first of the tuner's parts.
        var result = BlendTuner.Tune([weighting, new Dictionary<string, double> { ["ease"] = 1 }],
            new Dictionary<string, IReadOnlyDictionary<string, double>> { ["ials"] = ialsParameters }, [carve], k: 5, seed: 9);
        var blendParameters = new Dictionary<string, double>(weighting.Where(w => w.Value > 0)) { ["ials.factors"] = 8, ["ials.iterations"] = 3 };
        var blend = ModelTrainer.Train("blend", blendParameters, carve.Train, seed: 9);
        Assert.Equal(Evaluator.Evaluate(blend, carve, 5)["ndcg@5"], result.Trials[0].Score, 12);
    }

    [Fact]
    public void PastTheCacheBudget_ASeededSampleOfUsersIsScored()
    {
        var carve = Tuner.ValidationSplits(Synthetic.Clustered(users: 60, items: 30), carves: 1)[0];
        var perUser = 3 * 30 * sizeof(float);
        var all = carve.TestUsers.Count();
        Assert.Same(carve, BlendTuner.WithinCacheBudget(carve, parts: 3, seed: 1, budgetBytes: all * perUser));
        var sampled = BlendTuner.WithinCacheBudget(carve, parts: 3, seed: 1, budgetBytes: 10L * perUser);
        Assert.Equal(10, sampled.TestUsers.Count());
        Assert.Contains($"10 of {all} users", sampled.Protocol);
        Assert.All(sampled.TestUsers, u => Assert.Equal(carve.Test[u], sampled.Test[u]));
        Assert.Equal(sampled.TestUsers, BlendTuner.WithinCacheBudget(carve, parts: 3, seed: 1, budgetBytes: 10L * perUser).TestUsers);
    }

    [Fact]
    public void Tune_KeepsTheFirstWeightingOnATie_AndPicksABetterOne()
    {
        var train = Synthetic.Clustered(users: 80, items: 30);
        var carves = Tuner.ValidationSplits(train, carves: 2);
        var none = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        // The same weighting up to scale scores the same: the first listed wins.
        var tie = BlendTuner.Tune([new Dictionary<string, double> { ["ease"] = 1 }, new Dictionary<string, double> { ["ease"] = 0.5 }], none, carves, k: 5);
        Assert.Equal(1, tie.Best["ease"]);
        Assert.Equal(tie.Trials[0].Score, tie.Trials[1].Score, 12);
        // Popularity cannot see the taste groups; EASE can: the pick follows the scores.
        var pick = BlendTuner.Tune([new Dictionary<string, double> { ["popularity"] = 1 }, new Dictionary<string, double> { ["ease"] = 1 }], none, carves, k: 5);
        Assert.Equal(1, pick.Best.GetValueOrDefault("ease"));
        Assert.True(pick.Trials[1].Score > pick.Trials[0].Score);
    }

    [Fact]
    public void WeightGrid_HoldsEveryWeightingButAllZeros()
    {
        var grid = BlendTuner.WeightGrid(["ease", "ials", "infae"], [0, 0.5, 1]);
        Assert.Equal(26, grid.Count);
        Assert.DoesNotContain(grid, w => w.Values.All(v => v == 0));
        Assert.Equal(26, grid.Select(w => string.Join(",", w.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))).Distinct().Count());
    }

    [Theory]
    [InlineData("blend")]
    [InlineData("ranker")]
    [InlineData("nope")]
    public void Tune_RejectsWhatABlendCannotWeight(string part)
    {
        var carve = Tuner.ValidationSplits(Synthetic.Clustered(users: 20, items: 10), carves: 1);
        var error = Assert.Throws<ArgumentException>(() => BlendTuner.Tune([new Dictionary<string, double> { [part] = 1 }], new Dictionary<string, IReadOnlyDictionary<string, double>>(), carve));
        Assert.Contains(part, error.Message);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    public void Tune_RejectsWeightingsABlendWouldRefuse(double weight)
    {
        var carve = Tuner.ValidationSplits(Synthetic.Clustered(users: 20, items: 10), carves: 1);
        Assert.Throws<ArgumentException>(() => BlendTuner.Tune([new Dictionary<string, double> { ["sar"] = weight }], new Dictionary<string, IReadOnlyDictionary<string, double>>(), carve));
    }
}
