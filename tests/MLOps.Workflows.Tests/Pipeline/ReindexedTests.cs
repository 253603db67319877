using MLOps.Recommenders;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

public sealed class ReindexedTests
{
    /// <summary>Scores item j as 10·j plus the number of history items it was given (in its own index).</summary>
    private sealed class Planted(ItemIndex items) : IRecommender
    {
        public string Kind => "planted";
        public ItemIndex Items => items;
        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            for (var j = 0; j < scores.Length; j++) scores[j] += 10 * j + history.Length;
        }
    }

    private static readonly ItemIndex ChampionItems = new(["a", "b", "c", "d"]);
    private static readonly ItemIndex RunItems = new(["d", "x", "b", "a"]);

    [Fact]
    public void Score_MapsTheChampionsItems_AndUnknownOnesScoreMinusInfinity()
    {
        var model = Reindexed.To(new Planted(ChampionItems), RunItems);
        var scores = new float[RunItems.Count];
        model.Score([1, 2, 0], scores); // x is not the champion's: 2 history items reach it

        Assert.Equal([32f, float.NegativeInfinity, 12f, 2f], scores);
    }

    [Fact]
    public void Score_AllocatesNothingPerCall_OnceWarmed()
    {
        var model = Reindexed.To(new Planted(ChampionItems), RunItems);
        var scores = new float[RunItems.Count];
        int[] history = [3, 2, 0];
        model.Score(history, scores); // warms this thread's pool

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var call = 0; call < 100; call++) model.Score(history, scores);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal([33f, float.NegativeInfinity, 13f, 3f], scores);
    }
}
