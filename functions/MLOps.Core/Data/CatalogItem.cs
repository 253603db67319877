namespace MLOps.Core.Data;

/// <summary>One title of the catalogue, as stored in catalogue snapshots (<c>catalog/…</c>).</summary>
public sealed record CatalogItem
{
    public required string ContentId { get; init; }
    public required string Title { get; init; }
    public IReadOnlyList<string> Genres { get; init; } = [];
    public DateOnly? ReleaseDate { get; init; }
    public string? MaturityRating { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
}
