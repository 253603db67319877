using System.Runtime.CompilerServices;

namespace MLOps.Features.Store;

/// <summary>
/// The (user, title) pairs a view state has seen, for distinct counts: keys user &lt;&lt; 32 | title, sorted, with each
/// user's range indexed so a lookup searches one user's titles (a few cache lines) instead of the whole array, and new
/// pairs merged in place from the back (no new array per fold while the capacity lasts).
/// </summary>
internal sealed class PairSet
{
    private long[] _keys;
    private int _count;
    /// <summary>User u's keys are [_userStart[u], _userStart[u + 1]); users past the end have none.</summary>
    private int[] _userStart = [0];

    public PairSet(long[] sortedKeys)
    {
        _keys = sortedKeys;
        _count = sortedKeys.Length;
        IndexUsers();
    }

    public int Count => _count;

    public ReadOnlySpan<long> Keys => _keys.AsSpan(0, _count);

    public static long Key(int user, int item) => ((long)user << 32) | (uint)item;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Contains(int user, int item)
    {
        if (user + 1 >= _userStart.Length) return false;
        var from = _userStart[user];
        return Array.BinarySearch(_keys, from, _userStart[user + 1] - from, Key(user, item)) >= 0;
    }

    /// <summary>Adds keys that are not in the set yet (the caller checked with <see cref="Contains"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddNew(List<long> added)
    {
        if (added.Count == 0) return;
        var extra = added.ToArray();
        Array.Sort(extra);
        var total = _count + extra.Length;
        if (total > _keys.Length) Array.Resize(ref _keys, Math.Max(total, _count + _count / 16)); // a few days' growth of slack
        int a = _count - 1, b = extra.Length - 1, k = total - 1;
        while (b >= 0) _keys[k--] = a >= 0 && _keys[a] > extra[b] ? _keys[a--] : extra[b--];
        _count = total;
        IndexUsers();
    }

    public PairSet Clone() => new(Keys.ToArray());

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void IndexUsers()
    {
        var users = _count == 0 ? 0 : (int)(_keys[_count - 1] >> 32) + 1;
        if (_userStart.Length != users + 1) _userStart = new int[users + 1];
        var k = 0;
        for (var u = 0; u <= users; u++)
        {
            while (k < _count && (_keys[k] >> 32) < u) k++;
            _userStart[u] = k;
        }
    }
}
