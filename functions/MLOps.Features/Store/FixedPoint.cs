namespace MLOps.Features.Store;

/// <summary>
/// Every real-valued sum the features use is kept in fixed point, so adding the same events in any grouping or order
/// (one full rebuild, or a base plus daily segments) gives the same integer, and the views computed from it are
/// bitwise equal (docs/features.md, "Equality with a full rebuild"). Each event's value is rounded once, on entry.
/// </summary>
internal static class FixedPoint
{
    /// <summary>Decay weights 2^((t − anchor)/h) in units of 2^-52 (a double's precision at weight 1); no weight exceeds 2^20, so an Int128 sum has room for 2^55 events.</summary>
    public const int WeightBits = 52;
    /// <summary>
    /// The anchor moves forward in steps of this many half-lives, so it is never a whole step before the cutoff's day and
    /// no weight of an event before the cutoff exceeds 2^20. It is a function of the log's first batch day and the cutoff (<see cref="AnchorFor"/>),
    /// so a full rebuild and an incremental chain at the same cutoff always share it.
    /// </summary>
    public const int AnchorStepHalfLives = 20;
    /// <summary>Normalized ratings (1–5) in units of 2^-32.</summary>
    public const int RatingBits = 32;
    /// <summary>View seconds in units of 2^-20 s (under a microsecond).</summary>
    public const int SecondsBits = 20;

    public static Int128 Weight(double value) => (Int128)Math.Round(Math.ScaleB(value, WeightBits));
    public static double Weight(Int128 units) => Math.ScaleB((double)units, -WeightBits);
    public static long Rating(double value) => (long)Math.Round(Math.ScaleB(value, RatingBits));
    public static double Rating(long units) => Math.ScaleB((double)units, -RatingBits);
    public static long Seconds(double value) => (long)Math.Round(Math.ScaleB(value, SecondsBits));
    public static double Seconds(long units) => Math.ScaleB((double)units, -SecondsBits);

    /// <summary>The decay anchor of a snapshot: the first batch day, moved forward by whole steps while a step fits before the cutoff's day.</summary>
    public static long AnchorFor(DateOnly firstDay, DateOnly lastDay, double halfLifeDays)
    {
        var step = Math.Max(1, (int)Math.Round(AnchorStepHalfLives * halfLifeDays));
        var days = Math.Max(0, lastDay.DayNumber - firstDay.DayNumber);
        return firstDay.AddDays(days / step * step).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;
    }
}
