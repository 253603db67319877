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

    public static async Task<ExperimentResults> ResultsAsync(IBlobStore store, ExperimentDefinition experiment, CancellationToken cancellationToken)
    {
        var exposures = new Dictionary<string, (string Variant, DateTimeOffset First, HashSet<string> Items)>(StringComparer.Ordinal);
        var later = new List<ViewingEvent>();
        await foreach (var e in EventLog.ReadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.EventType == EventType.Exposure && e.Experiment == experiment.Id && e.Variant is { } variant)
            {
                if (!exposures.TryGetValue(e.UserId, out var x))
                    exposures[e.UserId] = x = (variant, e.Timestamp, new HashSet<string>(StringComparer.Ordinal));
                else if (e.Timestamp < x.First) exposures[e.UserId] = x = (x.Variant, e.Timestamp, x.Items);
                x.Items.Add(e.ContentId);
            }
            else if (e.EventType is EventType.Click or EventType.Play or EventType.Rate) later.Add(e);
        }
        var clicked = new HashSet<string>(StringComparer.Ordinal);
        var played = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in later)
        {
            if (!exposures.TryGetValue(e.UserId, out var x) || e.Timestamp < x.First || !x.Items.Contains(e.ContentId)) continue;
            if (e.EventType == EventType.Click) clicked.Add(e.UserId);
            else played.Add(e.UserId);
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
