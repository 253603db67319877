using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Features;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

public sealed class RecommenderTrainerTests
{
    /// <summary>
    /// The trainer caches the baseline's scores per snapshot. Two stores can hold snapshots with the same id (the id is
    /// the cutoff's second plus a hash of batch paths and ETags), so the cache must be per store: a popularity candidate
    /// scored against the popularity baseline of its own store differs from it by exactly zero.
    /// </summary>
    [Fact]
    public async Task Evaluate_TwoStoresSameSnapshotId_EachUsesItsOwnBaseline()
    {
        var ct = TestContext.Current.CancellationToken;
        var snapshot = new FeatureSnapshotRef("fs-same-id", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 1_500, 60, 80, false, 0);
        var evaluations = new List<CandidateEvaluation>();
        foreach (var seed in new[] { 1L, 2L })
        {
            var store = await GeneratedStoreAsync(seed, ct);
            var trainer = new RecommenderTrainer(store);
            var popularity = await trainer.TrainAsync(snapshot, new CandidateConfig("popularity"), $"trainer-test-{seed}:train-0", ct);
            evaluations.Add(await trainer.EvaluateAsync(snapshot, popularity, champion: null, $"trainer-test-{seed}:evaluate-0", ct));
        }
        // Scores only: the latency guardrail is a timing of each model, not a score of the data.
        static Dictionary<string, double> Scores(IReadOnlyDictionary<string, double> m) =>
            m.Where(kv => kv.Key != GuardrailMetrics.LatencyP95).ToDictionary();
        Assert.NotEqual(Scores(evaluations[0].Metrics), Scores(evaluations[1].Metrics)); // different data, different scores
        foreach (var e in evaluations)
        {
            Assert.Equal(Scores(e.Metrics), Scores(e.ChampionMetrics!));
            Assert.All(e.VersusChampion, v => Assert.Equal(0, v.Difference));
        }
    }

