using MLOps.Core.Data;
using MLOps.Recommenders;
using MLOps.Recommenders.Models;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

/// <summary>
/// "Because you watched X" names the watched title that adds most to the item's score (Σ_j w_j·B[j, i] for item-item models),
/// not the most genre-similar recent title. Planted weights: t2 (Drama) is driven by t1 (Comedy), though t0 (Drama) is its genre
/// twin; t3 (Horror, no genre shared) is driven by t0.
/// </summary>
public sealed class ModelReasonTests
{
    private static readonly string[] Genres = ["Drama", "Comedy", "Drama", "Horror"];

    private static ServingData Data()
    {
        var catalog = Genres.Select((g, i) => new CatalogItem { ContentId = $"t{i}", Title = $"T{i}", Genres = [g] }).ToList();
        var at = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        // u watched t0 then t1; v exists so the catalogue has viewers of every title (trending is irrelevant here).
        var events = new[] { ("u", 0), ("u", 1), ("v", 2), ("v", 3) }
            .Select((w, n) => new ViewingEvent { EventId = $"e{n}", UserId = w.Item1, ContentId = $"t{w.Item2}", Timestamp = at.AddHours(n) }).ToList();
        return ServingData.Build(catalog, events, TimeSpan.FromDays(7));
    }

    /// <summary>B[row j][column i] by title number, stored in the model's own index order (reversed when <paramref name="reversed"/>).</summary>
    private static IRecommender Model(float[,] b, bool sparse, bool reversed, double recencyHalfLife = 0)
    {
        var order = reversed ? new[] { 3, 2, 1, 0 } : [0, 1, 2, 3];
        var items = new ItemIndex(order.Select(t => $"t{t}"));
        var parameters = new Dictionary<string, double> { ["recency_half_life"] = recencyHalfLife };
        if (!sparse)
        {
            var dense = new float[16];
            for (var r = 0; r < 4; r++) for (var c = 0; c < 4; c++) dense[r * 4 + c] = b[order[r], order[c]];
            return ItemItemRecommender.Dense("ease", items, parameters, [0, 1, 2, 3], dense);
        }
        var offsets = new List<int> { 0 };
        var neighbours = new List<int>();
        var weights = new List<float>();
        for (var r = 0; r < 4; r++)
        {
            foreach (var c in Enumerable.Range(0, 4).Where(c => b[order[r], order[c]] != 0).OrderByDescending(c => b[order[r], order[c]]))
            {
                neighbours.Add(c);
                weights.Add(b[order[r], order[c]]);
            }
            offsets.Add(neighbours.Count);
        }
        return ItemItemRecommender.Sparse("sar", items, parameters, [.. offsets], [.. neighbours], [.. weights]);
    }

    private static Dictionary<string, string> Reasons(IRecommender recommender) =>
        Recommend(recommender).Items.ToDictionary(i => i.ContentId, i => i.Reason);

    private static ServingSnapshot Snapshot(IRecommender recommender)
    {
        var data = Data();
        var model = new ServingModel(new ModelRef("recommender", "1"), recommender, data.Items);
        return new ServingSnapshot(data, model, new Dictionary<string, ServingModel>());
    }

    private static RecommendationsResponse Recommend(IRecommender recommender) =>
        RecommendationService.Recommend(Snapshot(recommender), new RecommendationRequest("u", 2, [], []));

    private static readonly float[,] Planted =
    {
        // to:  t0  t1  t2    t3
        { 0, 0, 1f, 0.5f }, // from t0
        { 0, 0, 5f, 0f },   // from t1
        { 0, 0, 0, 0 },
        { 0, 0, 0, 0 },
    };

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Reason_IsThePlantedTopContributor(bool sparse, bool reversed)
    {
        var reasons = Reasons(Model(Planted, sparse, reversed));

        Assert.Equal("Because you watched T1", reasons["t2"]); // the genre rule said T0 (Drama, like t2)
        Assert.Equal("Because you watched T0", reasons["t3"]); // the genre rule found no shared genre
    }

    /// <summary>Contributions are weighted as the score is: with a recency half-life of 1, t0 (one step back) counts half.</summary>
    [Theory]
    [InlineData(0, "Because you watched T0")]
    [InlineData(1, "Because you watched T1")]
    public void Reason_WeighsContributionsByRecency(double halfLife, string expected)
    {
        var b = new float[4, 4];
        b[0, 2] = 3; // 3 without decay, 1.5 with half-life 1
        b[1, 2] = 2;
        b[0, 3] = 0.1f;

        Assert.Equal(expected, Reasons(Model(b, sparse: false, reversed: false, halfLife))["t2"]);
    }

