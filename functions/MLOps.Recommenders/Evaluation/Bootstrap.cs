namespace MLOps.Recommenders.Evaluation;

/// <summary>The mean difference challenger − champion with its percentile bootstrap interval.</summary>
public sealed record BootstrapInterval(string Metric, double Difference, double Lower, double Upper, double Confidence, int Resamples, int Users)
{
    /// <summary>The whole interval lies above zero: the challenger is better with the stated confidence.</summary>
    public bool Better => Lower > 0;

    /// <summary>The whole interval lies below zero.</summary>
    public bool Worse => Upper < 0;
}

/// <summary>Seeded paired bootstrap over users (the registry's promotion gates read it).</summary>
public static class Bootstrap
{
    /// <summary>
    /// Resamples users with replacement <paramref name="resamples"/> times (seeded), each time taking the mean of the per-user
    /// differences challenger − champion, and returns the percentile interval. Both results must come from the same split: users are
    /// paired by index and only users present in both count (and, for a metric undefined for some users — diversity of a list
    /// without two genre-carrying items, NaN — only users for whom both values are defined).
    /// </summary>
    public static BootstrapInterval PairedDifference(EvaluationResult challenger, EvaluationResult champion, string metric,
        int resamples = 1000, double confidence = 0.95, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        ArgumentNullException.ThrowIfNull(champion);
        if (!challenger.PerUser.TryGetValue(metric, out var a) || !champion.PerUser.TryGetValue(metric, out var b))
            throw new ArgumentException($"Metric '{metric}' has no per-user values (known: {string.Join(", ", challenger.PerUser.Keys)}).", nameof(metric));
        var championIndex = new Dictionary<int, int>(champion.Users.Length);
        for (var i = 0; i < champion.Users.Length; i++) championIndex[champion.Users[i]] = i;
        var diffs = new List<double>(challenger.Users.Length);
        for (var i = 0; i < challenger.Users.Length; i++)
            if (championIndex.TryGetValue(challenger.Users[i], out var j) && double.IsFinite(a[i] - b[j])) diffs.Add(a[i] - b[j]);
        return PairedDifference(metric, diffs.ToArray(), resamples, confidence, seed);
    }

    /// <summary>All per-user metrics at once.</summary>
    public static IReadOnlyList<BootstrapInterval> PairedDifferences(EvaluationResult challenger, EvaluationResult champion, int resamples = 1000, double confidence = 0.95, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(challenger);
        return challenger.PerUser.Keys.Order(StringComparer.Ordinal).Select(m => PairedDifference(challenger, champion, m, resamples, confidence, seed)).ToList();
    }

    /// <summary>The bootstrap on precomputed per-user differences (at least one: an interval over no user would be a made-up 0).</summary>
    public static BootstrapInterval PairedDifference(string metric, double[] differences, int resamples = 1000, double confidence = 0.95, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(differences);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), "Confidence must lie strictly between 0 and 1.");
        var n = differences.Length;
        if (n == 0) throw new ArgumentException($"No paired user to resample for '{metric}': the two results share no evaluated user.", nameof(differences));
        var random = new Random(seed);
        var means = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++) sum += differences[random.Next(n)];
            means[r] = sum / n;
        }
        Array.Sort(means);
        var alpha = (1 - confidence) / 2;
        return new BootstrapInterval(metric, differences.Average(), Quantile(means, alpha), Quantile(means, 1 - alpha), confidence, resamples, n);
    }

    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
