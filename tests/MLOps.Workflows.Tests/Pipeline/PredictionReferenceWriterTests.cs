using MLOps.Core.Data;
using MLOps.Drift.Window;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>The prediction reference is what serving will show: each evaluation user's top k on their whole history.</summary>
public sealed class PredictionReferenceWriterTests
{
    /// <summary>Scores every title by the history's length (as an item-based model's scores grow with it), ties by index.</summary>
    private sealed class HistoryLengthModel(ItemIndex items) : IRecommender
    {
        public string Kind => "history-length";
        public ItemIndex Items => items;
        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            for (var i = 0; i < scores.Length; i++) scores[i] = history.Length - i * 1e-3f;
        }
    }

    [Fact]
    public void Reference_ScoresTheFullHistory_AndLeavesTheHeldOutTitlesOut()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var events = Enumerable.Range(0, 6).Select(k => new ViewingEvent
        {
            EventId = $"e{k}", UserId = "u", ContentId = $"i{k}", Timestamp = start.AddHours(k), EventType = EventType.Play, ViewSeconds = 60,
        }).Append(new ViewingEvent { EventId = "o", UserId = "other", ContentId = "i9", Timestamp = start, EventType = EventType.Play, ViewSeconds = 60 });
        var split = Splits.LeaveLastOut(TrainingData.FromEvents(events), 2); // u: 4 titles to train, i4 and i5 held out
        var user = split.Train.UserIds.ToList().IndexOf("u");
        var model = new HistoryLengthModel(split.Train.Items);

        var reference = PredictionReferenceWriter.Build(model, split, [user], k: 3, "test");

        // Serving scores u on all 6 titles: 6 − ε, never the training part's 4; and lists none of the 6.
        var scores = reference.Feature(DriftFeatures.ServedScore)!;
        Assert.InRange(scores.Mean!.Value, 5.99, 6.0);
        Assert.Equal(1, scores.Count); // only i9 is unseen: the held-out i4 and i5 count as seen, as they do in serving
        Assert.Equal(1, reference.Users);
    }
}
