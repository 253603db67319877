using System.Globalization;
using MLOps.Core.Data;
using MLOps.Drift.Alerts;
using MLOps.Drift.Scores;
using MLOps.Drift.Window;
using MLOps.Storage;

namespace MLOps.Drift.Decay;

/// <summary>
/// Performance decay (docs/drift.md): of the recommendation lists served in the cohort range, the share followed by a play
/// (or rating) of a served title by the same user within the horizon, against the champion's offline hit rate.
/// </summary>
public sealed record DecayCheck
{
    public const string Measured = "measured";
    public const string InsufficientData = "insufficient-data";
    public const string NoOfflineExpectation = "no-offline-expectation";
    public const string NotElapsed = "horizon-not-elapsed";

    /// <summary>measured | insufficient-data | no-offline-expectation | horizon-not-elapsed (only "measured" can alert).</summary>
    public required string Status { get; init; }
    /// <summary>For on-call: why it was not measured, or what was measured.</summary>
    public required string Note { get; init; }
    /// <summary>The served lists judged are those of [ServedFrom, ServedTo); plays count up to ServedTo + horizon.</summary>
    public DateTimeOffset ServedFrom { get; init; }
    public DateTimeOffset ServedTo { get; init; }
    public double HorizonDays { get; init; }
    public int ServedLists { get; init; }
    public int ListsWithPlay { get; init; }
    /// <summary>Median titles per served list (chooses the offline metric's k).</summary>
    public int ListLength { get; init; }
    public double? OnlineHitRate { get; init; }
    /// <summary>Wilson 95 % score interval of the online hit rate.</summary>
    public double? Lower { get; init; }
    public double? Upper { get; init; }
    public string? OfflineMetric { get; init; }
    public double? OfflineHitRate { get; init; }
    public double? OfflineLower { get; init; }
    public double? OfflineUpper { get; init; }
    /// <summary>Online ÷ offline hit rate.</summary>
    public double? Ratio { get; init; }
    /// <summary>none | warning | critical.</summary>
    public string Severity { get; init; } = "none";
}

internal static class PerformanceDecay
{
    public static async Task<DecayCheck> CheckAsync(IBlobStore store, DriftReference? reference, DriftWindow window, DateTimeOffset now, DriftOptions options,
        CancellationToken cancellationToken)
    {
        var horizon = TimeSpan.FromDays(options.DecayHorizonDays);
        // Judge only lists whose whole horizon has passed by the window's end (or now, for a window still running):
        // counting a list served yesterday as "no play" would read as decay.
        var playsUntil = window.End < now ? window.End : now;
        var servedFrom = window.Start - horizon;
        var servedTo = playsUntil - horizon;
        var range = new DecayCheck { Status = DecayCheck.NotElapsed, Note = "", ServedFrom = servedFrom, ServedTo = servedTo, HorizonDays = options.DecayHorizonDays };
        if (servedTo <= servedFrom)
            return range with { ServedTo = servedFrom, Note = $"no served list of this window has had its {Days(options.DecayHorizonDays)} horizon yet" };

        var batches = await EventLog.ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        var (lists, plays) = await ServedListScanner.ScanAsync(store, batches, servedFrom, servedTo, servedTo + horizon, options.Workers, cancellationToken).ConfigureAwait(false);
        var hits = 0;
        foreach (var list in lists) if (ServedListScanner.Hit(list, plays, horizon.Ticks)) hits++;
        var length = lists.Count == 0 ? 0 : lists.Select(l => l.Titles.Length).Order().ElementAt(lists.Count / 2);
        var measured = range with { ServedLists = lists.Count, ListsWithPlay = hits, ListLength = length };
        if (lists.Count < options.DecayMinServedLists)
            return measured with
            {
                Status = DecayCheck.InsufficientData,
                Note = $"insufficient data: {lists.Count} served lists in {Range(servedFrom, servedTo)}, {options.DecayMinServedLists} needed "
                    + $"(the lists served {Days(options.DecayHorizonDays)} before the window, whose horizon has passed; {ExposureLog(batches)})",
            };

        var (lower, upper) = DriftScores.Wilson(hits, lists.Count);
        var online = (double)hits / lists.Count;
        measured = measured with { OnlineHitRate = online, Lower = lower, Upper = upper };
        var (metric, offline) = OfflineFor(reference, length);
        if (offline is null || offline.Value <= 0)
            return measured with
            {
                Status = DecayCheck.NoOfflineExpectation,
                Note = reference?.OfflineHitRates is null
                    ? "no offline expectation: the reference is not a champion's (its manifest holds the offline hit rate)"
                    : "no offline expectation: the champion's manifest has no positive hit_rate metric",
            };

        var ratio = online / offline.Value;
        // Decay must be both significant (the whole 95 % interval below the offline rate) and large (a relative drop past
        // the threshold): the first keeps small cohorts quiet, the second keeps huge cohorts from alerting on a 1 % dip.
        var significant = upper < offline.Value;
        var severity = !significant ? "none"
            : ratio <= 1 - options.DecayCritical ? AlertSeverity.Critical
            : ratio <= 1 - options.DecayWarning ? AlertSeverity.Warning : "none";
        return measured with
        {
            Status = DecayCheck.Measured, OfflineMetric = metric, OfflineHitRate = offline.Value, OfflineLower = offline.Lower, OfflineUpper = offline.Upper,
            Ratio = ratio, Severity = severity,
            Note = $"{hits} of {lists.Count} lists served {Range(servedFrom, servedTo)} were followed by a play of a served title within {Days(options.DecayHorizonDays)}: "
                + $"{online:P1} (95 % {lower:P1}–{upper:P1}) against {metric} {offline.Value:P1} offline",
        };
    }

    /// <summary>hit_rate@k for the served lists' median length k, else hit_rate@10, else the first hit_rate metric by name.</summary>
    internal static (string? Name, OfflineMetric? Metric) OfflineFor(DriftReference? reference, int listLength)
    {
        var rates = reference?.OfflineHitRates;
        if (rates is null || rates.Count == 0) return (null, null);
        foreach (var name in new[] { $"hit_rate@{listLength}", "hit_rate@10" })
            if (rates.TryGetValue(name, out var m)) return (name, m);
        var first = rates.Keys.Order(StringComparer.Ordinal).First();
        return (first, rates[first]);
    }

    /// <summary>
    /// Which days serving's exposure log holds: exposures outside the cohort's range (e.g. served this week, horizon not
    /// passed, or on days the window does not reach) are the usual reason for too few lists, not a missing experiment.
    /// </summary>
    private static string ExposureLog(IReadOnlyList<(DateOnly Day, BlobInfo Blob)> batches)
    {
        var days = batches.Where(b => WindowReader.IsExposureLog(b.Blob)).Select(b => b.Day).ToList();
        return days.Count == 0
            ? "serving has logged no exposures: it logs the lists of every experiment and, outside experiments, of ServingOptions.ExposureSampleRate of users, 1 % by default"
            : $"serving's exposure log holds {days.Min():yyyy-MM-dd}" + (days.Max() != days.Min() ? $" to {days.Max():yyyy-MM-dd}" : "");
    }

    private static string Days(double days) => days == 1 ? "1 day" : $"{days.ToString("0.##", CultureInfo.InvariantCulture)} days";

    private static string Range(DateTimeOffset from, DateTimeOffset to) => new DriftWindow(from, to).ToString();
}
