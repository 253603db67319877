namespace MLOps.Core.Data;

/// <summary>One title of the catalogue, as stored in catalogue snapshots (<c>catalog/…</c>).</summary>
public sealed record CatalogItem
{
    public required string ContentId { get; init; }
    public required string Title { get; init; }
    public IReadOnlyList<string> Genres { get; init; } = [];
    public DateOnly? ReleaseDate { get; init; }
    /// <summary>Release year (from the release date, or from a "Title (1995)" suffix when only the year is known).</summary>
    public int? Year { get; init; }
    public string? MaturityRating { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// The release date, else 1 January of the release year: the earliest day the title can have existed (MovieLens gives
    /// ml-latest titles a year only), what "new releases" want. Derived, not stored.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateOnly? ReleasedOn => ReleaseDate ?? DayOfYear(1, 1);

    /// <summary>
    /// The release date, else 31 December of the release year: the only day of the year by which the title surely existed,
    /// so a point-in-time view never lists it before its release (at the cost of a title of the cutoff's own year appearing
    /// only once that year has ended, or once it has events, and of ages short by up to a year). Derived, not stored.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateOnly? ExistsBy => ReleaseDate ?? DayOfYear(12, 31);

    private DateOnly? DayOfYear(int month, int day) => Year is >= 1 and <= 9999 ? new DateOnly(Year.Value, month, day) : null;
}
