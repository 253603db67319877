using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Serving.Experiments;

public sealed record VariantResult(string Variant, string Model, int ExposedUsers, int ClickedUsers, int PlayedUsers,
    double ClickThrough, double PlayThrough, Interval PlayThroughInterval,
    double? PlayThroughDifference, Interval? PlayThroughDifferenceInterval, double? ClickThroughDifference, Interval? ClickThroughDifferenceInterval);

public sealed record Interval(double Low, double High);

public sealed record ExperimentResults(string Experiment, string Control, string Method, IReadOnlyList<VariantResult> Variants);

/// <summary>
/// A/B tests: a user's variant is a stable hash of (experiment, user) mapped onto the variants' traffic shares,
/// so a user keeps their variant across requests, servers and restarts. Results compare, per variant, the share of
/// exposed users who later clicked / played a title they were shown (docs/serving.md defines both).
/// </summary>
public static class ExperimentService
{
    /// <summary>Uniform in [0, 1) from SHA-256("experiment\nuser"): stable across processes and platforms.</summary>
    public static double Bucket(string experiment, string userId)
    {
        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes($"{experiment}\n{userId}");
        SHA256.HashData(bytes, hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    public static VariantDefinition Assign(ExperimentDefinition experiment, string userId)
    {
        var total = experiment.Variants.Sum(v => Math.Max(v.Share, 0));
        var point = Bucket(experiment.Id, userId) * total;
        var cumulative = 0.0;
        foreach (var variant in experiment.Variants)
        {
            cumulative += Math.Max(variant.Share, 0);
            if (point < cumulative) return variant;
        }
        return experiment.Variants[^1];
    }

    private sealed class Exposed(string variant, DateTimeOffset first)
    {
        public string Variant { get; set; } = variant;
        public DateTimeOffset First { get; set; } = first;
        public Dictionary<string, DateTimeOffset> ShownAt { get; } = new(StringComparer.Ordinal);
    }

    private readonly record struct Outcome(string UserId, string ContentId, DateTimeOffset At, bool IsClick);

    public static async Task<ExperimentResults> ResultsAsync(IBlobStore store, ExperimentDefinition experiment, CancellationToken cancellationToken)
    {
        // Per exposed user: the variant of their earliest exposure (the log is not read in time order), and when each title
        // was first shown to them; an outcome counts for a title only at or after that moment.
        var exposures = new Dictionary<string, Exposed>(StringComparer.Ordinal);
        var outcomes = new List<Outcome>();
        await foreach (var e in EventLog.ReadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.EventType == EventType.Exposure && e.Experiment == experiment.Id && e.Variant is { } variant)
            {
                if (!exposures.TryGetValue(e.UserId, out var x)) exposures[e.UserId] = x = new Exposed(variant, e.Timestamp);
                else if (e.Timestamp < x.First) (x.Variant, x.First) = (variant, e.Timestamp);
                if (!x.ShownAt.TryGetValue(e.ContentId, out var shown) || e.Timestamp < shown) x.ShownAt[e.ContentId] = e.Timestamp;
            }
            // Kept small: the outcome's user, title, time and kind, not the whole event (plays are most of the log).
            else if (e.EventType is EventType.Click or EventType.Play or EventType.Rate) outcomes.Add(new(e.UserId, e.ContentId, e.Timestamp, e.EventType == EventType.Click));
        }
        var clicked = new HashSet<string>(StringComparer.Ordinal);
        var played = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in outcomes)
        {
            if (!exposures.TryGetValue(o.UserId, out var x) || !x.ShownAt.TryGetValue(o.ContentId, out var shown) || o.At < shown) continue;
            if (o.IsClick) clicked.Add(o.UserId);
            else played.Add(o.UserId);
        }

        var control = experiment.Variants[0].Name;
        var stats = experiment.Variants.Select(v =>
        {
            var users = exposures.Where(x => x.Value.Variant == v.Name).Select(x => x.Key).ToList();
            return (v, n: users.Count, c: users.Count(clicked.Contains), p: users.Count(played.Contains));
        }).ToList();
        var baseline = stats[0];
        var results = stats.Select((s, i) => new VariantResult(s.v.Name, s.v.Model, s.n, s.c, s.p,
            Ratio(s.c, s.n), Ratio(s.p, s.n), Wilson(s.p, s.n),
            i == 0 ? null : Ratio(s.p, s.n) - Ratio(baseline.p, baseline.n), i == 0 ? null : Newcombe(s.p, s.n, baseline.p, baseline.n),
            i == 0 ? null : Ratio(s.c, s.n) - Ratio(baseline.c, baseline.n), i == 0 ? null : Newcombe(s.c, s.n, baseline.c, baseline.n))).ToList();
        return new ExperimentResults(experiment.Id, control, "Wilson 95% per variant; Newcombe (method 10) 95% for the difference to the control", results);
    }

    private static double Ratio(int x, int n) => n == 0 ? 0 : (double)x / n;

    private const double Z = 1.959963984540054;

    /// <summary>Wilson score interval of a proportion x/n at 95%.</summary>
    public static Interval Wilson(int x, int n)
    {
        if (n == 0) return new(0, 1);
        var p = (double)x / n;
        var z2 = Z * Z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = Z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Newcombe's hybrid score interval for p1 - p2 (method 10), from the two Wilson intervals.</summary>
    public static Interval Newcombe(int x1, int n1, int x2, int n2)
    {
        var p1 = Ratio(x1, n1);
        var p2 = Ratio(x2, n2);
        var (l1, u1) = Wilson(x1, n1);
        var (l2, u2) = Wilson(x2, n2);
        var d = p1 - p2;
        return new(d - Math.Sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)), d + Math.Sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)));
    }
}
