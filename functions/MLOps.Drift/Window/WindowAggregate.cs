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
    /// <summary>The model's scores of the titles it served (scored exposures), against the champion's evaluation: a prediction-drift feature.</summary>
    public const string ServedScore = "servedScore";
    /// <summary>Genres of what was served (impression / exposure events): a prediction-drift feature.</summary>
    public const string ServedGenre = "servedGenre";
    /// <summary>Reference popularity band of what was served (impression / exposure events): a prediction-drift feature.</summary>
    public const string ServedPopularity = "servedPopularity";

    public static readonly IReadOnlyList<string> All = [EventType, Device, Country, Genre, ViewSeconds, Rating, RatingScale, ServedGenre, ServedPopularity, ServedScore];

    /// <summary>What is served rather than what users do: judged as prediction drift, left out of the dataset-drift share.</summary>
    public static bool IsPrediction(string name) => name is ServedGenre or ServedPopularity or ServedScore;
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
    /// <summary>Catalogue content ids, and per id (same index) plays + ratings + clicks and times served; empty without a catalogue.</summary>
    public IReadOnlyList<string> TitleIds { get; init; } = [];
    public long[] TitleInteractions { get; init; } = [];
    public long[] TitleServed { get; init; } = [];
    /// <summary>Exposure events, those with the model's score, the scores (sorted) and per catalogue title the scored exposures.</summary>
    public long Exposures { get; init; }
    public long ScoredExposures { get; init; }
    public double[] ServedScores { get; init; } = [];
    public long[] TitleScored { get; init; } = [];
    /// <summary>Genres of the scored exposures (each genre of a title counts); empty without a catalogue.</summary>
    public IReadOnlyDictionary<string, long> ScoredGenres { get; init; } = new Dictionary<string, long>();
    /// <summary>Scored exposures per serving model ("name vN"): which model served what the check compares.</summary>
    public IReadOnlyDictionary<string, long> ServedModels { get; init; } = new Dictionary<string, long>();

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
            if (context.Titles is not null)
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

        var titleScored = SumPerTitle(context, parts, p => p.TitleScored);
        return new WindowAggregate
        {
            Window = context.Window,
            Lines = Sum(p => p.Lines),
            Events = Sum(p => p.Events),
            Invalid = Sum(p => p.Invalid),
            OutOfWindow = Sum(p => p.OutOfWindow),
            UnknownContent = Sum(p => p.UnknownContent),
            HasCatalog = context.Titles is not null,
            UnknownContentSamples = parts.SelectMany(p => p.UnknownSamples).Distinct(StringComparer.Ordinal).Take(10).ToList(),
            Hourly = hourly,
            Features = features,
            Accounts = context.Accounts ? FindAccounts(context, parts, options) : [],
            TitleIds = context.ContentIds,
            TitleInteractions = SumPerTitle(context, parts, p => p.TitleInteractions),
            TitleServed = SumPerTitle(context, parts, p => p.TitleServed),
            Exposures = Sum(p => p.Exposures),
            ScoredExposures = Sum(p => p.ScoredExposures),
            ServedScores = context.CountsOnly ? [] : Numeric(DriftFeatures.ServedScore, 0, parts, p => p.ServedScores).Sorted!,
            TitleScored = titleScored,
            ScoredGenres = GenresOf(context, titleScored),
            ServedModels = context.CountsOnly ? new Dictionary<string, long>() : Categorical("models", 0, parts, p => p.ModelCounts, context.Models.Name).Categories!,
        };
    }

    private static long[] SumPerTitle(ScanContext context, WindowAccumulator[] parts, Func<WindowAccumulator, long[]> counts)
    {
        var total = new long[context.ContentIds.Length];
        foreach (var p in parts)
        {
            var c = counts(p);
            for (var i = 0; i < total.Length; i++) total[i] += c[i];
        }
        return total;
    }

    private static Dictionary<string, long> GenresOf(ScanContext context, long[] perTitle)
    {
        var genres = new Dictionary<string, long>(StringComparer.Ordinal);
        if (context.Titles is null) return genres;
        foreach (var title in context.Titles.Values)
            if (perTitle[title.Index] > 0)
                foreach (var g in title.Genres)
                    genres[context.GenreNames[g]] = genres.GetValueOrDefault(context.GenreNames[g]) + perTitle[title.Index];
        return genres;
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
        // Pass 1 (flat arrays by account id): accounts that ever used two countries or devices, or sent enough events to burst.
        var users = context.Users.Count;
        var country = new int[users];
        var device = new int[users];
        var count = new int[users];
        var suspect = new bool[users];
        foreach (var p in parts)
            foreach (var a in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(p.Activity))
            {
                if (++count[a.User] >= options.EventsPerUserHour) suspect[a.User] = true;
                if (a.Country >= 0) { if (country[a.User] == 0) country[a.User] = a.Country + 1; else if (country[a.User] != a.Country + 1) suspect[a.User] = true; }
                if (a.Device >= 0) { if (device[a.User] == 0) device[a.User] = a.Device + 1; else if (device[a.User] != a.Device + 1) suspect[a.User] = true; }
            }
        // Pass 2: only suspects' events, sorted by account, hour, country, device and read group by group (a dictionary of
        // per-hour sets cost ~1 GB at 2M events, where most accounts use two devices and so are all suspects).
        var suspects = new List<Activity>();
        foreach (var p in parts)
            foreach (var a in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(p.Activity))
                if (suspect[a.User]) suspects.Add(a);
        var sorted = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(suspects);
        sorted.Sort(static (x, y) => x.User != y.User ? x.User.CompareTo(y.User) : x.Hour != y.Hour ? x.Hour.CompareTo(y.Hour)
            : x.Country != y.Country ? x.Country.CompareTo(y.Country) : x.Device.CompareTo(y.Device));

        var found = new List<AccountAnomaly>();
        var countries = new List<int>();
        var devices = new List<int>();
        for (var start = 0; start < sorted.Length;)
        {
            var (user, hour) = (sorted[start].User, sorted[start].Hour);
            var end = start;
            countries.Clear();
            devices.Clear();
            for (; end < sorted.Length && sorted[end].User == user && sorted[end].Hour == hour; end++)
            {
                var a = sorted[end];
                if (a.Country >= 0 && (countries.Count == 0 || countries[^1] != a.Country)) countries.Add(a.Country); // countries arrive sorted
                if (a.Device >= 0 && !devices.Contains(a.Device)) devices.Add(a.Device); // a handful per hour
            }
            var events = end - start;
            start = end;
            string? kind = countries.Count >= options.CountriesPerHour ? "many-countries"
                : devices.Count >= options.DevicesPerHour ? "many-devices"
                : events >= options.EventsPerUserHour ? "burst" : null;
            if (kind is null) continue;
            found.Add(new AccountAnomaly(context.Users.Name(user), kind, context.Window.Start.AddHours(hour), events,
                countries.Select(context.Countries.Name).Order(StringComparer.Ordinal).ToList(), devices.Select(context.Devices.Name).Order(StringComparer.Ordinal).ToList()));
        }
        // One finding per account and kind: the hour with the most countries and devices, then events.
        return found.GroupBy(f => (f.UserId, f.Kind)).Select(g => g.OrderByDescending(f => f.Countries.Count + f.Devices.Count).ThenByDescending(f => f.Events).First())
            .OrderByDescending(f => f.Countries.Count).ThenByDescending(f => f.Events).ThenBy(f => f.UserId, StringComparer.Ordinal).ToList();
    }
}
