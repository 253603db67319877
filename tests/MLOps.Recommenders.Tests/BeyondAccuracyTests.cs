using MLOps.Core.Data;
using MLOps.Recommenders.Evaluation;

namespace MLOps.Recommenders.Tests;

/// <summary>Coverage, novelty, intra-list diversity and popularity bias against values worked out by hand.</summary>
public class BeyondAccuracyTests
{
    // Five items; users who interacted with each in train (item 4 never appears in train). Ten train users.
    private static readonly int[] TrainCounts = [8, 4, 2, 1, 0];
    private const int TrainUsers = 10;

    [Fact]
    public void CatalogCoverage_CountsDistinctRecommendedItemsOverItemsInTrain()
    {
        // Items 0, 1, 3 recommended (0 twice); 4 items have train interactions → 3 / 4.
        Assert.Equal(0.75, BeyondAccuracy.CatalogCoverage([[0, 1], [0, 3]], TrainCounts), 12);
        Assert.Equal(0.0, BeyondAccuracy.CatalogCoverage([], TrainCounts), 12);
    }

    [Fact]
    public void Novelty_IsMeanSelfInformationOverAllRecommendedPairs()
    {
        // Pairs: item 0 (p 0.8), item 1 (p 0.4), item 0 (p 0.8), item 3 (p 0.1).
        var expected = (-Math.Log2(0.8) * 2 - Math.Log2(0.4) - Math.Log2(0.1)) / 4;
        Assert.Equal(expected, BeyondAccuracy.Novelty([[0, 1], [0, 3]], TrainCounts, TrainUsers), 12);
        // One list: items 2 (p 0.2) and 3 (p 0.1); item 4 has no train users and is skipped.
        Assert.Equal((-Math.Log2(0.2) - Math.Log2(0.1)) / 2, BeyondAccuracy.Novelty([2, 3, 4], TrainCounts, TrainUsers), 12);
    }

    [Fact]
    public void IntraListDiversity_IsMeanOneMinusCosineOverPairs()
    {
        float[]?[] genres =
        [
            [1, 0, 0], // item 0: genre A
            [1, 0, 0], // item 1: genre A (identical to 0)
            [0, 1, 0], // item 2: genre B (orthogonal)
            [1, 1, 0], // item 3: A and B (cosine 1/√2 with 0, 1 and 2)
            null,      // item 4: no genres, skipped
        ];
        // Pairs of [0, 1, 2]: (0,1) 0, (0,2) 1, (1,2) 1 → 2/3.
        Assert.Equal(2 / 3.0, BeyondAccuracy.IntraListDiversity([0, 1, 2], genres), 6);
        // [0, 3, 4]: one usable pair, 1 − 1/√2.
        Assert.Equal(1 - 1 / Math.Sqrt(2), BeyondAccuracy.IntraListDiversity([0, 3, 4], genres), 6);
        // Fewer than two items with genres: no pair to measure, undefined (not a computed 0).
        Assert.True(double.IsNaN(BeyondAccuracy.IntraListDiversity([0, 4], genres)));
        Assert.True(double.IsNaN(BeyondAccuracy.IntraListDiversity([0, 1, 2], null)));
    }

    /// <summary>
    /// Users whose list has no measurable pair are left out of the mean (as Recommenders leaves out users without a pair), where
    /// they were averaged in as 0 and pulled diversity down.
    /// </summary>
    [Fact]
    public void Diversity_AveragesOnlyUsersWithAMeasurablePair()
    {
        // Items 0 and 1 have orthogonal genres, 2 and 3 none. Users 2 and 3 saw everything in train (every item is a candidate).
        var catalog = new CatalogItem?[]
        {
            new() { ContentId = "i0", Title = "a", Genres = ["A"] }, new() { ContentId = "i1", Title = "b", Genres = ["B"] },
            new() { ContentId = "i2", Title = "c" }, new() { ContentId = "i3", Title = "d" },
        };
        var interactions = Enumerable.Range(0, 4).SelectMany(i => new[] { new Interaction(2, i, 4, 1 + i), new Interaction(3, i, 4, 10 + i) });
        var train = new TrainingData(Synthetic.Items(4), Synthetic.Users(4), interactions, catalog);
        var split = new Split("hand", train, [[0], [2], [], []]);
        // User 0 is shown items 0 and 1 (diversity 1); user 1 items 2 and 3 (no genres: no pair).
        var result = Evaluator.Evaluate((user, _, scores) =>
        {
            scores.Clear();
            if (user == 0) { scores[0] = 2; scores[1] = 1; }
            else { scores[2] = 2; scores[3] = 1; }
        }, split, k: 2);
        Assert.Equal(1.0, result["diversity"], 12);
        Assert.Equal(1.0, result.PerUser["diversity"][0], 12);
        Assert.True(double.IsNaN(result.PerUser["diversity"][1]));
    }

    [Fact]
    public void PopularityBias_IsMeanShareOfTrainUsersOverTheList()
    {
        // (0.8 + 0.4 + 0.0) / 3: items without train users count as 0, the list length stays 3.
        Assert.Equal(0.4, BeyondAccuracy.PopularityBias([0, 1, 4], TrainCounts, TrainUsers), 12);
        Assert.Equal(0.0, BeyondAccuracy.PopularityBias([], TrainCounts, TrainUsers), 12);
    }
}
