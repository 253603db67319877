using System.Numerics.Tensors;

namespace MLOps.Recommenders.Models;

/// <summary>
/// An item-to-item model: a user's score for item j is the sum over history items h of W[h, j] (optionally weighted by recency of
/// position in the history). Two storage forms: dense float32 rows over a subset of items (EASE: every weight matters) or sparse
/// top-k neighbour lists (SAR, content, pruned EASE). Items outside a modelled subset (EASE past `max_items`, dense or pruned) score
/// just below the lowest covered item, so they are never preferred to a modelled one.
/// </summary>
public sealed class ItemItemRecommender : RecommenderModel
{
    [ThreadStatic] private static float[]? t_sub;
    [ThreadStatic] private static float[]? t_similar;

    private readonly int[]? _subset;     // dense, or sparse over a subset: sub index → item index
    private readonly int[]? _toSub;      // item index → sub index or -1 (with _subset)
    private readonly float[]? _dense;    // dense: row-major |subset|², row = history item
    private readonly int[]? _offsets;    // sparse: CSR rows per item
    private readonly int[]? _neighbours;
    private readonly float[]? _weights;
    private readonly float _recencyHalfLife;

    private ItemItemRecommender(string kind, ItemIndex items, IReadOnlyDictionary<string, double> parameters) : base(kind, items, parameters) =>
        _recencyHalfLife = (float)Get(parameters, "recency_half_life", 0);

    /// <summary>Dense form: <paramref name="weights"/> is row-major |subset|×|subset|.</summary>
    public static ItemItemRecommender Dense(string kind, ItemIndex items, IReadOnlyDictionary<string, double> parameters, int[] subset, float[] weights) =>
        new(kind, items, parameters, subset, weights);

    /// <summary>
    /// Sparse form: CSR rows (offsets has Items.Count + 1 entries), neighbours best first (a row that is not is sorted, on a copy). With
    /// <paramref name="covered"/> (ascending item indices), only those items are modelled and the others score below all of them.
    /// </summary>
    public static ItemItemRecommender Sparse(string kind, ItemIndex items, IReadOnlyDictionary<string, double> parameters, int[] offsets, int[] neighbours, float[] weights,
        int[]? covered = null) =>
        new(kind, items, parameters, offsets, neighbours, weights, covered);

    private ItemItemRecommender(string kind, ItemIndex items, IReadOnlyDictionary<string, double> parameters, int[] subset, float[] dense) : this(kind, items, parameters)
    {
        if ((long)subset.Length * subset.Length != dense.Length) throw new InvalidDataException($"Dense weights hold {dense.Length} values, not {subset.Length}².");
        _dense = dense;
        (_subset, _toSub) = SubIndex(subset, items.Count);
    }

    private ItemItemRecommender(string kind, ItemIndex items, IReadOnlyDictionary<string, double> parameters, int[] offsets, int[] neighbours, float[] weights, int[]? covered)
        : this(kind, items, parameters)
    {
        if (offsets.Length != items.Count + 1 || neighbours.Length != weights.Length || offsets[^1] != neighbours.Length)
            throw new InvalidDataException("Sparse neighbour lists do not match the item index.");
        if (neighbours.Any(j => (uint)j >= (uint)items.Count)) throw new InvalidDataException("A neighbour lies outside the item index.");
        if (offsets[0] != 0 || offsets.Zip(offsets.Skip(1)).Any(p => p.First > p.Second))
            throw new InvalidDataException("Sparse neighbour offsets do not start at 0 and never decrease.");
        _offsets = offsets;
        (_neighbours, _weights) = BestFirst(offsets, neighbours, weights);
        if (covered is not null && covered.Length < items.Count) (_subset, _toSub) = SubIndex(covered, items.Count);
    }

    /// <summary>
    /// The rows ordered by descending weight, which <see cref="TopContributor"/> (it stops reading a row early) and
    /// <see cref="Neighbours"/> (it takes a row's head) rely on. <see cref="Prune"/> writes them so, but nothing else guaranteed
    /// it for an artifact: rows already in order keep the very arrays (old artifacts load and score bit-identically); an
    /// unordered row is stably sorted on a copy. A row lists each neighbour once (as Prune writes it), so its order changes no score.
    /// </summary>
    private static (int[] Neighbours, float[] Weights) BestFirst(int[] offsets, int[] neighbours, float[] weights)
    {
        int[]? sortedNeighbours = null;
        float[]? sortedWeights = null;
        for (var row = 0; row + 1 < offsets.Length; row++)
        {
            var (start, end) = (offsets[row], offsets[row + 1]);
            var ordered = true;
            for (var n = start; n + 1 < end && ordered; n++) ordered = weights[n].CompareTo(weights[n + 1]) >= 0;
            if (ordered) continue;
            sortedNeighbours ??= (int[])neighbours.Clone();
            sortedWeights ??= (float[])weights.Clone();
            var order = Enumerable.Range(start, end - start).OrderByDescending(n => weights[n]).ToArray(); // stable: ties keep their order
            for (var x = 0; x < order.Length; x++)
            {
                sortedNeighbours[start + x] = neighbours[order[x]];
                sortedWeights[start + x] = weights[order[x]];
            }
        }
        return (sortedNeighbours ?? neighbours, sortedWeights ?? weights);
    }

