using MLOps.Recommenders.Artifacts;
using MLOps.Recommenders.Benchmark;
using MLOps.Recommenders.Models;

namespace MLOps.Recommenders.Tests;

/// <summary>The ranker decides whether to keep itself at the cut-off it is evaluated at, not always at 10.</summary>
public class RankerCutoffTests
{
    [Fact]
    public void Benchmark_AtK5_RankerJudgesItsGainAtNdcg5()
    {
        var data = Synthetic.Clustered(users: 300, items: 60);
        var row = RecsysBenchmark.Run("synthetic", data, "recommenders", ["ranker"], 5, 42, tune: false).Results.Single();
        Assert.Null(row.Error);
        Assert.Equal(5, row.Parameters["k"]);
        Assert.Contains("held-back validation users ndcg@5 ", row.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Ranker_WithoutK_JudgesAtTen_AsBefore()
    {
        var data = Synthetic.Clustered(users: 300, items: 60);
        var lines = new List<string>();
        var byDefault = RankerRecommender.Train(data, null, 42, lines.Add);
        Assert.True(byDefault.Trained);
        Assert.Contains(lines, l => l.Contains("ndcg@10 primary", StringComparison.Ordinal));
        var atTen = RankerRecommender.Train(data, new Dictionary<string, double>(RankerRecommender.Defaults) { ["k"] = 10 }, 42);
        Assert.Equal(ModelArtifact.ToBytes(byDefault), ModelArtifact.ToBytes(atTen));
        var atThree = RankerRecommender.Train(data, new Dictionary<string, double> { ["k"] = 3 }, 42);
        Assert.NotEqual(byDefault.ValidationNdcgPrimary, atThree.ValidationNdcgPrimary);
    }
}
