using MLOps.Recommenders.Benchmark;

namespace MLOps.Recommenders.Tests;

/// <summary>The benchmark's own flow: tuning on validation, and tuned parts handed to the blend and the ranker.</summary>
public class RecsysBenchmarkTests
{
    [Fact]
    public void Run_TunesOnTheGrid_AndHandsTunedPartsToBlendAndRanker()
    {
        var data = Synthetic.Clustered(users: 120, items: 40);
        var lines = new List<string>();
        var report = RecsysBenchmark.Run("synthetic", data, "recommenders", ["popularity", "ease", "ials", "infae", "blend", "ranker"], 5, 42, tune: true, lines.Add);
        Assert.Equal(["popularity", "ease", "ials", "infae", "blend", "ranker"], report.Results.Select(r => r.Model));
        var row = report.Results.ToDictionary(r => r.Model);
        Assert.Contains(row["ease"].Parameters["lambda"], RecsysBenchmark.TuningSpaces["ease"]["lambda"]);
        Assert.Contains(row["ials"].Parameters["regularization"], RecsysBenchmark.TuningSpaces["ials"]["regularization"]);
        Assert.Equal(3, row["ease"].Trials);
        Assert.Equal(0, row["infae"].Trials); // no grid: defaults
        // The blend's parts (iALS, ∞-AE) and the ranker's generators (iALS, EASE, SAR) take the values tuned above.
        Assert.Equal(row["ials"].Parameters["regularization"], row["blend"].Parameters["ials.regularization"]);
        Assert.False(row["blend"].Parameters.ContainsKey("ease.lambda"), "EASE is not a part of the default blend");
        Assert.Equal(row["ease"].Parameters["lambda"], row["ranker"].Parameters["ease.lambda"]);
        Assert.Contains(row["ranker"].Parameters["validation_kept"], new[] { 0.0, 1.0 });
        foreach (var r in report.Results)
            Assert.InRange(r.Metrics["ndcg@5"], 0, 1);
        Assert.True(row["ease"].Metrics["ndcg@5"] > row["popularity"].Metrics["ndcg@5"], "EASE finds the taste groups, popularity cannot");
        Assert.Contains(lines, l => l.Contains("tune ease", StringComparison.Ordinal) && l.Contains("mean of 5 carves", StringComparison.Ordinal));
    }
}
