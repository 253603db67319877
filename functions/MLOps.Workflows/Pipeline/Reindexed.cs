using System.Buffers;
using MLOps.Recommenders;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// A model trained on another item index, scored in this one (items it does not know score −∞): the champion, when
/// the run's snapshot holds other items. Scored once per user by evaluation and five times by the latency guardrail,
/// from several threads, so its buffers are pooled (per thread, as serving's <c>ServingModel</c>) rather than
/// allocated per call: the garbage was timed with the champion's latency.
/// </summary>
public sealed class Reindexed : IRecommender
{
    private readonly IRecommender _inner;
    private readonly int[] _toInner;
    private readonly int[] _fromInner;

    private Reindexed(IRecommender inner, ItemIndex items)
    {
        _inner = inner;
        Items = items;
        _toInner = new int[items.Count];
        for (var i = 0; i < items.Count; i++) _toInner[i] = inner.Items.TryGetIndex(items[i], out var j) ? j : -1;
        _fromInner = new int[inner.Items.Count];
        Array.Fill(_fromInner, -1);
        for (var i = 0; i < items.Count; i++) if (_toInner[i] >= 0) _fromInner[_toInner[i]] = i;
    }

    /// <summary><paramref name="model"/> itself when its index is <paramref name="items"/>, otherwise wrapped.</summary>
    public static IRecommender To(IRecommender model, ItemIndex items) =>
        model.Items.Count == items.Count && model.Items.Ids.SequenceEqual(items.Ids) ? model : new Reindexed(model, items);

    public string Kind => _inner.Kind;
    public ItemIndex Items { get; }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var mappedBuffer = ArrayPool<int>.Shared.Rent(history.Length);
        var innerBuffer = ArrayPool<float>.Shared.Rent(_fromInner.Length);
        try
        {
            var n = 0;
            foreach (var h in history) if (_toInner[h] >= 0) mappedBuffer[n++] = _toInner[h];
            // Zeroed as the array allocated before was: a model may add into its scores.
            var inner = innerBuffer.AsSpan(0, _fromInner.Length);
            inner.Clear();
            _inner.Score(mappedBuffer.AsSpan(0, n), inner);
            scores.Fill(float.NegativeInfinity);
            for (var j = 0; j < inner.Length; j++) if (_fromInner[j] >= 0) scores[_fromInner[j]] = inner[j];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(innerBuffer);
            ArrayPool<int>.Shared.Return(mappedBuffer);
        }
    }
}
