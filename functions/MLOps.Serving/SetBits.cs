using System.Numerics;

namespace MLOps.Serving;

/// <summary>The indices of the set bits of a bit set (bit i of word w is index 64·w + i), ascending, without allocating.</summary>
public readonly struct SetBits(ulong[] words)
{
    public Enumerator GetEnumerator() => new(words);

    public struct Enumerator(ulong[] words)
    {
        private int _word = -1;
        private ulong _bits;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            while (_bits == 0)
            {
                if (++_word >= words.Length) return false;
                _bits = words[_word];
            }
            Current = (_word << 6) + BitOperations.TrailingZeroCount(_bits);
            _bits &= _bits - 1;
            return true;
        }
    }
}
