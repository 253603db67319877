using System.Globalization;
using MLOps.Core.Data;
using MLOps.Features.Statistics;

namespace MLOps.Drift.Window;

/// <summary>The features the drift check compares (docs/drift.md, "Features").</summary>
public static class DriftFeatures
{
    public const string EventType = "eventType";
    public const string Device = "device";
    public const string Country = "country";
    public const string Genre = "genre";
    public const string ViewSeconds = "viewSeconds";
    public const string Rating = "rating";
    public const string RatingScale = "ratingScaleMax";
    /// <summary>Genres of what was served (impression / exposure events): the prediction-drift feature.</summary>
    public const string ServedGenre = "servedGenre";

    public static readonly IReadOnlyList<string> All = [EventType, Device, Country, Genre, ViewSeconds, Rating, RatingScale, ServedGenre];
}

/// <summary>One feature's values in one window: sorted numeric values or category counts, and the nulls.</summary>
public sealed record FeatureValues(string Name, FeatureKind Kind, long Nulls, double[]? Sorted, Dictionary<string, long>? Categories)
{
    public long Count => Nulls + (Sorted?.LongLength ?? Categories?.Values.Sum() ?? 0);
    public long NonNull => Count - Nulls;
}

/// <summary>An account that did something unusual within one clock hour (evidence for an alert).</summary>
public sealed record AccountAnomaly(string UserId, string Kind, DateTimeOffset Hour, int Events, IReadOnlyList<string> Countries, IReadOnlyList<string> Devices);

/// <summary>Everything one scan of a window yields, merged over the parsers.</summary>
public sealed class WindowAggregate
{
    public required DriftWindow Window { get; init; }
    public long Lines { get; init; }
    public long Events { get; init; }
    public long Invalid { get; init; }
    public long OutOfWindow { get; init; }
    public long UnknownContent { get; init; }
    public bool HasCatalog { get; init; }
    public IReadOnlyList<string> UnknownContentSamples { get; init; } = [];
    public required long[] Hourly { get; init; }
    public required IReadOnlyDictionary<string, FeatureValues> Features { get; init; }
    public IReadOnlyList<AccountAnomaly> Accounts { get; init; } = [];

    internal static WindowAggregate Merge(ScanContext context, WindowAccumulator[] parts, DriftOptions options)
    {
        var hourly = new long[Math.Max(context.Hours, 0)];
        foreach (var p in parts) for (var h = 0; h < hourly.Length; h++) hourly[h] += p.Hourly[h];
        long Sum(Func<WindowAccumulator, long> f) { long s = 0; foreach (var p in parts) s += f(p); return s; }

        var features = new Dictionary<string, FeatureValues>(StringComparer.Ordinal);
        if (!context.CountsOnly)
        {
            features[DriftFeatures.EventType] = Categorical(DriftFeatures.EventType, 0, parts, p => p.EventTypes, i => ((EventType)i).ToString().ToLowerInvariant());
            features[DriftFeatures.Device] = Categorical(DriftFeatures.Device, Sum(p => p.DeviceNulls), parts, p => p.DeviceCounts, context.Devices.Name);
            features[DriftFeatures.Country] = Categorical(DriftFeatures.Country, Sum(p => p.CountryNulls), parts, p => p.CountryCounts, context.Countries.Name);
            if (context.Genres is not null)
            {
                features[DriftFeatures.Genre] = Categorical(DriftFeatures.Genre, 0, parts, p => p.GenreCounts, i => context.GenreNames[i]);
                features[DriftFeatures.ServedGenre] = Categorical(DriftFeatures.ServedGenre, 0, parts, p => p.ServedGenreCounts, i => context.GenreNames[i]);
            }
            features[DriftFeatures.ViewSeconds] = Numeric(DriftFeatures.ViewSeconds, Sum(p => p.ViewNulls), parts, p => p.ViewSeconds);
            features[DriftFeatures.Rating] = Numeric(DriftFeatures.Rating, Sum(p => p.RatingNulls), parts, p => p.Ratings);
            var scales = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var p in parts)
                foreach (var (scale, count) in p.RatingScales)
                {
                    var key = scale.ToString(CultureInfo.InvariantCulture);
                    scales[key] = scales.GetValueOrDefault(key) + count;
                }
            features[DriftFeatures.RatingScale] = new FeatureValues(DriftFeatures.RatingScale, FeatureKind.Categorical, Sum(p => p.ScaleNulls), null, scales);
        }

