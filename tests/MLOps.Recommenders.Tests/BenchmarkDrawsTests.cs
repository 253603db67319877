using MLOps.Recommenders.Benchmark;

namespace MLOps.Recommenders.Tests;

/// <summary><see cref="BenchmarkDraws"/>: the benchmark on several draws of the split, and its summary over them.</summary>
public class BenchmarkDrawsTests
{
    private static readonly TrainingData Data = Synthetic.Clustered(users: 60, items: 30);

    [Fact]
    public void TwoDraws_SplitOnSeedAndSeedPlusOne_ModelsKeepTheSeed_SummaryIsOverTheDraws()
    {
        var trains = new List<TrainingData>();
        var modelSeeds = new List<int>();
        var lines = new List<string>();
        var run = BenchmarkDraws.Run("synthetic", Data, "recommenders", ["popularity", "sar"], 5, 42, draws: 2, tune: false,
            (kind, parameters, train, seed, ct) =>
            {
                if (kind == "popularity") trains.Add(train);
                modelSeeds.Add(seed);
                return ModelTrainer.Train(kind, parameters, train, seed, ct);
            }, lines.Add);

        Assert.Equal([42, 43], run.Draws.Select(d => d.SplitSeed));
        Assert.All(run.Draws, d => Assert.Equal(42, d.Report.Seed));
        Assert.All(modelSeeds, s => Assert.Equal(42, s));
        // Each draw trained on the split its seed draws, and the two splits differ.
        Assert.Equal(2, trains.Count);
        for (var d = 0; d < 2; d++) Assert.True(Pairs(RecsysBenchmark.MakeSplit(Data, "recommenders", 42 + d).Train).SetEquals(Pairs(trains[d])), $"draw {d + 1}");
        Assert.False(Pairs(trains[0]).SetEquals(Pairs(trains[1])), "the two draws split alike");
        Assert.Contains("draw 1/2 (split seed 42)", lines);
        Assert.Contains("draw 2/2 (split seed 43)", lines);
        Assert.StartsWith("done: 2 draws of 2 models in ", lines[^1], StringComparison.Ordinal);

        Assert.Equal(["popularity", "sar"], run.Summary.Select(s => s.Model));
        foreach (var summary in run.Summary)
        {
            Assert.Equal(0, summary.Failed);
            var rows = run.Draws.Select(d => d.Report.Results.Single(r => r.Model == summary.Model)).ToArray();
            Assert.Equal(rows[0].Metrics.Keys.Order(StringComparer.Ordinal), summary.Metrics.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, stats) in summary.Metrics)
            {
                double a = rows[0].Metrics[key], b = rows[1].Metrics[key];
                Assert.Equal((a + b) / 2, stats.Mean, 12);
                Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), stats.Sd!.Value, 12); // the sample sd of two values
                Assert.Equal(Math.Min(a, b), stats.Min);
                Assert.Equal(Math.Max(a, b), stats.Max);
            }
        }
        Assert.NotEqual(run.Draws[0].Report.Results[1].Metrics["ndcg@5"], run.Draws[1].Report.Results[1].Metrics["ndcg@5"]);
    }

    [Fact]
    public void AModelFailingInOneDraw_EndsNothing_AndIsLeftOutOfItsStats()
    {
        var sarCalls = 0;
        var lines = new List<string>();
        var run = BenchmarkDraws.Run("synthetic", Data, "recommenders-user", ["popularity", "sar"], 5, 7, draws: 3, tune: false,
            (kind, parameters, train, seed, ct) => kind == "sar" && ++sarCalls == 2
                ? throw new InvalidOperationException("boom")
                : ModelTrainer.Train(kind, parameters, train, seed, ct), lines.Add);

        Assert.Equal([7, 8, 9], run.Draws.Select(d => d.SplitSeed));
        Assert.Equal("InvalidOperationException: boom", run.Draws[1].Report.Results[1].Error);
        var sar = run.Summary[1];
        Assert.Equal(1, sar.Failed);
        double first = run.Draws[0].Report.Results[1].Metrics["ndcg@5"], third = run.Draws[2].Report.Results[1].Metrics["ndcg@5"];
        Assert.Equal((first + third) / 2, sar.Metrics["ndcg@5"].Mean, 12);
        Assert.Equal(Math.Min(first, third), sar.Metrics["ndcg@5"].Min);
        Assert.Equal(0, run.Summary[0].Failed);
        Assert.StartsWith("done: 3 draws of 2 models in ", lines[^1], StringComparison.Ordinal);
        Assert.EndsWith("; failed: sar in 1 of 3", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void OneDrawWithFiguresHasNoSd()
    {
        var stats = BenchmarkDraws.Stats([0.25]);
        Assert.Null(stats.Sd);
        Assert.Equal(new DrawStats(0.25, null, 0.25, 0.25), stats);
    }

    [Theory]
    [InlineData("chronological", 2, "--draws 2 needs a randomly drawn split")]
    [InlineData("leave-last-out", 3, "--draws 3 needs a randomly drawn split")]
    [InlineData("recommenders", 0, "--draws must be at least 1, not 0.")]
    [InlineData("recommenders-user", 51, "--draws must be at most 50, not 51")]
    public void DrawsAProtocolCannotTake_AreRefusedBeforeAnythingRuns(string protocol, int draws, string message)
    {
        var lines = new List<string>();
        var error = Assert.Throws<ArgumentException>(() => BenchmarkDraws.Run("synthetic", Data, protocol, ["popularity"], 5, 42, draws, tune: false, lines.Add));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Empty(lines);
        Assert.Null(BenchmarkDraws.Problem(protocol, 1, 42)); // one draw is today's run, on every protocol
        Assert.StartsWith("--draws 2 from --seed", BenchmarkDraws.Problem("recommenders", 2, int.MaxValue), StringComparison.Ordinal);
    }

    private static HashSet<(int User, int Item)> Pairs(TrainingData train) => [.. train.Interactions.ToArray().Select(x => (x.User, x.Item))];
}
