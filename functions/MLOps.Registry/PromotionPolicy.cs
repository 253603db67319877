using MLOps.Recommenders.Evaluation;

namespace MLOps.Registry;

/// <summary>One guardrail: how much worse the challenger may be than the champion before promotion is refused.</summary>
public sealed record GuardrailRule
{
    public bool HigherIsBetter { get; init; } = true;
    /// <summary>Allowed relative loss, e.g. 0.05 = may be at most 5 % worse.</summary>
    public double Tolerance { get; init; } = 0.05;
    /// <summary>
    /// Absolute loss always allowed, whatever the tolerance: for timings, where a relative limit on a sub-millisecond
    /// figure would refuse a model over measurement noise. The limit is champion ∓ max(|champion|·tolerance, slack).
    /// </summary>
    public double Slack { get; init; }
}

/// <summary>The promotion gates (docs/registry.md). Bound from section "Registry:Policy".</summary>
public sealed record PromotionPolicyOptions
{
    public string PrimaryMetric { get; init; } = "ndcg@10";
    /// <summary>The paired-bootstrap interval's lower bound of (challenger − champion) must exceed this.</summary>
    public double Margin { get; init; }
    public double Confidence { get; init; } = 0.95;
    public Dictionary<string, GuardrailRule> Guardrails { get; init; } = new()
    {
        ["coverage"] = new GuardrailRule { Tolerance = 0.10 },
        ["novelty"] = new GuardrailRule { Tolerance = 0.10 },
        ["diversity"] = new GuardrailRule { Tolerance = 0.10 },
        ["coldstart_ndcg@10"] = new GuardrailRule { Tolerance = 0.10 },
        ["latency_p95_ms"] = new GuardrailRule { HigherIsBetter = false, Tolerance = 0.50, Slack = 2.0 },
    };
    /// <summary>When true a passing challenger still waits for a person's approval.</summary>
    public bool RequireApproval { get; init; }
}

/// <summary>Champion vs challenger values of one guardrail metric on the same evaluation window.</summary>
public sealed record GuardrailValues(double Champion, double Challenger);

/// <summary>
/// A challenger compared with the champion (or, for the first model, the popularity baseline) on the same
/// evaluation window: the primary metric's point values and the paired-bootstrap interval of the difference.
/// </summary>
public sealed record ModelComparison
{
    public int? ChallengerVersion { get; init; }
    /// <summary>The champion version compared against; null when the baseline is not a registered version.</summary>
    public int? ChampionVersion { get; init; }
    /// <summary>"champion" or "popularity" (the first model must beat popularity).</summary>
    public string Baseline { get; init; } = "champion";
    public string? EvaluationWindow { get; init; }
    public string PrimaryMetric { get; init; } = "ndcg@10";
    public double Champion { get; init; }
    public double Challenger { get; init; }
    public double DifferenceLower { get; init; }
    public double DifferenceUpper { get; init; }
    public int Users { get; init; }
    public int BootstrapSamples { get; init; }
    public Dictionary<string, GuardrailValues> Guardrails { get; init; } = [];

    /// <summary>
    /// Builds the comparison from per-user metric values (same users, same order): the interval is the percentile
    /// paired bootstrap of mean(challenger − champion) over users, resampled <paramref name="samples"/> times with a fixed seed.
    /// </summary>
    public static ModelComparison FromPerUser(string metric, IReadOnlyList<double> champion, IReadOnlyList<double> challenger,
        int samples = 1000, int seed = 42, double confidence = 0.95)
    {
        if (champion.Count != challenger.Count) throw new ArgumentException("Per-user metric lists must be paired (same users, same length).", nameof(challenger));
        if (champion.Count == 0) throw new ArgumentException("No users to compare.", nameof(champion));
        var differences = new double[champion.Count];
        for (var i = 0; i < differences.Length; i++) differences[i] = challenger[i] - champion[i];
        // The evaluation's bootstrap, so a gate's interval is the one `benchmark` and the trainer report for the same users.
        var interval = Bootstrap.PairedDifference(metric, differences, samples, confidence, seed);
        return new ModelComparison
        {
            PrimaryMetric = metric, Champion = champion.Average(), Challenger = challenger.Average(),
            DifferenceLower = interval.Lower, DifferenceUpper = interval.Upper, Users = champion.Count, BootstrapSamples = samples,
        };
    }
}

/// <summary>One row of a decision's evidence table.</summary>
public sealed record EvidenceRow(string Check, string Metric, double? Champion, double? Challenger, double? Difference,
    double? Lower, double? Upper, string Rule, bool Passed);

