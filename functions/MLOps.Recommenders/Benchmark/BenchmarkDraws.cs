using System.Diagnostics;

namespace MLOps.Recommenders.Benchmark;

/// <summary>One draw of a randomly drawn split: the seed it was drawn with and the benchmark run on it.</summary>
public sealed record BenchmarkDraw(int SplitSeed, BenchmarkReport Report);

/// <summary>One metric over the draws a model has figures in: mean, sample standard deviation (n − 1; null under two draws), min, max.</summary>
public sealed record DrawStats(double Mean, double? Sd, double Min, double Max);

/// <summary>One model over the draws: <see cref="Failed"/> draws it failed in, left out of <see cref="Metrics"/> (empty when it failed in all).</summary>
public sealed record ModelDrawSummary(string Model, int Failed, IReadOnlyDictionary<string, DrawStats> Metrics);

public sealed record DrawsReport(IReadOnlyList<BenchmarkDraw> Draws, IReadOnlyList<ModelDrawSummary> Summary, double TotalSeconds);

/// <summary>
/// The benchmark on several draws of a randomly drawn split (split seeds seed, seed + 1, …), so a figure can be read against the
/// spread one draw brings (issue #4: about ±0.004 nDCG@10 on ML-100k). Tuning carves and models keep the one seed: the spread
/// measured is the split's alone.
/// </summary>
public static class BenchmarkDraws
{
    public const int MaxDraws = 50;

    /// <summary>The protocols whose split is drawn at random; the others have one split, so a second draw would repeat the first.</summary>
    public static bool IsDrawn(string protocol) => protocol is "recommenders" or "recommenders-item" or "recommenders-user";

    /// <summary>Why <paramref name="draws"/> cannot be run on <paramref name="protocol"/> with <paramref name="seed"/>, or null.</summary>
    public static string? Problem(string protocol, int draws, int seed) =>
        draws < 1 ? $"--draws must be at least 1, not {draws}."
        : draws > MaxDraws ? $"--draws must be at most {MaxDraws}, not {draws} (each draw is a whole benchmark run)."
        : draws > 1 && !IsDrawn(protocol) ? $"--draws {draws} needs a randomly drawn split (--protocol recommenders or recommenders-user); '{protocol}' has a single split."
        : (long)seed + draws - 1 > int.MaxValue ? $"--draws {draws} from --seed {seed} runs past the largest seed {int.MaxValue}."
        : null;

    public static DrawsReport Run(string dataset, TrainingData data, string protocol, IReadOnlyList<string> models, int k, int seed, int draws, bool tune,
        Action<string>? log = null, CancellationToken cancellationToken = default) =>
        Run(dataset, data, protocol, models, k, seed, draws, tune, ModelTrainer.Train, log, cancellationToken);

    internal static DrawsReport Run(string dataset, TrainingData data, string protocol, IReadOnlyList<string> models, int k, int seed, int draws, bool tune,
        RecsysBenchmark.Trainer train, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (Problem(protocol, draws, seed) is { } problem) throw new ArgumentException(problem, nameof(draws));
        var total = Stopwatch.StartNew();
        var runs = new List<BenchmarkDraw>(draws);
        for (var d = 0; d < draws; d++)
        {
            var splitSeed = seed + d;
            log?.Invoke($"draw {d + 1}/{draws} (split seed {splitSeed})");
            runs.Add(new BenchmarkDraw(splitSeed, RecsysBenchmark.RunOnSplit(dataset, data, protocol, models, k, seed, splitSeed, tune, train, log, cancellationToken)));
        }
        var summary = Summarize([.. runs.Select(r => r.Report)]);
        var failed = summary.Where(s => s.Failed > 0).Select(s => $"{s.Model} in {s.Failed} of {draws}").ToArray();
        log?.Invoke($"done: {draws} draws of {models.Count} models in {total.Elapsed.TotalSeconds:0.0} s" + (failed.Length == 0 ? "" : $"; failed: {string.Join(", ", failed)}"));
        return new DrawsReport(runs, summary, total.Elapsed.TotalSeconds);
    }

    /// <summary>Per model (in the first report's order), every metric over the reports where the model did not fail.</summary>
    public static IReadOnlyList<ModelDrawSummary> Summarize(IReadOnlyList<BenchmarkReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0) return [];
        return [.. reports[0].Results.Select(first =>
        {
            var rows = reports.Select(r => r.Results.Single(row => row.Model == first.Model)).ToArray();
            var good = rows.Where(r => r.Error is null).ToArray();
            IEnumerable<string> keys = good.Length == 0 ? [] : good[0].Metrics.Keys;
            var metrics = keys.ToDictionary(key => key, key => Stats([.. good.Select(r => r.Metrics[key])]), StringComparer.Ordinal);
            return new ModelDrawSummary(first.Model, rows.Length - good.Length, metrics);
        })];
    }

    public static DrawStats Stats(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("No value to summarise.", nameof(values));
        var mean = values.Average();
        double? sd = values.Count < 2 ? null : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new DrawStats(mean, sd, values.Min(), values.Max());
    }
}
