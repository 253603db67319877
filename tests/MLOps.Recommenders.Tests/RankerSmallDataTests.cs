using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Models;

namespace MLOps.Recommenders.Tests;

/// <summary>Too little data for LightGBM: the ranker says so and serves its primary generator's order, where it threw.</summary>
public class RankerSmallDataTests
{
    [Fact]
    public void Ranker_WithTooFewValidationRows_IsNotTrained_ServesThePrimaryOrder_AndSaysWhy()
    {
        var data = Synthetic.Clustered(users: 8, items: 12);
        var lines = new List<string>();
        var ranker = RankerRecommender.Train(data, null, 42, lines.Add);
        Assert.False(ranker.Trained);
        Assert.False(ranker.Kept);
        Assert.Contains("that one tree split needs", ranker.NotTrainedReason, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("ranker not trained:", StringComparison.Ordinal));

        // Its order is the primary generator's (iALS, trained with the ranker's seed for its first part).
        var primary = ModelTrainer.Train("ials", ModelTrainer.PartParameters(ranker.Parameters, "ials"), data, 42);
        var ours = new float[data.ItemCount];
        var theirs = new float[data.ItemCount];
        var top = new int[5];
        var expected = new int[5];
        for (var u = 0; u < data.UserCount; u++)
        {
            TopK.Recommend(ranker, data.History(u), ours, top);
            TopK.Recommend(primary, data.History(u), theirs, expected);
            Assert.Equal(expected, top);
        }
        // The reason survives the artifact (it is rebuilt from the stored counts).
        var loaded = (RankerRecommender)ModelArtifact.FromBytes(ModelArtifact.ToBytes(ranker));
        Assert.Equal(ranker.NotTrainedReason, loaded.NotTrainedReason);
    }
}
