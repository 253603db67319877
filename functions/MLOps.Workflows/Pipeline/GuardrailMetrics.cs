using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// The guardrail metrics the promotion policy checks besides the offline ranking metrics (docs/registry.md):
/// cold-start quality (<c>coldstart_ndcg@10</c>) and top-k latency (<c>latency_p95_ms</c>).
/// </summary>
public static class GuardrailMetrics
{
    public const string ColdStartNdcg = "coldstart_ndcg@10";
    public const string LatencyP95 = "latency_p95_ms";
    /// <summary>A test user is cold-start when the train part of the split holds at most this many of their interactions.</summary>
    public const int ColdStartHistory = 5;
    /// <summary>Users timed per model (a seeded sample of the test users).</summary>
    public const int LatencyUsers = 200;

    /// <summary>
    /// Mean nDCG@10 over the cold-start test users (null when the window has none, so the guardrail is skipped).
    /// Computed from the evaluation's per-user values, so it is as reproducible as nDCG@10 itself.
    /// </summary>
    public static double? ColdStartQuality(EvaluationResult result, Split split)
    {
        if (!result.PerUser.TryGetValue(RecommenderTrainer.PrimaryMetric, out var perUser)) return null;
        double sum = 0; var n = 0;
        for (var k = 0; k < result.Users.Length; k++)
            if (split.Train.History(result.Users[k]).Length <= ColdStartHistory) { sum += perUser[k]; n++; }
        return n == 0 ? null : Math.Round(sum / n, 6);
    }

    /// <summary>
    /// The 95th percentile, in milliseconds, of scoring one user's history and selecting the top k, for the candidate
    /// and the baseline on the same seeded sample of test users, interleaved (alternating which goes first) so both see
    /// the same machine load. A timing, not a seeded figure: the policy's latency rule has an absolute slack for noise.
    /// The 95th percentile is the nearest rank: the ⌈0.95·n⌉-th smallest of the n times.
    /// </summary>
    /// <param name="clock">Times the calls (<see cref="TimeProvider.System"/> when null); a test passes known durations.</param>
    public static (double Candidate, double Baseline) LatencyP95Ms(IRecommender candidate, IRecommender baseline, Split split, int k, int seed,
        TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        var random = new Random(seed);
        var users = split.TestUsers.OrderBy(_ => random.Next()).Take(LatencyUsers).ToArray();
        var candidateTimes = new List<double>(users.Length);
        var baselineTimes = new List<double>(users.Length);
        var candidateScores = new float[candidate.Items.Count];
        var baselineScores = new float[baseline.Items.Count];
        var top = new int[k];
        // One untimed call each: the first call pays for lazy initialization, not for serving.
        if (users.Length > 0)
        {
            Time(clock, candidate, split.Train.History(users[0]), candidateScores, top);
            Time(clock, baseline, split.Train.History(users[0]), baselineScores, top);
        }
        for (var n = 0; n < users.Length; n++)
        {
            var history = split.Train.History(users[n]);
            if (n % 2 == 0)
            {
                candidateTimes.Add(Time(clock, candidate, history, candidateScores, top));
                baselineTimes.Add(Time(clock, baseline, history, baselineScores, top));
            }
            else
            {
                baselineTimes.Add(Time(clock, baseline, history, baselineScores, top));
                candidateTimes.Add(Time(clock, candidate, history, candidateScores, top));
            }
        }
        return (P95(candidateTimes), P95(baselineTimes));
    }

    private static double Time(TimeProvider clock, IRecommender model, ReadOnlySpan<int> history, float[] scores, int[] top)
    {
        var started = clock.GetTimestamp();
        model.Score(history, scores);
        TopK.Select(scores, top);
        return clock.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double P95(List<double> values)
    {
        if (values.Count == 0) return 0;
        values.Sort();
        return Math.Round(values[Math.Min(values.Count - 1, (int)Math.Ceiling(0.95 * values.Count) - 1)], 4);
    }
}
