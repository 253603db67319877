namespace MLOps.Recommenders.Evaluation;

/// <summary>
/// NumPy's legacy global generator (<c>np.random.seed(s)</c> then <c>np.random.rand(n)</c>): MT19937 seeded with the
/// reference <c>init_genrand</c>, doubles from two 32-bit draws with 53 random bits (<c>genrand_res53</c>). Exists so the
/// benchmark split is Recommenders' split row for row, not merely the same protocol: their splitter draws one such double
/// per data-frame row.
/// </summary>
public sealed class NumpyRandomState
{
    private const int N = 624, M = 397;
    private const uint MatrixA = 0x9908b0df, UpperMask = 0x80000000, LowerMask = 0x7fffffff;
    private readonly uint[] _state = new uint[N];
    private int _position;

    public NumpyRandomState(uint seed)
    {
        _state[0] = seed;
        for (var i = 1; i < N; i++) _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        _position = N;
    }

    /// <summary><c>np.random.rand()</c>: a double in [0, 1).</summary>
    public double NextDouble()
    {
        var a = NextUInt32() >> 5;
        var b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary><c>np.random.rand(count)</c>.</summary>
    public double[] NextDoubles(int count)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++) values[i] = NextDouble();
        return values;
    }

    public uint NextUInt32()
    {
        if (_position >= N) Twist();
        var y = _state[_position++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        return y;
    }

    private void Twist()
    {
        for (var i = 0; i < N; i++)
        {
            var y = (_state[i] & UpperMask) | (_state[(i + 1) % N] & LowerMask);
            _state[i] = _state[(i + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0u);
        }
        _position = 0;
    }
}
