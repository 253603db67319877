using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

/// Recommenders' 2018 splitter: each group shuffled by DataFrame.sample(frac=1, random_state=seed) — a fresh RandomState(seed)
/// permutation per group — then np.split at round(ratio·n).
static class LegacySplit
{
    public static Split Make(TrainingData data, bool byItem, int seed = 42)
    {
        var all = data.Interactions.ToArray();
        var pos = data.SourcePositions.ToArray();
        var groups = new List<int>[byItem ? data.ItemCount : data.UserCount];
        for (var n = 0; n < all.Length; n++) (groups[byItem ? all[n].Item : all[n].User] ??= []).Add(n);
        var train = new List<Interaction>(); var test = new List<Interaction>();
        foreach (var g in groups)
        {
            if (g is null) continue;
            g.Sort((a, b) => pos[a].CompareTo(pos[b])); // groupby keeps file order within a group
            var perm = Permutation(g.Count, (uint)seed);
            var cut = (int)Math.Round(0.75 * g.Count, MidpointRounding.ToEven);
            for (var r = 0; r < g.Count; r++) (r < cut ? train : test).Add(all[g[perm[r]]]);
        }
        var testSets = new List<int>[data.UserCount];
        foreach (var x in test) (testSets[x.User] ??= []).Add(x.Item);
        return new Split("legacy", data.With(train), testSets.Select(l => l is null ? Array.Empty<int>() : l.Distinct().Order().ToArray()).ToArray());
    }

    public static int[] Permutation(int n, uint seed)
    {
        var rng = new NumpyRandomState(seed);
        var arr = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i >= 1; i--)
        {
            var j = (int)Interval(rng, (uint)i);
            (arr[i], arr[j]) = (arr[j], arr[i]);
        }
        return arr;
    }

    private static uint Interval(NumpyRandomState rng, uint max)
    {
        if (max == 0) return 0;
        var mask = max;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
        uint value;
        while ((value = rng.NextUInt32() & mask) > max) { }
        return value;
    }
}
