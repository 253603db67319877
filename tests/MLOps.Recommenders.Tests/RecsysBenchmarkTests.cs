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
        Assert.Contains(row["ease"].Parameters["lambda"], MLOps.Recommenders.Tuning.TuningSpaces.Default["ease"]["lambda"]);
        Assert.Contains(row["ease"].Parameters["dropout"], MLOps.Recommenders.Tuning.TuningSpaces.Default["ease"]["dropout"]); // EASE (0) or DLAE (0.2)
        Assert.Contains(row["ials"].Parameters["regularization"], MLOps.Recommenders.Tuning.TuningSpaces.Default["ials"]["regularization"]);
        Assert.Equal(6, row["ease"].Trials); // λ {12, 16, 24} × dropout {0, 0.2}
        Assert.Equal(3, row["infae"].Trials);
        Assert.Contains(row["infae"].Parameters["regularization"], MLOps.Recommenders.Tuning.TuningSpaces.Default["infae"]["regularization"]);
        // The blend's weights are tuned over EASE, iALS and ∞-AE (26 weightings); the parts it keeps, and the ranker's generators
        // (iALS, EASE, SAR), take the values tuned above; a part weighted 0 is left out with its parameters.
        var blend = row["blend"].Parameters;
        Assert.Equal(26, row["blend"].Trials);
        Assert.Contains(BlendTuningParts(), part => blend.GetValueOrDefault(part) > 0);
        foreach (var part in BlendTuningParts()) Assert.True(!blend.ContainsKey(part) || blend[part] > 0, $"{part} weighted 0 stays out");
        foreach (var (part, key) in new[] { ("ease", "lambda"), ("ease", "dropout"), ("ials", "regularization"), ("infae", "regularization") })
            if (blend.GetValueOrDefault(part) > 0) Assert.Equal(row[part].Parameters[key], blend[$"{part}.{key}"]);
            else Assert.False(blend.ContainsKey($"{part}.{key}"));
        Assert.Equal(row["ease"].Parameters["lambda"], row["ranker"].Parameters["ease.lambda"]);
        Assert.Equal(row["ease"].Parameters["dropout"], row["ranker"].Parameters["ease.dropout"]);
        Assert.Contains(row["ranker"].Parameters["validation_kept"], new[] { 0.0, 1.0 });
        foreach (var r in report.Results)
            Assert.InRange(r.Metrics["ndcg@5"], 0, 1);
        Assert.True(row["ease"].Metrics["ndcg@5"] > row["popularity"].Metrics["ndcg@5"], "EASE finds the taste groups, popularity cannot");
        Assert.Contains(lines, l => l.Contains("tune ease", StringComparison.Ordinal) && l.Contains("mean of 5 carves", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("tune ease dropout=0.2,lambda=16", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("tune blend ials=1,infae=0.5", StringComparison.Ordinal)); // the default weighting is tried
    }

    private static IReadOnlyList<string> BlendTuningParts() => RecsysBenchmark.BlendTuningParts;

    /// <summary>A composite's row depends on the data, protocol, k and seed only: its parts are tuned even when not benchmarked.</summary>
    [Fact]
    public void CompositeRows_AreTheSame_WhateverElseIsBenchmarked()
    {
        var data = Synthetic.Clustered(users: 120, items: 40);
        var lines = new List<string>();
        var alone = RecsysBenchmark.Run("synthetic", data, "recommenders", ["blend", "ranker"], 5, 42, tune: true, lines.Add).Results.ToDictionary(r => r.Model);
        var all = RecsysBenchmark.Run("synthetic", data, "recommenders", ["sar", "ials", "ease", "infae", "blend", "ranker"], 5, 42, tune: true)
            .Results.ToDictionary(r => r.Model);
        foreach (var model in new[] { "blend", "ranker" })
        {
            Assert.Equal(all[model].Parameters.OrderBy(p => p.Key), alone[model].Parameters.OrderBy(p => p.Key));
            Assert.Equal(all[model].Metrics["ndcg@5"], alone[model].Metrics["ndcg@5"]);
            Assert.Equal(all[model].Metrics["precision@5"], alone[model].Metrics["precision@5"]);
        }
        Assert.Contains(lines, l => l.Contains("tuning ials for blend", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("tuning sar for ranker", StringComparison.Ordinal));
        Assert.Equal(["blend", "ranker"], alone.Keys.Order(StringComparer.Ordinal)); // parts tuned for them get no row
    }

    /// <summary>One model failing leaves the other rows, with the failure in its own row.</summary>
    [Fact]
    public void AFailingModel_KeepsTheOtherRows_AndReportsItsError()
    {
        var data = Synthetic.Clustered(users: 60, items: 30);
        var report = RecsysBenchmark.Run("synthetic", data, "recommenders", ["popularity", "sar", "ials"], 5, 42, tune: false,
            (kind, parameters, train, seed, ct) => kind == "sar" ? throw new InvalidOperationException("boom") : ModelTrainer.Train(kind, parameters, train, seed, ct));
        Assert.Equal(["popularity", "sar", "ials"], report.Results.Select(r => r.Model));
        var sar = report.Results[1];
        Assert.Equal("InvalidOperationException: boom", sar.Error);
        Assert.Empty(sar.Metrics);
        Assert.All(new[] { report.Results[0], report.Results[2] }, r => { Assert.Null(r.Error); Assert.InRange(r.Metrics["ndcg@5"], 0, 1); });
    }

    [Fact]
    public void K_AboveTheItemsThatCanBeRecommended_IsRefused()
    {
        var data = Synthetic.Clustered(users: 60, items: 30);
        var error = Assert.Throws<ArgumentException>(() => RecsysBenchmark.Run("synthetic", data, "recommenders", ["popularity"], 31, 42, tune: false));
        Assert.StartsWith("--k 31 is more than the 30 items that can be recommended", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recommenders")]
    [InlineData("chronological")]
    [InlineData("leave-last-out")]
    public void NoEvaluableUser_IsRefusedBeforeTraining_OnEveryProtocol(string protocol)
    {
        // Two users with one interaction each: no protocol leaves a test user with train history.
        var data = new TrainingData(Synthetic.Items(5), Synthetic.Users(2), [new Interaction(0, 0, 4, 1), new Interaction(1, 1, 4, 2)]);
        var lines = new List<string>();
        var error = Assert.Throws<InvalidDataException>(() => RecsysBenchmark.Run("tiny", data, protocol, ["popularity"], 1, 42, tune: true, lines.Add));
        Assert.StartsWith("No user can be evaluated:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("[1/1]", StringComparison.Ordinal));
        var none = new TrainingData(Synthetic.Items(5), Synthetic.Users(0), []);
        Assert.Contains("holds no interaction", Assert.Throws<InvalidDataException>(() => RecsysBenchmark.Run("empty", none, protocol, ["popularity"], 1, 42, tune: true)).Message,
            StringComparison.Ordinal);
    }
}

/// <summary>Tuning carves are cut from train the way the protocol cuts test from the data.</summary>
public class ValidationCarveTests
{
    [Fact]
    public void TimeProtocols_CarveTheFutureOfTrain_RandomOnesFiveSeededCarves()
    {
        var train = Synthetic.Clustered(users: 60, items: 30);
        var chronological = RecsysBenchmark.ValidationCarves("chronological", train, 42);
        Assert.Equal(3, chronological.Count);
        foreach (var carve in chronological)
        {
            var latestTrain = carve.Train.MaxTimestamp;
            var positives = carve.TestUsers.SelectMany(u => carve.Test[u].Select(i => (u, i))).ToHashSet();
            // Every held-out interaction happened at or after the carve's cutoff, i.e. after all of its train part.
            Assert.All(train.Interactions.ToArray().Where(x => positives.Contains((x.User, x.Item))), x => Assert.True(x.Timestamp > latestTrain));
        }
        Assert.True(chronological[0].Train.InteractionCount < chronological[2].Train.InteractionCount, "cutoffs at the 80th, 85th, 90th percentiles");

        var last = Assert.Single(RecsysBenchmark.ValidationCarves("leave-last-out", train, 42));
        Assert.All(last.TestUsers, u => Assert.Equal(train.History(u)[^1], Assert.Single(last.Test[u])));

        Assert.Equal(5, RecsysBenchmark.ValidationCarves("recommenders", train, 42).Count);
        Assert.Equal(5, RecsysBenchmark.ValidationCarves("recommenders-user", train, 42).Count);
    }
}