    private static (int[] Subset, int[] ToSub) SubIndex(int[] subset, int itemCount)
    {
        var toSub = new int[itemCount];
        Array.Fill(toSub, -1);
        for (var s = 0; s < subset.Length; s++)
        {
            if ((uint)subset[s] >= (uint)itemCount || (s > 0 && subset[s] <= subset[s - 1]))
                throw new InvalidDataException("A modelled subset must hold ascending item indices inside the item index.");
            toSub[subset[s]] = s;
        }
        return (subset, toSub);
    }

    public bool IsDense => _dense is not null;

    /// <summary>Number of stored weights.</summary>
    public long WeightCount => _dense?.Length ?? _weights!.Length;

    /// <summary>An item with neighbours (top-k form) or inside the modelled subset (dense form).</summary>
    public override bool Covers(int item) =>
        _offsets is not null ? _offsets[item + 1] > _offsets[item] : _toSub is null || _toSub[item] >= 0;

    /// <summary>The k strongest neighbours of an item (for "similar titles"); writes into the spans and returns how many.</summary>
    public int Neighbours(int item, Span<int> neighbours, Span<float> weights)
    {
        if (_offsets is not null)
        {
            var start = _offsets[item];
            var count = Math.Min(neighbours.Length, _offsets[item + 1] - start);
            _neighbours.AsSpan(start, count).CopyTo(neighbours);
            _weights.AsSpan(start, count).CopyTo(weights);
            return count;
        }
        var scores = Scratch(ref t_similar, Items.Count).AsSpan(0, Items.Count);
        Score([item], scores);
        scores[item] = float.NegativeInfinity;
        if (_subset!.Length < Items.Count)
            for (var j = 0; j < scores.Length; j++) if (_toSub![j] < 0) scores[j] = float.NegativeInfinity;
        var written = TopK.Select(scores, neighbours);
        for (var i = 0; i < written; i++) weights[i] = scores[neighbours[i]];
        return written;
    }