/// <summary>The policy's verdict with the evidence it rests on; stored with the version and shown by CLI and API.</summary>
public sealed record PromotionDecision
{
    /// <summary>"promote", "refuse" or "await-approval".</summary>
    public required string Outcome { get; init; }
    /// <summary>Gates (a) and (b) pass; approval (c) may still be pending.</summary>
    public required bool Passed { get; init; }
    public bool RequiresApproval { get; init; }
    public required IReadOnlyList<string> Reasons { get; init; }
    public required IReadOnlyList<EvidenceRow> Evidence { get; init; }
    public required ModelComparison Comparison { get; init; }
    public required PromotionPolicyOptions Policy { get; init; }
    public DateTimeOffset DecidedAt { get; init; }
}

/// <summary>The promotion gates: (a) better with confidence, (b) no guardrail broken, (c) approval when required.</summary>
public static class PromotionPolicy
{
    private static string SlackText(GuardrailRule rule) => rule.Slack > 0 ? $", or {rule.Slack:G4}" : "";

    /// <summary>challenger − champion for the evidence, without the binary noise of the subtraction (−0.020244, not −0.020244000000000005).</summary>
    private static double Difference(double champion, double challenger) => Math.Round(challenger - champion, 10);

    public static PromotionDecision Evaluate(ModelComparison c, PromotionPolicyOptions? policy = null, DateTimeOffset? now = null)
    {
        policy ??= new PromotionPolicyOptions();
        var rows = new List<EvidenceRow>();
        var reasons = new List<string>();

        var metricMatches = string.Equals(c.PrimaryMetric, policy.PrimaryMetric, StringComparison.OrdinalIgnoreCase);
        var better = metricMatches && c.Challenger > c.Champion;
        var confident = metricMatches && c.DifferenceLower > policy.Margin;
        rows.Add(new EvidenceRow("better", c.PrimaryMetric, c.Champion, c.Challenger, Difference(c.Champion, c.Challenger), null, null,
            $"challenger > {c.Baseline}", better));
        rows.Add(new EvidenceRow("confidence", c.PrimaryMetric, null, null, Difference(c.Champion, c.Challenger), c.DifferenceLower, c.DifferenceUpper,
            $"{policy.Confidence:P0} interval lower bound > {policy.Margin}", confident));
        if (!metricMatches) reasons.Add($"the comparison is on {c.PrimaryMetric}, the policy's primary metric is {policy.PrimaryMetric}");
        else if (!better) reasons.Add($"{c.PrimaryMetric} {c.Challenger:F4} does not beat the {c.Baseline}'s {c.Champion:F4}");
        else if (!confident) reasons.Add($"{c.PrimaryMetric} is better by {c.Challenger - c.Champion:F4} but not significantly: interval [{c.DifferenceLower:F4}, {c.DifferenceUpper:F4}] does not lie above {policy.Margin}");

        foreach (var (name, rule) in policy.Guardrails.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (!c.Guardrails.TryGetValue(name, out var v)) continue;
            var allowed = Math.Max(Math.Abs(v.Champion) * rule.Tolerance, rule.Slack);
            var limit = rule.HigherIsBetter ? v.Champion - allowed : v.Champion + allowed;
            var ok = rule.HigherIsBetter ? v.Challenger >= limit : v.Challenger <= limit;
            rows.Add(new EvidenceRow("guardrail", name, v.Champion, v.Challenger, Difference(v.Champion, v.Challenger), null, null,
                rule.HigherIsBetter ? $">= {limit:G4} (at most {rule.Tolerance:P0} lower{SlackText(rule)})" : $"<= {limit:G4} (at most {rule.Tolerance:P0} higher{SlackText(rule)})", ok));
            if (!ok) reasons.Add($"guardrail {name}: {v.Challenger:G4} vs {v.Champion:G4} breaks its {rule.Tolerance:P0} tolerance");
        }

        var passed = reasons.Count == 0;
        if (passed) reasons.Add(policy.RequireApproval ? "all gates pass; waiting for approval" : "all gates pass");
        return new PromotionDecision
        {
            Outcome = !passed ? "refuse" : policy.RequireApproval ? "await-approval" : "promote",
            Passed = passed,
            RequiresApproval = policy.RequireApproval,
            Reasons = reasons,
            Evidence = rows,
            Comparison = c,
            Policy = policy,
            DecidedAt = now ?? DateTimeOffset.UtcNow,
        };
    }
}
