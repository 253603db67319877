using MLOps.Recommenders.Evaluation;

namespace MLOps.Recommenders.Tests;

/// <summary>A mean over no user is refused with the reason, where it read as a computed 0.</summary>
public class EvaluableUsersTests
{
    [Fact]
    public void Evaluate_OnASplitWithoutTestInteractions_SaysWhy()
    {
        var data = Synthetic.Clustered(users: 20, items: 10);
        var empty = new Split("hand", data, Enumerable.Range(0, data.UserCount).Select(_ => Array.Empty<int>()).ToArray());
        var model = ModelTrainer.Train("popularity", null, data);
        var error = Assert.Throws<InvalidDataException>(() => Evaluator.Evaluate(model, empty));
        Assert.Equal($"No user can be evaluated: the 'hand' split holds no test interaction ({data.InteractionCount} train, 0 test), so there is no user to evaluate on.", error.Message);
    }

    [Fact]
    public void Evaluate_WhenEveryTestUserHasSeenEveryCandidate_SaysWhy()
    {
        // One user saw both items in train and holds a third, never-trained item in test: nothing is left to recommend.
        var train = new TrainingData(Synthetic.Items(3), Synthetic.Users(1), [new Interaction(0, 0, 4, 1), new Interaction(0, 1, 4, 2)]);
        var split = new Split("hand", train, [[2]]);
        Assert.Empty(EvaluableUsers.Of(split));
        var error = Assert.Throws<InvalidDataException>(() => Evaluator.Evaluate(ModelTrainer.Train("popularity", null, train), split));
        Assert.Contains("has already seen every item with a train interaction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bootstrap_OverNoPairedUser_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Bootstrap.PairedDifference("ndcg@10", [], 100, 0.95, 1));
    }
}
