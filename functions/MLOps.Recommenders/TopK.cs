namespace MLOps.Recommenders;

/// <summary>Top-k selection over a score vector with a bounded min-heap: O(n log k), no allocations.</summary>
public static class TopK
{
    /// <summary>
    /// A served history is scored on at most this many of its most recent titles (it bounds scoring time); the titles
    /// before them still count as seen. Serving applies it, and the prediction reference that mirrors serving.
    /// </summary>
    public const int MaxScoredHistory = 1000;

    /// <summary>
    /// Writes the indices of the highest scores into <paramref name="result"/> (best first; ties: lower index first) and returns how
    /// many were written (fewer than its length when fewer items have a finite score). Items scored −∞ or NaN are never selected:
    /// callers exclude seen items by setting their score to <see cref="float.NegativeInfinity"/>.
    /// </summary>
    public static int Select(ReadOnlySpan<float> scores, Span<int> result)
    {
        var k = result.Length;
        if (k == 0) return 0;
        var size = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (!(s > float.NegativeInfinity)) continue;
            if (size < k)
            {
                // Sift up in a min-heap ordered by "worse first".
                var pos = size++;
                while (pos > 0)
                {
                    var parent = (pos - 1) >> 1;
                    if (!Worse(scores, i, result[parent])) break;
                    result[pos] = result[parent];
                    pos = parent;
                }
                result[pos] = i;
            }
            else if (Worse(scores, result[0], i))
            {
                SiftDown(scores, result, 0, i, size);
            }
        }
        // Heap sort in place: repeatedly move the worst to the end, which leaves the best first.
        for (var end = size - 1; end > 0; end--)
        {
            var worst = result[0];
            SiftDown(scores, result, 0, result[end], end);
            result[end] = worst;
        }
        return size;
    }

    private static void SiftDown(ReadOnlySpan<float> scores, Span<int> heap, int pos, int item, int size)
    {
        while (true)
        {
            var child = 2 * pos + 1;
            if (child >= size) break;
            if (child + 1 < size && Worse(scores, heap[child + 1], heap[child])) child++;
            if (!Worse(scores, heap[child], item)) break;
            heap[pos] = heap[child];
            pos = child;
        }
        heap[pos] = item;
    }

    /// <summary>True when item a ranks below item b: lower score, or equal score and higher index.</summary>
    private static bool Worse(ReadOnlySpan<float> scores, int a, int b) => scores[a] < scores[b] || (scores[a] == scores[b] && a > b);

    /// <summary>Scores a history, excludes the history itself, and selects the top k: the serving hot path (no allocations once warm).</summary>
    public static int Recommend(IRecommender model, ReadOnlySpan<int> history, Span<float> scratch, Span<int> result)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Score(history, scratch);
        foreach (var h in history) scratch[h] = float.NegativeInfinity;
        return Select(scratch, result);
    }
}
