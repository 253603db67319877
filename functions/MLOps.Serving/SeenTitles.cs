using System.Numerics;

namespace MLOps.Serving;

/// <summary>
/// The titles a user has seen, held in whichever form is smaller: the sorted title indices (4 bytes a title), or a bit
/// set over the whole catalogue (titles / 8 bytes) once the user has seen more than one title in 32. A bit set for every
/// user cost users × titles / 8 bytes: 31 MB at 50k users over 5,000 titles, but 1.25 GB at 200k users over 50,000 and
/// 6 GB at a million, for users who mostly watched a few dozen titles.
/// </summary>
public sealed class SeenTitles
{
    private readonly int[]? _sorted;
    private readonly ulong[]? _bits;

    private SeenTitles(int[]? sorted, ulong[]? bits, int count)
    {
        _sorted = sorted;
        _bits = bits;
        Count = count;
    }

    public static SeenTitles Empty { get; } = new([], null, 0);

    /// <summary>How many distinct titles.</summary>
    public int Count { get; }

    /// <summary>The distinct titles of <paramref name="items"/> and <paramref name="also"/>, over a catalogue of <paramref name="titleCount"/> titles.</summary>
    public static SeenTitles From(IEnumerable<int> items, int titleCount, SeenTitles? also = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = new List<int>(also?.Count ?? 0);
        if (also is not null) foreach (var i in also) list.Add(i);
        list.AddRange(items);
        list.Sort();
        var distinct = 0;
        for (var p = 0; p < list.Count; p++)
            if (p == 0 || list[p] != list[p - 1]) list[distinct++] = list[p];
        // One int a title against one bit a catalogue title: the bit set wins past titles / 32 seen.
        if ((long)distinct * 32 <= titleCount) return distinct == 0 ? Empty : new([.. list.GetRange(0, distinct)], null, distinct);
        var bits = new ulong[(titleCount + 63) / 64];
        for (var p = 0; p < distinct; p++) bits[list[p] >> 6] |= 1UL << (list[p] & 63);
        return new(null, bits, distinct);
    }

    public bool Contains(int item) => _bits is { } bits
        ? item >= 0 && (item >> 6) < bits.Length && (bits[item >> 6] & (1UL << (item & 63))) != 0
        : Array.BinarySearch(_sorted!, item) >= 0;

    /// <summary>Sets the score of every seen title to −∞.</summary>
    public void Mask(Span<float> scores)
    {
        foreach (var i in this)
            if (i < scores.Length) scores[i] = float.NegativeInfinity;
    }

    /// <summary>Bytes held (the arrays' payload), for the figures in docs/serving.md.</summary>
    public long Bytes => _bits is { } bits ? bits.Length * 8L : _sorted!.Length * 4L;

    public Enumerator GetEnumerator() => new(_sorted, _bits);

    /// <summary>The titles in ascending order, without allocating.</summary>
    public struct Enumerator(int[]? sorted, ulong[]? bits)
    {
        private int _position = -1;
        private int _word = -1;
        private ulong _remaining;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            if (sorted is not null)
            {
                if (++_position >= sorted.Length) return false;
                Current = sorted[_position];
                return true;
            }
            while (_remaining == 0)
            {
                if (++_word >= bits!.Length) return false;
                _remaining = bits[_word];
            }
            Current = (_word << 6) + BitOperations.TrailingZeroCount(_remaining);
            _remaining &= _remaining - 1;
            return true;
        }
    }
}
