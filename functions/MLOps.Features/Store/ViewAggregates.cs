using System.Runtime.InteropServices;

namespace MLOps.Features.Store;

/// <summary>A user's cutoff-independent totals (fixed-point sums as in <see cref="PairAggregate"/>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UserAggregate
{
    public long Events;
    public long DistinctItems;
    public long LastTicks;
    public long RatingSum;
    public long RatingCount;
    public long ViewSeconds;
}

/// <summary>A title's cutoff-independent totals.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ItemAggregate
{
    public long Events;
    public long DistinctUsers;
    public long RatingSum;
    public long RatingCount;
}

/// <summary>One user × genre: Σ decay weight against the anchor (<see cref="DecayedSum"/>) and the plain count.</summary>
// Packed: the view state is written and read raw, and 16-byte alignment would add a third to its largest array.
[StructLayout(LayoutKind.Sequential, Pack = 8)]
internal struct GenreAggregate
{
    public DecayedSum Weight;
    public long Count;
}

/// <summary>One title in a user's recent history: the user's last interaction with it.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct HistoryEntry
{
    public long LastTicks;
    public int Item;
}
