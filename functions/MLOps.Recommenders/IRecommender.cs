namespace MLOps.Recommenders;

/// <summary>
/// A trained recommender as serving and evaluation use it: it scores every catalogue item for a user
/// described by their history (dense item indices, most recent last), so fresh events count without retraining.
/// Implementations are immutable after training and safe to call from many threads.
/// </summary>
public interface IRecommender
{
    /// <summary>Short model kind, e.g. "popularity", "sar", "ease", "ials", "content", "ranker".</summary>
    string Kind { get; }

    /// <summary>The dense index space the model scores over.</summary>
    ItemIndex Items { get; }

    /// <summary>Writes a score per item into <paramref name="scores"/> (length = Items.Count); higher is better.</summary>
    void Score(ReadOnlySpan<int> history, Span<float> scores);

    /// <summary>
    /// True when the model learned something about the item, so a history holding it (or "similar to it") moves scores.
    /// False for items outside a partial model (EASE past <c>max_items</c>) or without training interactions: scoring
    /// them gives a flat floor, which ranks the catalogue in index order.
    /// </summary>
    bool Covers(int item) => true;

    /// <summary>
    /// The position in <paramref name="history"/> of the title that adds most to <paramref name="item"/>'s score, or -1 when the
    /// model cannot say exactly and cheaply (factor, blended and ranking models) or when no title adds a positive amount.
    /// Serving's "Because you watched X" names it, so the reason is what drove the score.
    /// </summary>
    int TopContributor(ReadOnlySpan<int> history, int item) => -1;
}

/// <summary>Content ids ↔ dense indices 0..Count-1, in a fixed order saved with every artifact.</summary>
public sealed class ItemIndex
{
    private readonly string[] _ids;
    private readonly Dictionary<string, int> _index;

    public ItemIndex(IEnumerable<string> ids)
    {
        _ids = ids.ToArray();
        _index = new Dictionary<string, int>(_ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < _ids.Length; i++)
            if (!_index.TryAdd(_ids[i], i)) throw new ArgumentException($"Item id '{_ids[i]}' appears twice in the index.", nameof(ids));
    }

    public int Count => _ids.Length;
    public IReadOnlyList<string> Ids => _ids;
    public string this[int index] => _ids[index];
    public bool TryGetIndex(string id, out int index) => _index.TryGetValue(id, out index);
}
