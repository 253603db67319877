using MLOps.Recommenders.Models;

namespace MLOps.Recommenders.Tests;

/// <summary>A ranker's generator is the model its kind trains alone with the ranker's seed, whichever other generators are on.</summary>
public class RankerPartSeedTests
{
    [Fact]
    public void Ranker_SeededGenerator_DoesNotDependOnWhichOtherGeneratorsAreOn()
    {
        var data = Synthetic.Clustered(users: 40, items: 20);
        // ∞-AE samples max_users basis users with its seed: a seed taken from its position would change its model.
        var alone = ModelTrainer.Train("infae", new Dictionary<string, double> { ["max_users"] = 10 }, data, 42);
        foreach (var others in new[] { new[] { "ease" }, new[] { "ease", "sar" } })
        {
            var parameters = new Dictionary<string, double> { ["ials"] = 0, ["ease"] = 0, ["sar"] = 0, ["infae"] = 1, ["infae.max_users"] = 10 };
            foreach (var other in others) parameters[other] = 1;
            var ranker = RankerRecommender.Train(data, parameters, 42);
            var part = ranker.Parts.Single(p => p.Kind == "infae");
            var ours = new float[data.ItemCount];
            var theirs = new float[data.ItemCount];
            for (var u = 0; u < data.UserCount; u++)
            {
                part.Score(data.History(u), ours);
                alone.Score(data.History(u), theirs);
                Assert.Equal(theirs, ours);
            }
        }
    }
}