    /// <summary>
    /// The demo's kind of generated data (taste communities, few repeat views) must give a personal model something to
    /// learn: EASE beats popularity on the pipeline's held-out window with a 95 % interval above zero, so `mlops demo`
    /// without MovieLens promotes a first champion.
    /// </summary>
    [Fact]
    public async Task CommunityData_EaseBeatsPopularity_Significantly()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new GeneratorOptions { Users = 600, Items = 300, Events = 40_000, Days = 30, Seed = 7, Communities = 12, RepeatViews = false };
        var store = await GeneratedStoreAsync(options, ct);
        var snapshot = new FeatureSnapshotRef("fs-communities", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), options.Events, options.Users, options.Items, false, 0);
        var trainer = new RecommenderTrainer(store);
        var ease = await trainer.TrainAsync(snapshot, new CandidateConfig("ease"), "communities:train-0", ct);
        var evaluation = await trainer.EvaluateAsync(snapshot, ease, champion: null, "communities:evaluate-0", ct);

        var ndcg = Assert.Single(evaluation.VersusChampion, v => v.Metric == "ndcg@10");
        Assert.True(ndcg.Lower > 0, $"EASE − popularity nDCG@10 {ndcg.Difference:F4} [{ndcg.Lower:F4}, {ndcg.Upper:F4}] should lie above 0");
    }

    /// <summary>
    /// With no user past the held-out window's size, nothing can be evaluated: the pipeline said "0 interactions of 0 users"
    /// and then reported ndcg@10 0.0000 against 0.0000 as if computed. Training now refuses, saying why.
    /// </summary>
    [Fact]
    public async Task Train_WhenNoUserHasMoreHistoryThanTheHeldOutWindow_IsRefused_SayingWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await PlaysStoreAsync(users: 3, playsEach: 5, titles: 7, ct);
        var snapshot = new FeatureSnapshotRef("fs-short", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 15, 3, 7, false, 0);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new RecommenderTrainer(store).TrainAsync(snapshot, new CandidateConfig("popularity"), "short:train-0", ct));

        Assert.Contains("no user has more than 10 interactions", error.Message, StringComparison.Ordinal);
        Assert.Contains("15 interactions of 3 users", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A tuning trial is scored on the run's training data cut again the way the run cuts its held-out window (each user's
    /// 10 latest interactions): the same number computed here by hand, so tuning never sees the window candidates are judged on.
    /// </summary>
    [Fact]
    public async Task TuningTrial_ScoresOnTheTrainingDatasLatestInteractions_NotTheHeldOutWindow()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await GeneratedStoreAsync(3, ct);
        var snapshot = new FeatureSnapshotRef("fs-tuning", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 1_500, 60, 80, false, 0);
        var parameters = new Dictionary<string, double> { ["lambda"] = 24, ["dropout"] = 0 };

        var trial = await new RecommenderTuner(store).RunTrialAsync(new TrialRequest(snapshot, "ease", parameters, "tuning:tune-0-0"), ct);

        var builder = new MLOps.Recommenders.TrainingDataBuilder(before: snapshot.Cutoff);
        await foreach (var e in EventLog.ReadAsync(store, cancellationToken: ct)) builder.Add(e);
        var data = builder.Build(await CatalogStore.ReadAsync(store, ct));
        var validation = MLOps.Recommenders.Evaluation.Splits.LeaveLastOut(MLOps.Recommenders.Evaluation.Splits.LeaveLastOut(data, RecommenderTrainer.HoldOut).Train, RecommenderTrainer.HoldOut);
        var expected = MLOps.Recommenders.Tuning.Tuner.RunTrial("ease", parameters, validation, RecommenderTrainer.K, RecommenderTrainer.Seed, ct).Score;
        Assert.Null(trial.Note);
        Assert.True(expected > 0, $"the hand-made carve scores {expected}");
        Assert.Equal(Math.Round(expected, 6), trial.Score);
        Assert.Equal(parameters, trial.Parameters);
    }

    /// <summary>Users with 11 to 20 interactions leave nothing to validate on once the window is held out: the trial says so instead of scoring 0.</summary>
    [Fact]
    public async Task TuningTrial_WithNoUserToValidateOn_IsNotScored_SayingWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await PlaysStoreAsync(users: 4, playsEach: 15, titles: 30, ct);
        var snapshot = new FeatureSnapshotRef("fs-tuning-short", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 60, 4, 30, false, 0);

        var trial = await new RecommenderTuner(store).RunTrialAsync(new TrialRequest(snapshot, "sar", new() { ["similarity"] = 2 }, "short:tune-0-0"), ct);

        Assert.Null(trial.Score);
        Assert.StartsWith("not scored: the 'validation-leave-last-10' split holds no test interaction", trial.Note, StringComparison.Ordinal);
    }

    /// <summary>
    /// A registered model names its feature snapshot as its training data, so training reads what that snapshot covers:
    /// its watermark's batches and its frozen catalogue. Until 2026-12-07 it read every batch in the log with events before
    /// the cutoff and the catalogue as it was when training ran, so a late batch (a user's plays from before the cutoff,
    /// imported after the snapshot) and a catalogue edit changed the model and its figures while the record named the same
    /// snapshot: training again from the record gave another model.
    /// </summary>
    [Fact]
    public async Task Train_ReadsTheSnapshotsBatchesAndFrozenCatalogue_NotWhatArrivedAfterIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var cutoff = new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero);
        var evaluations = new List<CandidateEvaluation>();
        foreach (var late in new[] { false, true })
        {
            var store = await GeneratedStoreAsync(5, ct);
            var manifest = await new FeatureStore(store).RefreshAsync(new FeatureRefreshRequest { Cutoff = cutoff }, cancellationToken: ct);
            if (late)
            {
                // 15 plays of a new user on 5 January, before the cutoff, and every title's genres rewritten.
                await IngestPlaysAsync(store, "late-user", 15, firstUnixSeconds: 1_736_035_200, ct);
                var catalog = await CatalogStore.ReadAsync(store, ct);
                await CatalogStore.MergeAsync(store, [.. catalog.Select(i => i with { Genres = ["Late"] })], ct);
            }
            var snapshot = new FeatureSnapshotRef(manifest.SnapshotId, manifest.Cutoff, manifest.EventsUsed, 0, 0, false, 0);
            var trainer = new RecommenderTrainer(store);
            var model = await trainer.TrainAsync(snapshot, new CandidateConfig("popularity"), $"late-{late}:train-0", ct);
            evaluations.Add(await trainer.EvaluateAsync(snapshot, model, champion: null, $"late-{late}:evaluate-0", ct));
        }

        Assert.Equal(evaluations[0].Window, evaluations[1].Window); // the late user's 10 latest plays are not in the window
        Assert.Equal(Scores(evaluations[0].Metrics), Scores(evaluations[1].Metrics)); // diversity from the frozen genres
        Assert.True(evaluations[0].Metrics["diversity"] > 0, "the generated titles' genres differ, so diversity is above 0");
    }

    /// <summary>
    /// Without a feature store the pipeline's snapshot is <see cref="EventSnapshotRefresher"/>'s <c>ev-…</c>; training on it
    /// reads the batches its record lists, so a late batch (plays from before its cutoff, imported after it) does not enter
    /// a model that names it. Until 2026-12-08 it read every batch committed when training ran: the late user's plays
    /// moved the held-out window and the figures under the same snapshot id.
    /// </summary>
    [Fact]
    public async Task Train_OnAnEventSnapshot_ReadsItsBatches_NotALateOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var evaluations = new List<CandidateEvaluation>();
        var snapshots = new List<FeatureSnapshotRef>();
        foreach (var late in new[] { false, true })
        {
            var store = await GeneratedStoreAsync(5, ct);
            var snapshot = await new EventSnapshotRefresher(store).RefreshAsync($"ev-late-{late}:refresh-features", ct);
            // 15 plays of a new user on 5 January, before the snapshot's cutoff (one second after the newest event, in January 2025).
            if (late) await IngestPlaysAsync(store, "late-user", 15, firstUnixSeconds: 1_736_035_200, ct);
            var trainer = new RecommenderTrainer(store);
            var model = await trainer.TrainAsync(snapshot, new CandidateConfig("popularity"), $"ev-late-{late}:train-0", ct);
            evaluations.Add(await trainer.EvaluateAsync(snapshot, model, champion: null, $"ev-late-{late}:evaluate-0", ct));
            snapshots.Add(snapshot);
        }

        Assert.True(snapshots[1].Cutoff > DateTimeOffset.FromUnixTimeSeconds(1_736_035_200 + 15), $"cutoff {snapshots[1].Cutoff:u}: the late plays lie before it");
        Assert.Equal(evaluations[0].Window, evaluations[1].Window); // the late user's 10 latest plays are not in the window
        Assert.Equal(Scores(evaluations[0].Metrics), Scores(evaluations[1].Metrics));
    }

    /// <summary>
    /// <c>championMetrics</c> holds the baseline's figures under the candidate's names, the top-k latency guardrail
    /// included (timed side by side with the candidate's), so the run output shows both sides of every gate.
    /// </summary>
    [Fact]
    public async Task Evaluate_ChampionMetrics_HoldTheSameFigures_LatencyIncluded()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await GeneratedStoreAsync(5, ct);
        var snapshot = new FeatureSnapshotRef("fs-champion-latency", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 1_500, 60, 80, false, 0);
        var trainer = new RecommenderTrainer(store);
        var popularity = await trainer.TrainAsync(snapshot, new CandidateConfig("popularity"), "champion-latency:train-0", ct);

        var evaluation = await trainer.EvaluateAsync(snapshot, popularity, champion: null, "champion-latency:evaluate-0", ct);

        Assert.Equal(evaluation.Metrics.Keys.Order(), evaluation.ChampionMetrics!.Keys.Order());
        Assert.Contains(GuardrailMetrics.LatencyP95, evaluation.ChampionMetrics.Keys);
    }

    /// <summary>The trained candidate carries the seed it was trained with, which the registry records with the version.</summary>
    [Fact]
    public async Task Train_CarriesItsSeed()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await GeneratedStoreAsync(4, ct);
        var snapshot = new FeatureSnapshotRef("fs-seeded", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 1_500, 60, 80, false, 0);

        var trained = await new RecommenderTrainer(store).TrainAsync(snapshot, new CandidateConfig("popularity"), "seeded:train-0", ct);

        Assert.Equal(RecommenderTrainer.Seed, trained.Seed);
    }

    /// <summary>Scores only: the latency guardrail is a timing of each model, not a score of the data.</summary>
    private static Dictionary<string, double> Scores(IReadOnlyDictionary<string, double> metrics) =>
        metrics.Where(kv => kv.Key != GuardrailMetrics.LatencyP95).ToDictionary();

    private static async Task IngestPlaysAsync(IBlobStore store, string user, int plays, long firstUnixSeconds, CancellationToken ct)
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("late-plays"), "events.csv");
        var rows = Enumerable.Range(0, plays).Select(i => $"{user},late-title-{i},{firstUnixSeconds + i},play");
        await File.WriteAllTextAsync(file, "userId,contentId,timestamp,eventType\n" + string.Join('\n', rows) + "\n", ct);
        await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
    }

    /// <summary>A store of <paramref name="users"/> users each playing <paramref name="playsEach"/> distinct titles of <paramref name="titles"/>, one a second.</summary>
    private static async Task<IBlobStore> PlaysStoreAsync(int users, int playsEach, int titles, CancellationToken ct)
    {
        var file = Path.Combine(TestEnvironment.NewTempFolder("plays"), "events.csv");
        var rows = Enumerable.Range(0, users).SelectMany(u => Enumerable.Range(0, playsEach).Select(i => $"u{u},m{(u + i) % titles},{1_700_000_000 + u * 100 + i},play"));
        await File.WriteAllTextAsync(file, "userId,contentId,timestamp,eventType\n" + string.Join('\n', rows) + "\n", ct);
        var store = TestEnvironment.NewFolderStore("plays");
        await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
        return store;
    }

    private static Task<IBlobStore> GeneratedStoreAsync(long seed, CancellationToken ct) =>
        GeneratedStoreAsync(new GeneratorOptions { Users = 60, Items = 80, Events = 1_500, Days = 10, Seed = seed }, ct);

    private static async Task<IBlobStore> GeneratedStoreAsync(GeneratorOptions options, CancellationToken ct)
    {
        var dir = TestEnvironment.NewTempFolder("trainer-data");
        SyntheticGenerator.Generate(options, dir, cancellationToken: ct);
        var store = TestEnvironment.NewFolderStore("trainer");
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, SyntheticGenerator.CatalogFileName)), ct);
        await new EventIngestor(store).IngestAsync(EventSources.File(Path.Combine(dir, SyntheticGenerator.EventsFileName), "csv", ColumnMap.Default, RatingScale.Default), cancellationToken: ct);
        return store;
    }
}
