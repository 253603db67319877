using System.Diagnostics;

namespace MLOps.Serving.Model;

/// <summary>What a warm-up did: users whose recommendation candidates it computed, home pages and similar lists it built.</summary>
public sealed record WarmUpResult(int Users, int UserCount, int Rows, int Similar, TimeSpan Elapsed, bool BudgetSpent);

/// <summary>
/// Runs a freshly loaded model through the real request path before it serves: each user's recommendations (most active
/// first), which computes and keeps their candidate list (<see cref="ServingModel.CandidatesFor"/>), and home pages and
/// similar titles for a sample, so their code is compiled and tiered up. Without it the first pass over the users after a
/// start ran at 12 % of the warm rate on ml-latest-small while /ready already said 200 (docs/serving.md).
/// Bounded by <see cref="ServingOptions.WarmUpBudget"/>: users beyond it compute their list on their first request.
/// </summary>
public static class ServingWarmUp
{
    /// <summary>Users (and trending titles) whose home page (and similar list) the warm-up builds: enough to tier up that code.</summary>
    public const int Sample = 100;

    public static WarmUpResult Run(ServingData data, ServingModel model, TimeSpan budget, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (budget <= TimeSpan.Zero) return new(0, data.UserCount, 0, 0, TimeSpan.Zero, false);
        var snapshot = new ServingSnapshot(data, model, new Dictionary<string, ServingModel>());
        var users = data.UserIdsByActivity().Take(ServingModel.CandidateCacheLimit).ToArray();
        int recommended = 0, rows = 0, similar = 0, spent = 0;
        Parallel.For(0, users.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, (u, loop) =>
        {
            if (clock.Elapsed >= budget)
            {
                Volatile.Write(ref spent, 1);
                loop.Stop();
                return;
            }
            RecommendationService.Recommend(snapshot, new RecommendationRequest(users[u], 10, [], []));
            Interlocked.Increment(ref recommended);
            if (u >= Sample) return;
            RecommendationService.Rows(snapshot, users[u], 8, 10);
            Interlocked.Increment(ref rows);
            if (u >= data.TrendingOrder.Length) return;
            RecommendationService.Similar(snapshot, data.TrendingOrder[u], 10);
            Interlocked.Increment(ref similar);
        });
        return new(recommended, data.UserCount, rows, similar, clock.Elapsed, spent == 1);
    }
}