    public override void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        if (scores.Length != Items.Count) throw new ArgumentException($"The score buffer must hold {Items.Count} items.", nameof(scores));
        scores.Clear();
        if (_dense is not null)
        {
            var m = _subset!.Length;
            var full = m == Items.Count;
            var target = full ? scores : Scratch(ref t_sub, m).AsSpan(0, m);
            if (!full) target.Clear();
            for (var p = 0; p < history.Length; p++)
            {
                var s = _toSub![history[p]];
                if (s < 0) continue;
                TensorPrimitives.MultiplyAdd(_dense.AsSpan(s * m, m), Weight(p, history.Length), target, target);
            }
            if (!full)
            {
                var floor = m == 0 ? 0 : TensorPrimitives.Min(target) - 1;
                scores.Fill(floor);
                for (var j = 0; j < m; j++) scores[_subset[j]] = target[j];
            }
            return;
        }
        for (var p = 0; p < history.Length; p++)
        {
            var h = history[p];
            var w = Weight(p, history.Length);
            for (var n = _offsets![h]; n < _offsets[h + 1]; n++) scores[_neighbours![n]] += w * _weights![n];
        }
        if (_subset is not null)
        {
            var floor = float.PositiveInfinity;
            foreach (var j in _subset) floor = MathF.Min(floor, scores[j]);
            floor = _subset.Length == 0 ? 0 : floor - 1;
            for (var j = 0; j < scores.Length; j++) if (_toSub![j] < 0) scores[j] = floor;
        }
    }

    /// <summary>
    /// Exact attribution: the score is Σ_p w_p·W[h_p, item] (w_p the recency weight), so the top contributor is the argmax of
    /// the terms; only a positive term counts, and the item itself is skipped (its weight is 0 in EASE, not a reason anywhere).
    /// O(|history|) lookups in the dense form; in the sparse one a row is read only while its (descending) weights could still
    /// beat the best term found. Allocates nothing.
    /// </summary>
    public override int TopContributor(ReadOnlySpan<int> history, int item)
    {
        var best = -1;
        var bestTerm = 0f;
        for (var p = 0; p < history.Length; p++)
        {
            if (history[p] == item) continue;
            var weight = Weight(p, history.Length);
            var term = weight * Entry(history[p], item, bestTerm / weight);
            if (term > bestTerm) { bestTerm = term; best = p; }
        }
        return best;
    }

    /// <summary>W[row, column], or 0 when it is outside the modelled subset or the row's neighbours above <paramref name="floor"/>.</summary>
    private float Entry(int row, int column, float floor)
    {
        if (_dense is not null)
        {
            var s = _toSub![row];
            var t = _toSub[column];
            return s < 0 || t < 0 ? 0f : _dense[(long)s * _subset!.Length + t];
        }
        for (var n = _offsets![row]; n < _offsets[row + 1] && _weights![n] > floor; n++)
            if (_neighbours![n] == column) return _weights[n];
        return 0f;
    }

    private float Weight(int position, int length) =>
        _recencyHalfLife > 0 ? MathF.Pow(2, -(length - 1 - position) / _recencyHalfLife) : 1f;

    internal override void WritePayload(BinaryWriter writer)
    {
        // Form byte: 0 sparse, 1 dense (the bool of earlier artifacts, which still load), 2 sparse over a modelled subset.
        writer.Write((byte)(IsDense ? FormDense : _subset is null ? FormSparse : FormSparseSubset));
        if (_dense is not null)
        {
            BinaryArrays.Write(writer, _subset);
            BinaryArrays.Write(writer, _dense);
        }
        else
        {
            BinaryArrays.Write(writer, _offsets);
            BinaryArrays.Write(writer, _neighbours);
            BinaryArrays.Write(writer, _weights);
            if (_subset is not null) BinaryArrays.Write(writer, _subset);
        }
    }

    private const byte FormSparse = 0, FormDense = 1, FormSparseSubset = 2;

    internal override int ArtifactVersion => _dense is null && _subset is not null ? 2 : 1;

    internal static ItemItemRecommender ReadPayload(string kind, ItemIndex items, IReadOnlyDictionary<string, double> parameters, BinaryReader reader)
    {
        var form = reader.ReadByte();
        if (form > FormSparseSubset) throw new InvalidDataException($"Unknown item-item artifact form {form}.");
        if (form == FormDense)
        {
            var subset = BinaryArrays.ReadInts(reader);
            return Dense(kind, items, parameters, subset, BinaryArrays.ReadFloats(reader));
        }
        var offsets = BinaryArrays.ReadInts(reader);
        var neighbours = BinaryArrays.ReadInts(reader);
        var weights = BinaryArrays.ReadFloats(reader);
        return Sparse(kind, items, parameters, offsets, neighbours, weights, form == FormSparseSubset ? BinaryArrays.ReadInts(reader) : null);
    }

    /// <summary>Builds CSR neighbour lists keeping, per row, the <paramref name="k"/> largest positive-or-any weights (k ≤ 0: all).</summary>
    internal static (int[] Offsets, int[] Neighbours, float[] Weights) Prune(int n, Func<int, (int[] Items, float[] Weights)> row, int k)
    {
        var rows = new (int[] Items, float[] Weights)[n];
        Parallel.For(0, n, i =>
        {
            var (items, weights) = row(i);
            // Partial selection (O(r log k)) of the strongest weights, best first; ties go to the earlier entry of the row.
            var order = new int[k > 0 ? Math.Min(k, items.Length) : items.Length];
            var count = TopK.Select(weights, order);
            var kept = order.AsSpan(0, count);
            var selectedItems = new int[count];
            var selectedWeights = new float[count];
            for (var x = 0; x < count; x++)
            {
                selectedItems[x] = items[kept[x]];
                selectedWeights[x] = weights[kept[x]];
            }
            items = selectedItems;
            weights = selectedWeights;
            rows[i] = (items, weights);
        });
        var offsets = new int[n + 1];
        for (var i = 0; i < n; i++) offsets[i + 1] = offsets[i] + rows[i].Items.Length;
        var neighbours = new int[offsets[n]];
        var values = new float[offsets[n]];
        for (var i = 0; i < n; i++)
        {
            rows[i].Items.CopyTo(neighbours, offsets[i]);
            rows[i].Weights.CopyTo(values, offsets[i]);
        }
        return (offsets, neighbours, values);
    }
}
