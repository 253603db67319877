using System.Collections.Concurrent;

namespace MLOps.Drift.Window;

/// <summary>Strings to dense ids, shared by the parallel parsers: lookups by span allocate nothing; only new strings take the lock.</summary>
internal sealed class Interner
{
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _names = [];
    private readonly Lock _gate = new();

    public Interner() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _names.Count;

    public int Id(ReadOnlySpan<char> value)
    {
        if (_lookup.TryGetValue(value, out var id)) return id;
        lock (_gate)
        {
            if (_lookup.TryGetValue(value, out id)) return id;
            var name = value.ToString();
            id = _names.Count;
            _names.Add(name);
            _ids[name] = id;
            return id;
        }
    }

    /// <summary>The id of a string already interned, without adding it (−1 when unknown).</summary>
    public int Find(ReadOnlySpan<char> value) => _lookup.TryGetValue(value, out var id) ? id : -1;

    /// <summary>Only after the parsers finished.</summary>
    public string Name(int id) => _names[id];
}
