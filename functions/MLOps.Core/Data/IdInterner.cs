using System.Runtime.InteropServices;

namespace MLOps.Core.Data;

/// <summary>
/// Ids to dense numbers 0..Count-1 in order of first appearance, each string kept once: what a loader streaming events
/// into compact rows (training data, serving data) keeps instead of the events. Single-threaded.
/// </summary>
public sealed class IdInterner
{
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];

    public int Count => _ids.Count;

    /// <summary>The ids by number (first appearance).</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>The id's number, given it the next one when it is new.</summary>
    public int Number(string id)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_numbers, id, out var exists);
        if (!exists)
        {
            slot = _ids.Count;
            _ids.Add(id);
        }
        return slot;
    }
}
