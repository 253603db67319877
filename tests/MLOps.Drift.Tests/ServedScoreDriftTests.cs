using System.Globalization;
using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift.Alerts;
using MLOps.Drift.Prediction;
using MLOps.Drift.Window;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>
/// Prediction drift against the champion's evaluation: served scores, genre mix and popularity deciles of the scored
/// exposures compared with the <see cref="PredictionReference"/> built from evaluated top-10 lists (docs/drift.md).
/// </summary>
public sealed class ServedScoreDriftTests
{
    private const int ReferenceDays = 14;
    private const int Titles = 200;
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How serving behaves from day D on.</summary>
    private sealed record Serving(double Scale = 1, bool Tail = false, bool WithScores = true, string Model = "recommender v1");

    [Fact]
    public async Task ServingTheChampionAsEvaluated_NoPredictionAlert()
    {
        var report = await CheckAsync(new Serving());
        Assert.Equal(PredictionDrift.Evaluation, report.Served!.Reference);
        foreach (var name in new[] { DriftFeatures.ServedScore, DriftFeatures.ServedGenre, DriftFeatures.ServedPopularity })
        {
            var f = Assert.Single(report.Features, f => f.Name == name);
            Assert.NotEqual("none", f.Method);
            Assert.False(f.Drifted, $"{name}: {f.Method} {f.Score}, PSI {f.Psi}");
        }
        Assert.Equal(PopularityDeciles.Labels.Order(), report.Features.Single(f => f.Name == DriftFeatures.ServedPopularity).Bins.Select(b => b.Bin).Order());
        // Fallback titles (cold-start lists, no score) are served but are not compared with the evaluation.
        Assert.True(report.Served.Exposures > report.Served.ScoredExposures);
        Assert.Equal(report.Served.ScoredExposures, report.Features.Single(f => f.Name == DriftFeatures.ServedScore).CurrentRows);
        Assert.Empty(report.Alerts);
    }