        return new WindowAggregate
        {
            Window = context.Window,
            Lines = Sum(p => p.Lines),
            Events = Sum(p => p.Events),
            Invalid = Sum(p => p.Invalid),
            OutOfWindow = Sum(p => p.OutOfWindow),
            UnknownContent = Sum(p => p.UnknownContent),
            HasCatalog = context.Genres is not null,
            UnknownContentSamples = parts.SelectMany(p => p.UnknownSamples).Distinct(StringComparer.Ordinal).Take(10).ToList(),
            Hourly = hourly,
            Features = features,
            Accounts = context.CountsOnly ? [] : FindAccounts(context, parts, options),
        };
    }

    private static FeatureValues Categorical(string name, long nulls, WindowAccumulator[] parts, Func<WindowAccumulator, long[]> counts, Func<int, string> label)
    {
        var merged = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in parts)
        {
            var c = counts(p);
            for (var i = 0; i < c.Length; i++)
                if (c[i] > 0)
                {
                    var key = label(i);
                    merged[key] = merged.GetValueOrDefault(key) + c[i];
                }
        }
        return new FeatureValues(name, FeatureKind.Categorical, nulls, null, merged);
    }

    private static FeatureValues Numeric(string name, long nulls, WindowAccumulator[] parts, Func<WindowAccumulator, List<double>> values)
    {
        var total = 0;
        foreach (var p in parts) total += values(p).Count;
        var all = new double[total];
        var at = 0;
        foreach (var p in parts)
        {
            var list = values(p);
            list.CopyTo(all, at);
            at += list.Count;
        }
        Array.Sort(all);
        return new FeatureValues(name, FeatureKind.Numeric, nulls, all, null);
    }

    private static List<AccountAnomaly> FindAccounts(ScanContext context, WindowAccumulator[] parts, DriftOptions options)
    {
        // Merge the parsers' (account, hour) activity; ids are shared, so keys agree across parsers.
        var merged = parts[0].UserHours;
        for (var i = 1; i < parts.Length; i++)
            foreach (var (key, other) in parts[i].UserHours)
            {
                ref var into = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(merged, key, out var exists);
                if (!exists) { into = other; continue; }
                into.Count += other.Count;
                into.Countries = Union(into.Country, into.Countries, other.Country, other.Countries);
                into.Devices = Union(into.Device, into.Devices, other.Device, other.Devices);
                if (into.Country == 0) into.Country = other.Country;
                if (into.Device == 0) into.Device = other.Device;
            }

        var found = new List<AccountAnomaly>();
        foreach (var (key, a) in merged)
        {
            var countries = a.Countries?.Count ?? (a.Country > 0 ? 1 : 0);
            var devices = a.Devices?.Count ?? (a.Device > 0 ? 1 : 0);
            string? kind = countries >= options.CountriesPerHour ? "many-countries"
                : devices >= options.DevicesPerHour ? "many-devices"
                : a.Count >= options.EventsPerUserHour ? "burst" : null;
            if (kind is null) continue;
            var user = context.Users.Name((int)(key >> 20));
            var hour = context.Window.Start.AddHours(key & 0xFFFFF);
            found.Add(new AccountAnomaly(user, kind, hour, a.Count,
                Names(a.Country, a.Countries, context.Countries), Names(a.Device, a.Devices, context.Devices)));
        }
        // One finding per account and kind: the hour with the most events.
        return found.GroupBy(f => (f.UserId, f.Kind)).Select(g => g.OrderByDescending(f => f.Countries.Count + f.Devices.Count).ThenByDescending(f => f.Events).First())
            .OrderByDescending(f => f.Countries.Count).ThenByDescending(f => f.Events).ThenBy(f => f.UserId, StringComparer.Ordinal).ToList();
    }

    private static HashSet<int>? Union(int first, HashSet<int>? set, int otherFirst, HashSet<int>? otherSet)
    {
        if (set is null && otherSet is null && (first == 0 || otherFirst == 0 || first == otherFirst)) return null;
        var union = set ?? (first > 0 ? [first] : []);
        if (otherSet is not null) union.UnionWith(otherSet);
        else if (otherFirst > 0) union.Add(otherFirst);
        return union;
    }

    private static List<string> Names(int first, HashSet<int>? set, Interner names) =>
        set is not null ? set.Select(i => names.Name(i - 1)).Order(StringComparer.Ordinal).ToList()
        : first > 0 ? [names.Name(first - 1)] : [];
}
