using MLOps.Recommenders.Evaluation;

namespace MLOps.Recommenders.Tests;

/// <summary>
/// Repeat views: one row per user–title keeps the latest time, but time-based splits hold titles out by their first view, so a
/// re-watched old title is never a "new" title to predict, and no re-watch after the cut leaks its time into train.
/// </summary>
public class RepeatViewSplitTests
{
    // u0: title 0 at t=1 and again at t=100, title 1 at t=60; u1: title 0 at t=2, title 1 at t=3, title 2 at t=70.
    private static TrainingData Data() => new(Synthetic.Items(3), Synthetic.Users(2),
        [new(0, 0, 1, 1), new(0, 1, 1, 60), new(0, 0, 1, 100), new(1, 0, 1, 2), new(1, 1, 1, 3), new(1, 2, 1, 70)]);

    [Fact]
    public void FirstTimestamps_KeepTheFirstViewBesideTheLatest()
    {
        var data = Data();
        var u0 = data.UserInteractions(0).ToArray();
        var first = data.UserFirstTimestamps(0).ToArray();
        var title0 = Array.FindIndex(u0, x => x.Item == 0);
        Assert.Equal(100, u0[title0].Timestamp);
        Assert.Equal(1, first[title0]);
    }

    [Fact]
    public void Chronological_ARewatchAfterTheCutoff_TrainsAtItsFirstView()
    {
        var split = Splits.Chronological(Data(), cutoffUnixSeconds: 50);
        Assert.Equal([1], split.Test[0]);   // the new title, not the re-watched one
        var trained = split.Train.UserInteractions(0).ToArray();
        Assert.Equal(1, Assert.Single(trained).Timestamp);
        Assert.Equal(0, trained[0].Item);
        Assert.True(split.Train.MaxTimestamp < 50, "no time after the cutoff reaches train");
    }

    [Fact]
    public void LeaveLastOut_HoldsOutTheNewestTitle_NotTheLatestRewatch()
    {
        var split = Splits.LeaveLastOut(Data(), 1);
        Assert.Equal([1], split.Test[0]);   // title 1 (first seen at 60), not title 0 (re-watched at 100)
        Assert.Equal([2], split.Test[1]);
        var trained = Assert.Single(split.Train.UserInteractions(0).ToArray());
        Assert.Equal((0, 1L), (trained.Item, trained.Timestamp));
    }
}