    [Fact]
    public async Task ModelSwapThatScalesScores_ScoreAlertNamesIt()
    {
        var report = await CheckAsync(new Serving(Scale: 1.5, Model: "recommender v2"));
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.PredictionDrift);
        Assert.Equal(DriftFeatures.ServedScore, alert.Subject);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        Assert.Contains("score distribution", alert.Title);
        // The top-scoring reference bin gains most: scores moved up, and the evidence says which model served them.
        Assert.StartsWith(">", alert.Evidence.TopBins![0].Bin);
        Assert.True(alert.Evidence.TopBins[0].Current > 0.25, $"{alert.Evidence.TopBins[0].Current}");
        var facts = alert.Evidence.Facts!;
        var ratio = double.Parse(facts["currentMedian"], CultureInfo.InvariantCulture) / double.Parse(facts["referenceMedian"], CultureInfo.InvariantCulture);
        Assert.InRange(ratio, 1.35, 1.65);
        Assert.Contains("recommender v2", facts["servedModels"]);
        Assert.Contains("evaluation of", facts["predictionReference"]);
        // Same titles, same order: only the score distribution can see this swap.
        Assert.DoesNotContain(report.Alerts, a => a.Subject is DriftFeatures.ServedGenre or DriftFeatures.ServedPopularity);
    }

    [Fact]
    public async Task ServingFromADifferentDistribution_ScoreAndPopularityAlert()
    {
        var report = await CheckAsync(new Serving(Scale: 0.6, Tail: true));
        Assert.Contains(report.Alerts, a => a.Kind == AlertKind.PredictionDrift && a.Subject == DriftFeatures.ServedScore);
        var popularity = Assert.Single(report.Alerts, a => a.Kind == AlertKind.PredictionDrift && a.Subject == DriftFeatures.ServedPopularity);
        var before = double.Parse(popularity.Evidence.Facts!["referenceTop10Share"], CultureInfo.InvariantCulture);
        var after = double.Parse(popularity.Evidence.Facts!["currentTop10Share"], CultureInfo.InvariantCulture);
        Assert.True(after < before / 2, $"{before} → {after}");
    }

    [Fact]
    public async Task OldExposureRecordsWithoutScores_StillRead_NotJudgedAgainstTheEvaluation()
    {
        var report = await CheckAsync(new Serving(WithScores: false));
        Assert.Equal(0, report.Served!.ScoredExposures);
        Assert.True(report.Served.Exposures >= 2000);
        Assert.NotNull(report.Served.Note);
        var score = Assert.Single(report.Features, f => f.Name == DriftFeatures.ServedScore);
        Assert.Equal("none", score.Method);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.PredictionDrift);

        // The same records against a champion without an evaluation reference: judged as before (genre mix, popularity bands).
        var fallback = await CheckAsync(new Serving(WithScores: false), withEvaluation: false);
        Assert.Equal(PredictionDrift.TrainingEvents, fallback.Served!.Reference);
        Assert.Equal("jensenshannon", Assert.Single(fallback.Features, f => f.Name == DriftFeatures.ServedPopularity).Method);
    }

    [Fact]
    public async Task ChampionWithoutEvaluationReference_FallsBackToTrainingEvents_AndSaysSo()
    {
        var report = await CheckAsync(new Serving(Scale: 1.5, Tail: true), withEvaluation: false);
        Assert.Equal(PredictionDrift.TrainingEvents, report.Served!.Reference);
        Assert.Contains("no evaluation reference", report.Served.Source);
        Assert.DoesNotContain(report.Features, f => f.Name == DriftFeatures.ServedScore);
        var alert = Assert.Single(report.Alerts, a => a.Subject == DriftFeatures.ServedPopularity);
        Assert.Contains("no evaluation reference", alert.Evidence.Facts!["predictionReference"]);
        Assert.Contains("reference period", alert.Summary);
        Assert.All(alert.Evidence.TopBins!, b => Assert.Contains(b.Bin, ServedPopularity.Bands));
    }

    /// <summary>
    /// docs/drift.md's worked example: reference scores uniform on (0, 1) (deciles 0.1 … 0.9), a swap that multiplies every score
    /// by 1.5: current shares 1/15 in each of the nine lower bins and 0.4 above 0.9, PSI = 9·(1/15 − 0.1)·ln(2/3) + 0.3·ln 4 = 0.5375;
    /// Wasserstein = E|1.5u − u| = 0.25 over the reference's standard deviation 1/√12 = 0.866.
    /// </summary>
    [Fact]
    public void ScoreDistribution_WorkedExample()
    {
        var reference = Enumerable.Range(0, 10_000).Select(i => (i + 0.5) / 10_000).ToArray();
        var current = Enumerable.Range(0, 3_000).Select(i => 1.5 * (i + 0.5) / 3_000).ToArray();
        var stats = DriftReferences.ToStatistics(new FeatureValues(DriftFeatures.ServedScore, Features.Statistics.FeatureKind.Numeric, 0, reference, null), new DriftOptions());
        var drift = new DriftChecker(TestEnvironment.NewFolderStore()).Compare(stats, new FeatureValues(DriftFeatures.ServedScore, Features.Statistics.FeatureKind.Numeric, 0, current, null))!;
        Assert.Equal(0.5375, drift.Psi, 3);
        Assert.Equal("wasserstein", drift.Method);
        Assert.Equal(0.866, drift.Score, 2);
        Assert.Equal(AlertSeverity.Critical, drift.Severity);
        Assert.Equal(0.4, drift.Bins[^1].Current, 3);
    }

    /// <summary>Deciles of a 20-title catalogue hold 2 titles each; unranked and unknown titles are decile 10.</summary>
    [Fact]
    public void PopularityDeciles_BinByTrainingRank()
    {
        var interactions = Enumerable.Range(0, 20).ToDictionary(i => $"c{i}", i => (long)(i < 18 ? 20 - i : 0));
        var ranking = PopularityDeciles.Rank(interactions, 20);
        Assert.Equal(18, ranking.Ranked.Count); // the top 90 %: the rest is decile 10 anyway
        var profile = PopularityDeciles.Profile(ranking, [("c0", 5), ("c1", 1), ("c5", 3), ("c19", 1), ("new-title", 2)]);
        Assert.Equal(6, profile[PopularityDeciles.Labels[0]]);
        Assert.Equal(3, profile[PopularityDeciles.Labels[2]]);
        Assert.Equal(3, profile[PopularityDeciles.Labels[9]]);
        Assert.Equal(0.5, PopularityDeciles.HeadShare(profile), 6);
    }

    private static async Task<DriftReport> CheckAsync(Serving from, bool withEvaluation = true)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 1, 1000, seed: 5);
        await WriteServedAsync(store, ReferenceDays + 1, driftFromDay: ReferenceDays, from, seed: 6);
        // A champion's reference over the training days (with or without its evaluation).
        var reference = (await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct))
            with { Kind = "champion", Model = "recommender", ModelVersion = "1" };
        if (withEvaluation)
        {
            var catalog = (await CatalogStore.ReadAsync(store, ct)).ToDictionary(c => c.ContentId, c => c.Genres);
            var interactions = Enumerable.Range(0, Titles).ToDictionary(i => $"c{i}", i => (long)Math.Round(1000 * Weight(i)));
            reference = reference with
            {
                Prediction = PredictionReferences.Build(Lists(new Random(11), 2000, new Serving()), interactions, Titles, id => catalog[id], 10, "synthetic evaluation, top 10 of 2,000 users", Now),
            };
        }
        var report = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays)), time: new ManualClock(Now), cancellationToken: ct);
        foreach (var f in report.Features.Where(f => DriftFeatures.IsPrediction(f.Name)))
            TestContext.Current.TestOutputHelper?.WriteLine($"{f.Name}: {f.Method} {f.Score:0.####}, PSI {f.Psi:0.####}, rows {f.ReferenceRows}/{f.CurrentRows}, {f.Severity}");
        return report;
    }

    /// <summary>The synthetic stream's popularity: 1 / (1 + i mod 50).</summary>
    private static double Weight(int title) => 1.0 / (1 + title % 50);

    /// <summary>
    /// Top-10 lists as the model ranks them: distinct titles drawn by popularity (or, with <c>Tail</c>, by its square's inverse),
    /// scores log-normal (median e^−1, σ 0.5) times <c>Scale</c>, best first.
    /// </summary>
    private static List<IReadOnlyList<ScoredTitle>> Lists(Random random, int count, Serving serving)
    {
        var weights = Enumerable.Range(0, Titles).Select(i => serving.Tail ? 1 / (Weight(i) * Weight(i)) : Weight(i)).ToArray();
        var total = weights.Sum();
        var lists = new List<IReadOnlyList<ScoredTitle>>(count);
        for (var n = 0; n < count; n++)
        {
            var titles = new HashSet<int>();
            while (titles.Count < 10)
            {
                var pick = random.NextDouble() * total;
                var i = 0;
                while (i < Titles - 1 && (pick -= weights[i]) >= 0) i++;
                titles.Add(i);
            }
            var scores = titles.Select(_ => serving.Scale * Math.Exp(-1 + 0.5 * Normal(random))).OrderDescending().ToArray();
            lists.Add(titles.Select((t, j) => new ScoredTitle($"c{t}", Math.Round(scores[j], 6))).ToList());
        }
        return lists;
    }

    /// <summary>200 served lists a day as serving logs them (one exposure per title, one time per list) plus 20 cold-start lists without scores.</summary>
    private static async Task WriteServedAsync(IBlobStore store, int days, int driftFromDay, Serving from, int seed)
    {
        var random = new Random(seed);
        for (var d = 0; d < days; d++)
        {
            var serving = d >= driftFromDay ? from : new Serving(WithScores: from.WithScores);
            var day = Synthetic.Start.AddDays(d);
            var text = new StringBuilder();
            var lists = Lists(random, 220, serving);
            for (var n = 0; n < lists.Count; n++)
            {
                var cold = n >= 200;
                var at = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddSeconds(random.Next(86_400));
                foreach (var title in lists[n])
                    text.Append(JsonSerializer.Serialize(new ViewingEvent
                    {
                        EventId = $"s{d}-{n}-{title.ContentId}", UserId = $"w{d}-{n}", ContentId = title.ContentId, Timestamp = at, EventType = EventType.Exposure,
                        Experiment = "home", Variant = "champion", Device = "tv", Country = "US",
                        Score = serving.WithScores && !cold ? title.Score : null, Model = serving.WithScores && !cold ? serving.Model : null,
                    }, StoreJson.Options)).Append('\n');
            }
            await store.WriteTextAsync(StoreLayout.EventBatch(day, $"served-{d:D3}"), text.ToString());
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
