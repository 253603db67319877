using MLOps.Recommenders.Evaluation;
using MLOps.Recommenders.Tuning;

namespace MLOps.Recommenders.Tests;

/// <summary>Tuning on several validation carves: each carve is the seeded per-user split, and a trial scores their mean.</summary>
public class TunerTests
{
    [Fact]
    public void ValidationSplits_AreTheSeededPerUserCarves_EachDifferent()
    {
        var train = Synthetic.Clustered(users: 60, items: 30);
        var carves = Tuner.ValidationSplits(train, seed: 42, carves: 3, ratio: 0.9);
        Assert.Equal(["validation-1", "validation-2", "validation-3"], carves.Select(c => c.Protocol));
        for (var c = 0; c < carves.Count; c++)
        {
            var expected = Splits.Stratified(train, 0.9, 42 + c + 1, StratifyBy.User);
            Assert.Equal(expected.Test, carves[c].Test);
            Assert.Equal(expected.Train.InteractionCount, carves[c].Train.InteractionCount);
        }
        Assert.NotEqual(carves[0].Test, carves[1].Test);
        // 90 % of each user's train items stay in the carve's train part.
        Assert.InRange(carves[0].Train.InteractionCount / (double)train.InteractionCount, 0.88, 0.92);
    }

    [Fact]
    public void Trial_OnSeveralCarves_ScoresTheirMean()
    {
        var train = Synthetic.Clustered(users: 60, items: 30);
        var carves = Tuner.ValidationSplits(train, carves: 2);
        var parameters = new Dictionary<string, double> { ["lambda"] = 8 };
        var both = Tuner.RunTrial("ease", parameters, carves, k: 5);
        var each = carves.Select(c => Tuner.RunTrial("ease", parameters, c, k: 5).Score).ToArray();
        Assert.Equal(each.Average(), both.Score, 12);
        Assert.NotEqual(each[0], each[1]);
    }

    [Theory]
    [InlineData(0, 0.9)]
    [InlineData(5, 1.0)]
    [InlineData(5, 0.0)]
    [InlineData(5, double.NaN)]
    public void ValidationSplits_RejectsNoCarvesOrADegenerateRatio(int carves, double ratio) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tuner.ValidationSplits(Synthetic.Clustered(users: 10, items: 10), carves: carves, ratio: ratio));
}
