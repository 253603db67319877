namespace MLOps.Core.Data;

/// <summary>What kind of interaction a viewing event records.</summary>
public enum EventType { Play, Rate, Impression, Click, Search, Exposure }

/// <summary>
/// One accepted viewing event, as stored in <c>events/dt=YYYY-MM-DD/&lt;batch&gt;.ndjson</c> (one JSON object a line).
/// Ratings keep their source's scale (<see cref="RatingScaleMax"/>) so a scale change is visible to drift checks.
/// </summary>
public sealed record ViewingEvent
{
    public required string EventId { get; init; }
    public required string UserId { get; init; }
    public required string ContentId { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public EventType EventType { get; init; } = EventType.Play;
    public double? ViewSeconds { get; init; }
    public double? Rating { get; init; }
    public double? RatingScaleMax { get; init; }
    public string? Device { get; init; }
    public string? Country { get; init; }
    /// <summary>For exposure events: the experiment and variant served (A/B tests).</summary>
    public string? Experiment { get; init; }
    public string? Variant { get; init; }
    /// <summary>
    /// For exposure events: the model's score of the title in the served list, and the model that scored it ("name vN").
    /// Absent on fallback items (cold start, trending fill) and on exposures logged before serving recorded scores.
    /// </summary>
    public double? Score { get; init; }
    public string? Model { get; init; }
}
