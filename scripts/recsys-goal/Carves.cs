using System.Diagnostics;
using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// The mean of a run's figures over per-user validation carves of train (seeds 43…, train share VALIDATION_RATIO,
/// default 0.9: the benchmark's carves), printing a line as each carve finishes.
public static class Carves
{
    public static Dictionary<string, (double Ndcg, double P)> Mean(TrainingData train, int carves, Func<Split, Dictionary<string, (double Ndcg, double P)>> run)
    {
        var ratio = double.Parse(Environment.GetEnvironmentVariable("VALIDATION_RATIO") ?? "0.9", System.Globalization.CultureInfo.InvariantCulture);
        var sw = Stopwatch.StartNew();
        var mean = new Dictionary<string, (double Ndcg, double P)>();
        for (var c = 0; c < carves; c++)
        {
            foreach (var (key, v) in run(Splits.Stratified(train, ratio, 43 + c, StratifyBy.User)))
            { var o = mean.GetValueOrDefault(key); mean[key] = (o.Ndcg + v.Ndcg / carves, o.P + v.P / carves); }
            Console.WriteLine($"carve {c} done ({sw.Elapsed.TotalSeconds:0} s)");
        }
        return mean;
    }
}
