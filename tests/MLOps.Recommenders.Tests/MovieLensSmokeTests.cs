using MLOps.Recommenders.Evaluation;
using MLOps.Tests;

namespace MLOps.Recommenders.Tests;

public class MovieLensSmokeTests
{
    /// <summary>One real-data check: the split and metrics reproduce the floor (a plain EASE past the published BiVAE 0.475).</summary>
    [Fact]
    public void Ml100k_Ease_PassesPublishedBiVae()
    {
        var folder = TestEnvironment.DatasetPath("ml-100k");
        if (folder is null) Assert.Skip("../shared/data/ml-100k is absent: ML-100k smoke test skipped.");
        var data = MovieLens.Load100k(folder);
        Assert.Equal(100_000, data.InteractionCount);
        Assert.Equal(943, data.UserCount);
        var split = Splits.Stratified(data, 0.75, 42);
        Assert.Equal(75_000, split.Train.InteractionCount, 200.0);
        var ease = ModelTrainer.Train("ease", null, split.Train);
        var result = Evaluator.Evaluate(ease, split, 10);
        Assert.True(result["ndcg@10"] > 0.475, $"EASE nDCG@10 {result["ndcg@10"]:0.0000}");
        Assert.True(result["precision@10"] > 0.412, $"EASE precision@10 {result["precision@10"]:0.0000}");
    }
}
