using System.Runtime.InteropServices;

namespace MLOps.Features.Store;

/// <summary>
/// Everything the feature views need from the events of one (user, title) pair. Decomposable: the aggregate of
/// two event sets is the field-wise sum (max for <see cref="LastTicks"/>), which is what makes incremental refresh
/// equal to a full rebuild. <see cref="Weight"/> is Σ 2^((t − anchor) / half-life), rescaled to the cutoff at the end;
/// real-valued sums are fixed point (<see cref="FixedPoint"/>), so the sum does not depend on grouping or order.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PairAggregate
{
    public int User;
    public int Item;
    public int Count;
    public int RatingCount;
    /// <summary>Σ normalized rating, <see cref="FixedPoint.RatingBits"/> fixed point.</summary>
    public long RatingSum;
    /// <summary>Σ view seconds, <see cref="FixedPoint.SecondsBits"/> fixed point.</summary>
    public long ViewSeconds;
    public long LastTicks;
    /// <summary>Σ 2^((t − anchor) / half-life), exact per era (<see cref="DecayedSum"/>).</summary>
    public DecayedSum Weight;

    public void Add(in PairAggregate other)
    {
        Count += other.Count;
        RatingCount += other.RatingCount;
        RatingSum += other.RatingSum;
        ViewSeconds += other.ViewSeconds;
        Weight.Add(other.Weight);
        if (other.LastTicks > LastTicks) LastTicks = other.LastTicks;
    }
}

/// <summary>Id ↔ dense index, interned without allocating a string for ids already seen.</summary>
internal sealed class IdTable
{
    private readonly Dictionary<string, int> _index;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    public readonly List<string> Ids;

    public IdTable(int capacity = 0)
    {
        _index = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        Ids = new List<string>(capacity);
    }

    public int Count => Ids.Count;

    public int Intern(ReadOnlySpan<char> id)
    {
        if (_lookup.TryGetValue(id, out var index)) return index;
        var s = id.ToString();
        index = Ids.Count;
        _index.Add(s, index);
        Ids.Add(s);
        return index;
    }

    public int Intern(string id)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, id, out var exists);
        if (!exists)
        {
            slot = Ids.Count;
            Ids.Add(id);
        }
        return slot;
    }

    public bool TryGet(string id, out int index) => _index.TryGetValue(id, out index);
}

/// <summary>
/// Hashing for packed (a &lt;&lt; 32 | b) keys: long's own hash is a ^ b, which collides wholesale when both halves are
/// small indices; a Fibonacci multiply spreads them.
/// </summary>
internal sealed class PackedKeyComparer : IEqualityComparer<long>
{
    public static readonly PackedKeyComparer Instance = new();
    public bool Equals(long x, long y) => x == y;
    public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
}
