using Microsoft.Extensions.Time.Testing;
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

    /// <summary>20 test users (each with 3 train interactions and 1 held out), so the p95 is the 19th smallest of 20 times.</summary>
    private static Split TwentyUsers()
    {
        var events = new List<ViewingEvent>();
        for (var u = 0; u < 20; u++)
            for (var k = 0; k < 4; k++)
                events.Add(new ViewingEvent { EventId = $"u{u}-{k}", UserId = $"u{u}", ContentId = $"i{(u + k) % 7}", Timestamp = Start.AddHours(k), EventType = EventType.Play, ViewSeconds = 60 });
        return Splits.LeaveLastOut(TrainingData.FromEvents(events), 1);
    }

    /// <summary>
    /// Durations for one model's calls: the untimed warm-up (1 s, excluded), then <see cref="GuardrailMetrics.Passes"/> passes
    /// over the 20 users, the n-th user's call taking <paramref name="perUser"/>(n) ms plus <paramref name="delay"/>(pass, n).
    /// </summary>
    private static int[] Durations(Func<int, int> perUser, Func<int, int, int> delay) =>
        [1000, .. Enumerable.Range(0, GuardrailMetrics.Passes).SelectMany(pass => Enumerable.Range(0, 20).Select(n => perUser(n) + delay(pass, n)))];

    [Fact]
    public void LatencyP95_AttributesEachModelItsOwnTime_AndIsTheNearestRank()
    {
        var split = TwentyUsers();
        Assert.Equal(20, split.TestUsers.Count());
        var popularity = ModelTrainer.Train("popularity", null, split.Train);
        var clock = new FakeTimeProvider();
        // The candidate takes 1, 2, …, 20 ms for the 20 users; the baseline 3 ms, except one user at 50 ms on every pass
        // (a slow user, not a slow run), which the p95 of 20 leaves out.
        var candidate = new Timed(popularity, clock, Durations(n => n + 1, (_, _) => 0));
        var baseline = new Timed(popularity, clock, Durations(n => n == 9 ? 50 : 3, (_, _) => 0));

        var (candidateP95, baselineP95) = GuardrailMetrics.LatencyP95Ms(candidate, baseline, split, 10, seed: 42, clock);

        Assert.Equal(19, candidateP95);
        Assert.Equal(3, baselineP95);
        Assert.Equal(1 + 20 * GuardrailMetrics.Passes, candidate.Calls);
        Assert.Equal(1 + 20 * GuardrailMetrics.Passes, baseline.Calls);
    }

    /// <summary>
    /// A run the machine delayed (the shared host preempting the thread for a 4–16 ms tick) is not the model's time: each
    /// user counts their fastest pass. Before, one timed call per user let such runs make the p95 (EASE 13 ms vs SAR 0.22 ms).
    /// </summary>
    [Fact]
    public void LatencyP95_CountsEachUsersFastestPass_SoPreemptedRunsDoNotMakeIt()
    {
        var split = TwentyUsers();
        var popularity = ModelTrainer.Train("popularity", null, split.Train);
        var clock = new FakeTimeProvider();
        // Every user takes 1 ms, but 16 of the 20 have one run (in a different pass each) delayed by 16 ms; the baseline 2 ms
        // with one pass delayed for every user.
        var candidate = new Timed(popularity, clock, Durations(_ => 1, (pass, n) => n < 16 && pass == n % GuardrailMetrics.Passes ? 16 : 0));
        var baseline = new Timed(popularity, clock, Durations(_ => 2, (pass, _) => pass == 2 ? 8 : 0));

        var (candidateP95, baselineP95) = GuardrailMetrics.LatencyP95Ms(candidate, baseline, split, 10, seed: 42, clock);

        Assert.Equal(1, candidateP95);
        Assert.Equal(2, baselineP95);
    }

    /// <summary>A model whose n-th call advances <paramref name="clock"/> by the n-th of <paramref name="millis"/>.</summary>
    private sealed class Timed(IRecommender inner, FakeTimeProvider clock, int[] millis) : IRecommender
    {
        public int Calls { get; private set; }
        public string Kind => inner.Kind;
        public ItemIndex Items => inner.Items;

        public void Score(ReadOnlySpan<int> history, Span<float> scores)
        {
            clock.Advance(TimeSpan.FromMilliseconds(millis[Calls++]));
            inner.Score(history, scores);
        }
    }
}
