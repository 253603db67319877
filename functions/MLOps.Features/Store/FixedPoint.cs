using System.Runtime.InteropServices;

namespace MLOps.Features.Store;

/// <summary>
/// Every real-valued sum the features use is kept in fixed point, so adding the same events in any grouping or order
/// (one full rebuild, or a base plus daily segments) gives the same integer, and the views computed from it are
/// bitwise equal (docs/features.md, "Equality with a full rebuild"). Each event's value is rounded once, on entry.
/// </summary>
internal static class FixedPoint
{
    /// <summary>Decay weights are kept to this many bits below the bottom of their era (<see cref="DecayedSum"/>): a double's precision.</summary>
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

/// <summary>
/// Σ 2^x over a set of events, x = (t − anchor) / half-life, exact and independent of grouping and order, without
/// underflow however old the events are. A single fixed-point grid cannot do that: at 2^-52 units an event more than 52
/// half-lives before the anchor (4.3 years at h = 30 days) rounds to 0, and then a dormant user's genre shares are 0/0.
/// So x is cut into eras of <see cref="EraHalfLives"/> half-lives, era e = ⌊x / 40⌋ with its own grid 2^(40e − 52), and
/// an event is rounded once, on entry, on its own era's grid (≥ 52 significant bits, like a double). A sum keeps the
/// integer sums of the newest era among its events (<see cref="Era"/>) and of the era below; events of older eras are
/// dropped — each weighs less than 2^-40 of the newest event. What is kept is a function of the set of events alone
/// (the newest era, and which events fall in it and the one below), so merging in any grouping gives the same integers.
/// An era's event is below 2^92 units, so each sum has room for 2^35 events.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct DecayedSum
{
    public const int EraHalfLives = 40;

    /// <summary>Σ of the events in era <see cref="Era"/>, in units of 2^(40·Era − 52); 0 only when the set is empty.</summary>
    public Int128 Top;
    /// <summary>Σ of the events in era <see cref="Era"/> − 1, in units of 2^(40·(Era − 1) − 52).</summary>
    public Int128 Below;
    public int Era;

    public readonly bool IsEmpty => Top == 0;

    /// <summary>One event at <paramref name="halfLives"/> = (t − anchor) / half-life.</summary>
    public static DecayedSum Of(double halfLives)
    {
        var era = (int)Math.Floor(halfLives / EraHalfLives);
        // 2^(x − 40e) ∈ [1, 2^40]: at least 2^52 units, so a non-empty sum has Top > 0.
        return new DecayedSum { Era = era, Top = (Int128)Math.Round(double.Exp2(halfLives - (double)EraHalfLives * era + FixedPoint.WeightBits)) };
    }

    public void Add(in DecayedSum other)
    {
        if (other.IsEmpty) return;
        if (IsEmpty || other.Era > Era + 1) { this = other; return; }
        if (other.Era == Era) { Top += other.Top; Below += other.Below; }
        else if (other.Era == Era - 1) Below += other.Top;
        else if (other.Era == Era + 1) { Below = Top + other.Below; Top = other.Top; Era = other.Era; }
        // other.Era < Era − 1: all of its events are below the era this sum keeps.
    }

    /// <summary>The sum in units of 2^(40·<paramref name="era"/> − 52): scale-free, for ratios between sums (no underflow).</summary>
    public readonly double Relative(int era) =>
        IsEmpty ? 0 : Math.ScaleB((double)Top, EraHalfLives * (Era - era)) + Math.ScaleB((double)Below, EraHalfLives * (Era - 1 - era));
}