    /// <summary>No watched title adds to the score (every term ≤ 0): the genre rule stays.</summary>
    [Fact]
    public void Reason_WithoutAPositiveContribution_FallsBackToGenres()
    {
        var b = new float[4, 4];
        b[0, 2] = -1;
        b[1, 2] = -2;
        b[0, 3] = -3;

        var reasons = Reasons(Model(b, sparse: false, reversed: false));

        Assert.Equal("Because you watched T0", reasons["t2"]); // genre twin (Jaccard 1)
        Assert.Equal("Picked for you from what you watch", reasons["t3"]);
    }

    /// <summary>
    /// reasonSource tells a client which rule wrote the reason: "model" when the planted weights name the title, "genre" when no
    /// watched title adds to the score and the genre rule speaks (same "Because you watched T0" text on t2 either way here).
    /// </summary>
    [Theory]
    [InlineData(true, "model")]
    [InlineData(false, "genre")]
    public void ReasonSource_NamesTheRuleThatWroteTheReason(bool attributed, string expected)
    {
        var b = new float[4, 4];
        b[0, 2] = attributed ? 3 : -1;
        b[0, 3] = attributed ? 1 : -1;
        var recommender = Model(b, sparse: false, reversed: false);

        var items = Recommend(recommender).Items;
        var topPicks = RecommendationService.Rows(Snapshot(recommender), "u", rows: 1, perRow: 2).Rows.Single();

        Assert.Equal("Because you watched T0", items.Single(i => i.ContentId == "t2").Reason);
        Assert.Equal(new[] { "t2", "t3" }, items.Select(i => i.ContentId).Order());
        Assert.All(items, i => Assert.Equal(expected, i.ReasonSource));
        Assert.Equal("top-picks", topPicks.Id);
        Assert.NotEmpty(topPicks.Items);
        Assert.All(topPicks.Items, i => Assert.Equal(expected, i.ReasonSource));
    }

    /// <summary>Reasons not chosen per item (trending fill for an unknown user) have no source.</summary>
    [Fact]
    public void ReasonSource_IsNullForColdStartItems()
    {
        var items = RecommendationService.Recommend(Snapshot(Model(Planted, sparse: false, reversed: false)), new RecommendationRequest("nobody", 2, [], [])).Items;

        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Null(i.ReasonSource));
    }

    /// <summary>
    /// iALS: the fold-in x = A⁻¹·(1 + α)·Σ_j y_j splits score(i) into terms (1 + α)·y_jᵀA⁻¹y_i, recomputed here with MathNet from
    /// the item factors (A = YᵀY + λI + α·Σ_j y_j y_jᵀ). The named title is their argmax, and the terms add up to the model's score.
    /// </summary>
    [Fact]
    public void Ials_ReasonIsTheLargestTermOfTheFoldIn()
    {
        var (catalog, events) = SyntheticData.Create(items: 60, users: 40);
        var training = TrainingData.FromEvents(events, catalog);
        var parameters = new Dictionary<string, double> { ["factors"] = 8, ["iterations"] = 6, ["regularization"] = 3, ["alpha"] = 2 };
        var model = IalsRecommender.Train(training, parameters);
        var f = model.Factors;
        var y = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(model.Items.Count, f, (r, c) => model.ItemFactors[r * f + c]);
        var gram = y.TransposeThisAndMultiply(y) + 3 * MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(f);
        var checkedItems = 0;
        for (var u = 0; u < 10; u++)
        {
            var watched = new List<int>();
            foreach (var x in training.UserInteractions(u)) if (!watched.Contains(x.Item)) watched.Add(x.Item);
            var history = watched.ToArray();
            var a = gram.Clone();
            foreach (var h in history) a += 2 * y.Row(h).OuterProduct(y.Row(h));
            var inverse = a.Inverse();
            var scores = new float[model.Items.Count];
            model.Score(history, scores);
            for (var i = 0; i < model.Items.Count; i++)
            {
                if (history.Contains(i)) continue;
                var terms = history.Select(h => 3 * (y.Row(h) * inverse * y.Row(i))).ToArray();
                Assert.Equal(scores[i], terms.Sum(), 0.001 + 1e-3 * Math.Abs(scores[i]));
                var expected = terms.Max() > 0 ? Array.IndexOf(terms, terms.Max()) : -1;
                Assert.Equal(expected, model.TopContributor(history, i));
                checkedItems++;
            }
        }
        Assert.True(checkedItems > 300);
    }
}
