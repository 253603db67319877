namespace MLOps.Features;

/// <summary>One row of the user view (docs/features.md defines every column).</summary>
public sealed class UserFeatures
{
    public string UserId { get; set; } = "";
    public long EventsTotal { get; set; }
    public long DistinctItems { get; set; }
    public double DaysSinceLast { get; set; }
    public long Events7d { get; set; }
    public long Events28d { get; set; }
    public string ActivityLevel { get; set; } = "";
    public double? MeanRating { get; set; }
    public double? MeanViewMinutes { get; set; }
    public string? PreferredMaturity { get; set; }
    public string? TopGenre { get; set; }
}

/// <summary>One row of the item view.</summary>
public sealed class ItemFeatures
{
    public string ItemId { get; set; } = "";
    public long Popularity1d { get; set; }
    public long Popularity7d { get; set; }
    public long Popularity30d { get; set; }
    public long EventsTotal { get; set; }
    public long DistinctUsers { get; set; }
    public double? MeanRating { get; set; }
    public long RatingCount { get; set; }
    public double? AgeDays { get; set; }
    /// <summary>The genre vector, multi-hot over the catalogue's genres, stored as "A|B|C".</summary>
    public string Genres { get; set; } = "";
    public string? MaturityRating { get; set; }
    public bool InCatalog { get; set; }

    public IReadOnlyList<string> GenreList => Genres.Length == 0 ? [] : Genres.Split('|');
}

/// <summary>One row of the user × genre view: time-decayed watch count and its share of the user's total.</summary>
public sealed class UserGenreFeatures
{
    public string UserId { get; set; } = "";
    public string Genre { get; set; } = "";
    public double DecayedCount { get; set; }
    public long Count { get; set; }
    public double Affinity { get; set; }
}

/// <summary>
/// One row of the user history view: the user's most recent titles (at most <see cref="FeatureStoreOptions.HistoryPerUser"/>),
/// oldest first, most recent last, as "a|b|c" — one row per user keeps the view as small as the user view.
/// </summary>
public sealed class UserHistoryRow
{
    public string UserId { get; set; } = "";
    public string Items { get; set; } = "";
    public DateTime LastAt { get; set; }

    public IReadOnlyList<string> ItemList => Items.Length == 0 ? [] : Items.Split('|');
}

/// <summary>The view names, used as file names and statistic prefixes.</summary>
public static class FeatureViewNames
{
    public const string User = "user";
    public const string Item = "item";
    public const string UserGenre = "user_genre";
    public const string UserHistory = "user_history";
    public static readonly string[] All = [User, Item, UserGenre, UserHistory];
}
