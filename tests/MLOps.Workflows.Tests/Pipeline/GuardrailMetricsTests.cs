using MLOps.Core.Data;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

public sealed class GuardrailMetricsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>"light" has 4 interactions (3 train after holding out 1), "heavy" 12 (11 train): only light is cold-start.</summary>
    private static Split LightAndHeavyUsers()
    {
        var events = new List<ViewingEvent>();
        void Add(string user, int count)
        {
            for (var k = 0; k < count; k++)
                events.Add(new ViewingEvent { EventId = $"{user}-{k}", UserId = user, ContentId = $"i{k}", Timestamp = Start.AddHours(k), EventType = EventType.Play, ViewSeconds = 60 });
        }
        Add("light", 4);
        Add("heavy", 12);
        return Splits.LeaveLastOut(TrainingData.FromEvents(events), 1);
    }

    [Fact]
    public void ColdStartQuality_AveragesNdcgOverUsersWithFewTrainInteractions()
    {
        var split = LightAndHeavyUsers();
        var light = split.Train.UserIds.ToList().IndexOf("light");
        var heavy = split.Train.UserIds.ToList().IndexOf("heavy");
        var result = new EvaluationResult
        {
            K = 10, Protocol = "test", Metrics = new Dictionary<string, double>(), Recommendations = [],
            Users = [light, heavy], PerUser = new Dictionary<string, double[]> { ["ndcg@10"] = [0.25, 0.75] },
        };
        Assert.Equal(0.25, GuardrailMetrics.ColdStartQuality(result, split));

        var noColdStart = new EvaluationResult
        {
            K = 10, Protocol = "test", Metrics = new Dictionary<string, double>(), Recommendations = [],
            Users = [heavy], PerUser = new Dictionary<string, double[]> { ["ndcg@10"] = [0.75] },
        };
        Assert.Null(GuardrailMetrics.ColdStartQuality(noColdStart, split));
    }

    [Fact]
    public void LatencyP95_AttributesEachModelItsOwnTime()
    {
        var split = LightAndHeavyUsers();
        var popularity = ModelTrainer.Train("popularity", null, split.Train);
        var (candidate, baseline) = GuardrailMetrics.LatencyP95Ms(new Slow(popularity, TimeSpan.FromMilliseconds(200)), popularity, split, 10, seed: 42);
        Assert.InRange(candidate, 200, 10_000);
        Assert.True(baseline < candidate, $"baseline {baseline} ms, candidate {candidate} ms");
    }

    /// <summary>A model that takes at least <paramref name="delay"/> per call.</summary>
    private sealed class Slow(IRecommender inner, TimeSpan delay) : IRecommender
    {
        public string Kind => inner.Kind;
        public ItemIndex Items => inner.Items;

        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            Thread.Sleep(delay);
            inner.Score(history, scores);
        }
    }
}
