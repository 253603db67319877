using System.Numerics;

namespace MLOps.Serving;

/// <summary>Small ranking helpers over dense score arrays (no allocation beyond the result).</summary>
public static class Ranking
{
    /// <summary>Indices of the k highest finite scores, best first (ties: lower index first).</summary>
    public static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        if (k <= 0) return [];
        var idx = new int[k];
        var val = new float[k];
        var n = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (!float.IsFinite(s)) continue;
            if (n == k && s <= val[k - 1]) continue;
            var p = n < k ? n++ : k - 1;
            while (p > 0 && val[p - 1] < s)
            {
                val[p] = val[p - 1];
                idx[p] = idx[p - 1];
                p--;
            }
            val[p] = s;
            idx[p] = i;
        }
        return n == k ? idx : idx[..n];
    }

    /// <summary>
    /// Maximal marginal relevance: greedily picks k of the candidates (best first) trading relevance against
    /// genre overlap with what is already picked. lambda 0 keeps the order; 1 maximizes diversity.
    /// </summary>
    public static int[] Diversify(int[] candidates, ReadOnlySpan<float> scores, int k, double lambda, ServingData data)
    {
        if (lambda <= 0 || candidates.Length <= 1) return candidates.Length > k ? candidates[..k] : candidates;
        var max = scores[candidates[0]];
        var min = scores[candidates[^1]];
        var range = max - min > 1e-9f ? max - min : 1f;
        var picked = new List<int>(k);
        var left = candidates.ToList();
        while (picked.Count < k && left.Count > 0)
        {
            var best = 0;
            var bestValue = double.NegativeInfinity;
            for (var c = 0; c < left.Count; c++)
            {
                var relevance = (scores[left[c]] - min) / range;
                var similarity = 0f;
                foreach (var p in picked) similarity = Math.Max(similarity, data.GenreSimilarity(left[c], p));
                var value = (1 - lambda) * relevance - lambda * similarity;
                if (value > bestValue) { bestValue = value; best = c; }
            }
            picked.Add(left[best]);
            left.RemoveAt(best);
        }
        return picked.ToArray();
    }

    public static int GenreCount(ulong mask) => BitOperations.PopCount(mask);
}
