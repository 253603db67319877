using MLOps.Recommenders.Evaluation;

namespace MLOps.Recommenders.Tests;

/// <summary>The benchmark split must be Recommenders' row for row, so its generator and its ordering are pinned to NumPy's outputs.</summary>
public class NumpySplitTests
{
    // np.random.seed(42); np.random.rand(10)
    private static readonly double[] NumpySeed42 =
        [0.3745401188473625, 0.9507143064099162, 0.7319939418114051, 0.5986584841970366, 0.15601864044243652,
         0.15599452033620265, 0.05808361216819946, 0.8661761457749352, 0.6011150117432088, 0.7080725777960455];

    [Fact]
    public void NumpyRandomState_MatchesNumpysLegacyGenerator()
    {
        var rng = new NumpyRandomState(42);
        Assert.Equal(NumpySeed42, rng.NextDoubles(10));
    }

    [Fact]
    public void NumpyRandomState_IsTheReferenceMersenneTwister()
    {
        // The C++ standard's check for mt19937 (default seed 5489): the 10 000th output is 4123659995.
        var rng = new NumpyRandomState(5489);
        Assert.Equal(3499211612u, rng.NextUInt32());
        for (var n = 2; n < 10000; n++) rng.NextUInt32();
        Assert.Equal(4123659995u, rng.NextUInt32());
    }

    /// <summary>Ten users rate one title, in file order u0…u9; each row draws the n-th number above.</summary>
    private static TrainingData OneTitleTenRows() =>
        new(new ItemIndex(["m"]), Enumerable.Range(0, 10).Select(u => $"u{u}").ToArray(),
            Enumerable.Range(0, 10).Select(u => new Interaction(u, 0, 4, 1000 - u)));

    [Fact]
    public void Stratified_OrdersRowsByTheirDraw_AndCutsAsRecommenders()
    {
        // Draw order: u6 u5 u4 u0 u3 u8 u9 u2 u7 u1. round(7.5) = 8 to train (their splitter until 2023); rank/10 ≤ 0.75 keeps 7 (since).
        var rounded = Splits.Stratified(OneTitleTenRows(), 0.75, 42, StratifyBy.Item);
        Assert.Equal([1, 7], TestUsers(rounded));
        var fraction = Splits.Stratified(OneTitleTenRows(), 0.75, 42, StratifyBy.Item, StratifiedCut.RankFraction);
        Assert.Equal([1, 2, 7], TestUsers(fraction));
    }

    [Fact]
    public void Stratified_RoundsHalfToEven()
    {
        // Six rows: draw order u5 u4 u0 u3 u2 u1; round(4.5) = 4 to train (half away from zero would keep 5).
        var six = new TrainingData(new ItemIndex(["m"]), Enumerable.Range(0, 6).Select(u => $"u{u}").ToArray(),
            Enumerable.Range(0, 6).Select(u => new Interaction(u, 0, 4, 1000 - u)));
        Assert.Equal([1, 2], TestUsers(Splits.Stratified(six, 0.75, 42, StratifyBy.Item)));
    }

    [Fact]
    public void Stratified_AcceptsEverySeedNumpyAccepts()
    {
        // NumPy takes 0…2³²−1; an int seed is read as those 32 bits, so −1 is 4294967295 and int.MaxValue + 1 (the tuner's seed + 1) works.
        var a = Splits.Stratified(OneTitleTenRows(), 0.75, -1, StratifyBy.Item);
        var b = Splits.Stratified(OneTitleTenRows(), 0.75, unchecked(int.MaxValue + 1), StratifyBy.Item);
        Assert.Equal(2, a.TestInteractionCount);
        Assert.Equal(2, b.TestInteractionCount);
    }

    [Fact]
    public void Stratified_DrawsByFileRow_NotByTheSortedOrder()
    {
        // The same rows given in reverse: row n is now user 9 − n, so the draws land on other users.
        var reversed = new TrainingData(new ItemIndex(["m"]), Enumerable.Range(0, 10).Select(u => $"u{u}").ToArray(),
            Enumerable.Range(0, 10).Reverse().Select(u => new Interaction(u, 0, 4, 1000 - u)));
        Assert.Equal([2, 8], TestUsers(Splits.Stratified(reversed, 0.75, 42, StratifyBy.Item)));
    }

    [Fact]
    public void SourcePositions_FollowTheInputRows_FirstRowOfADuplicate()
    {
        var rows = new[] { new Interaction(1, 0, 3, 50), new Interaction(0, 0, 5, 10), new Interaction(1, 0, 4, 60), new Interaction(0, 1, 2, 5) };
        var data = new TrainingData(new ItemIndex(["a", "b"]), ["u0", "u1"], rows);
        Assert.Equal(4, data.SourceRowCount);
        var byPair = new Dictionary<(int, int), int>();
        for (var n = 0; n < data.InteractionCount; n++) byPair[(data.Interactions[n].User, data.Interactions[n].Item)] = data.SourcePositions[n];
        Assert.Equal(new Dictionary<(int, int), int> { [(1, 0)] = 0, [(0, 0)] = 1, [(0, 1)] = 3 }, byPair);
    }

    [Fact]
    public void SourcePositions_ThroughWith_NumberTheRowsInTheOrderGiven()
    {
        var data = OneTitleTenRows();
        var reversed = data.With(data.Interactions.ToArray().Reverse());
        Assert.Equal(10, reversed.SourceRowCount);
        for (var n = 0; n < reversed.InteractionCount; n++)
            Assert.Equal(9 - data.SourcePositions[FindRow(data, reversed.Interactions[n])], reversed.SourcePositions[n]);
    }

    private static int FindRow(TrainingData data, Interaction x)
    {
        for (var n = 0; n < data.InteractionCount; n++) if (data.Interactions[n] == x) return n;
        throw new InvalidOperationException("row not found");
    }

    private static int[] TestUsers(Split split) => split.TestUsers.ToArray();
}
