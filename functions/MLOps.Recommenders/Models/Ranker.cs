using System.Numerics.Tensors;
using MLOps.Core.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using MLOps.Recommenders.Evaluation;

namespace MLOps.Recommenders.Models;

/// <summary>
/// Learning-to-rank stage: the primary generator (the first switched on) proposes its top `candidates` items, every generator scores
/// them; a LightGBM LambdaRank model (ML.NET) re-orders them from per-(user, item) features — each generator's z-score, the primary rank, item popularity,
/// mean rating, release year, share of recent interactions, whether the item has genres and the user's genre affinity. The ranker is
/// trained on a validation split carved out of train (generators trained on its train part, labels = its held-out part); half of
/// those users are held back first to measure whether re-ranking beats the primary order (<see cref="ValidationNdcgPrimary"/>,
/// <see cref="ValidationNdcgRanker"/>). The trees are copied out of ML.NET into flat float32 arrays, so scoring needs no ML.NET and
/// allocates nothing; items outside the candidates keep the primary order below every candidate.
/// </summary>
public sealed class RankerRecommender : RecommenderModel
{
    private const int PerPart = 1;
    private const int Extra = 7;

    [ThreadStatic] private static float[]? t_parts;
    [ThreadStatic] private static float[]? t_features;
    [ThreadStatic] private static float[]? t_profile;
    [ThreadStatic] private static int[]? t_candidates;

    private readonly RecommenderModel[] _parts;
    private readonly ItemFeatures _item;
    private readonly Trees _trees;
    private readonly int _candidates;

    internal RankerRecommender(ItemIndex items, IReadOnlyDictionary<string, double> parameters, RecommenderModel[] parts, ItemFeatures item, Trees trees)
        : base("ranker", items, parameters)
    {
        _parts = parts;
        _item = item;
        _trees = trees;
        _candidates = (int)Get(parameters, "candidates", 50);
    }

    /// <summary>Candidate generators the ranker can combine, switched on by a positive weight; the first switched on in this order is the primary.</summary>
    public static IReadOnlyList<string> GeneratorKinds { get; } = ["ials", "ease", "sar", "popularity", "content", "infae"];

    public static IReadOnlyDictionary<string, double> Defaults { get; } = new Dictionary<string, double>
    {
        ["ease"] = 1, ["ials"] = 1, ["sar"] = 1,
        ["candidates"] = 30, ["leaves"] = 4, ["iterations"] = 60, ["learning_rate"] = 0.05, ["min_leaf"] = 300,
        // The cut-off the keep decision judges nDCG at: the evaluation's k (the benchmark passes its --k).
        ["k"] = 10,
    };

    public IReadOnlyList<RecommenderModel> Parts => _parts;

    internal override int ArtifactVersion => _parts.Max(p => p.ArtifactVersion);
    public double ValidationNdcgPrimary => Get(Parameters, "validation_ndcg_primary", double.NaN);
    public double ValidationNdcgRanker => Get(Parameters, "validation_ndcg_ranker", double.NaN);
    /// <summary>The k of <see cref="ValidationNdcgPrimary"/> and <see cref="ValidationNdcgRanker"/> (nDCG@k); 10 in artifacts from before it was a parameter.</summary>
    public int ValidationK => (int)Get(Parameters, "k", 10);
    internal int FeatureCount => _parts.Length * PerPart + Extra;

    /// <summary>Covered when any part covers the item.</summary>
    public override bool Covers(int item) => _parts.Any(p => p.Covers(item));

    public override void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        if (scores.Length != Items.Count) throw new ArgumentException($"The score buffer must hold {Items.Count} items.", nameof(scores));
        var n = Items.Count;
        var partScores = Scratch(ref t_parts, n * _parts.Length).AsSpan(0, n * _parts.Length);
        var features = Scratch(ref t_features, FeatureCount).AsSpan(0, FeatureCount);
        var profile = Scratch(ref t_profile, Math.Max(1, _item.GenreCount)).AsSpan(0, Math.Max(1, _item.GenreCount));
        if (t_candidates is null || t_candidates.Length < _candidates) t_candidates = new int[_candidates];
        var candidates = t_candidates.AsSpan(0, _candidates);
        var count = Prepare(history, partScores, profile, scores, candidates);
        if (!Kept)
        {
            // Not kept: the primary generator's order (z-scores), unchanged.
            TensorPrimitives.Add(scores, 1000f, scores);
            return;
        }
        for (var c = 0; c < count; c++)
        {
            Features(partScores, profile, candidates[c], c, features);
            scores[candidates[c]] = _trees.Evaluate(features);
        }
    }

    /// <summary>Whether re-ranking beat the primary order on held-back validation users with 95 % confidence (else scores are the primary's).</summary>
    public bool Kept => Get(Parameters, "validation_kept", 1) > 0;

    /// <summary>Whether the validation data sufficed to train the trees at all (else scores are the primary's; <see cref="NotTrainedReason"/>).</summary>
    public bool Trained => Get(Parameters, "validation_trained", 1) > 0;

    /// <summary>Why the trees were not trained, or null when they were.</summary>
    public string? NotTrainedReason => Trained ? null
        : WhyNotTrainable((int)Get(Parameters, "validation_rows", 0), (int)Get(Parameters, "validation_positives", 0),
            (int)Get(Parameters, "validation_held_back_users", 0), (int)Get(Parameters, "min_leaf", Defaults["min_leaf"]))
          ?? "too little validation data";

    /// <summary>
    /// Null when the validation rows can train and judge the trees: LightGBM needs at least 2 × min_leaf rows to make one split
    /// and a relevant candidate to learn from, and the gain is measured on held-back users.
    /// </summary>
    internal static string? WhyNotTrainable(int rows, int positives, int heldBackUsers, int minLeaf)
    {
        if (rows < 2 * minLeaf)
            return $"{rows} training rows (the candidates of its validation users), fewer than the {2 * minLeaf} (twice min_leaf {minLeaf}) that one tree split needs";
        if (positives == 0) return $"none of its {rows} training rows is a held-out item (no relevant candidate to learn from)";
        if (heldBackUsers == 0) return "no held-back validation user to measure the re-ranking on";
        return null;
    }

    /// <summary>Scores the parts, fills the user profile, writes primary z − 1000 into scores and returns the candidates.</summary>
    private int Prepare(ReadOnlySpan<int> history, Span<float> partScores, Span<float> profile, Span<float> scores, Span<int> candidates)
    {
        var n = Items.Count;
        for (var k = 0; k < _parts.Length; k++)
        {
            var part = partScores.Slice(k * n, n);
            _parts[k].Score(history, part);
            var mean = TensorPrimitives.Sum(part) / n;
            TensorPrimitives.Add(part, -mean, scores);
            var std = MathF.Sqrt(TensorPrimitives.SumOfSquares(scores) / n);
            // Keep raw scores in part, z-scores are recomputed per candidate from (mean, std) stored at the end of the profile.
            ZMean(k) = mean;
            ZStd(k) = std > 0 ? std : 1;
        }
        profile.Clear();
        foreach (var h in history) _item.AddGenres(h, profile);
        var norm = MathF.Sqrt(TensorPrimitives.SumOfSquares(profile));
        if (norm > 0) TensorPrimitives.Divide(profile, norm, profile);
        var primary = partScores[..n];
        TensorPrimitives.Subtract(primary, ZMean(0), scores);
        TensorPrimitives.Divide(scores, ZStd(0), scores);
        TensorPrimitives.Add(scores, -1000f, scores);
        foreach (var h in history) scores[h] = float.NegativeInfinity;
        var count = TopK.Select(scores, candidates);
        foreach (var h in history) scores[h] = -2000f;
        return count;
    }

    [ThreadStatic] private static float[]? t_stats;
    private ref float ZMean(int k) => ref Stats()[2 * k];
    private ref float ZStd(int k) => ref Stats()[2 * k + 1];
    private float[] Stats() => Scratch(ref t_stats, 2 * _parts.Length);

    private void Features(ReadOnlySpan<float> partScores, ReadOnlySpan<float> profile, int item, int rank, Span<float> features)
    {
        var n = Items.Count;
        var f = 0;
        for (var k = 0; k < _parts.Length; k++)
        {
            features[f++] = (partScores[k * n + item] - ZMean(k)) / ZStd(k);
        }
        features[f++] = rank;
        features[f++] = MathF.Log(1e-4f + _item.Count[item]);
        features[f++] = _item.MeanRating[item];
        features[f++] = _item.Year[item];
        features[f++] = _item.GenreAffinity(item, profile);
        features[f++] = _item.Recency[item];
        features[f] = _item.Genres(item).Length == 0 ? 0 : 1;
    }

    /// <summary>Training rows for one user: features of every candidate and its label (1 = in the held-out set).</summary>
    internal int Rows(ReadOnlySpan<int> history, ReadOnlySpan<int> relevant, List<float[]> features, List<float> labels)
    {
        var n = Items.Count;
        var partScores = new float[n * _parts.Length];
        var profile = new float[Math.Max(1, _item.GenreCount)];
        var scores = new float[n];
        var candidates = new int[_candidates];
        var count = Prepare(history, partScores, profile, scores, candidates);
        for (var c = 0; c < count; c++)
        {
            var row = new float[FeatureCount];
            Features(partScores, profile, candidates[c], c, row);
            features.Add(row);
            labels.Add(relevant.BinarySearch(candidates[c]) >= 0 ? 1 : 0);
        }
        return count;
    }

    internal override void WritePayload(BinaryWriter writer)
    {
        writer.Write(_parts.Length);
        foreach (var part in _parts) Artifacts.ModelArtifact.WriteModel(writer, part);
        _item.Write(writer);
        _trees.Write(writer);
    }

    internal static RankerRecommender ReadPayload(ItemIndex items, IReadOnlyDictionary<string, double> parameters, BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count is <= 0 or > 16) throw new InvalidDataException($"A ranker artifact with {count} generators is corrupt.");
        var parts = new RecommenderModel[count];
        for (var k = 0; k < count; k++) parts[k] = Artifacts.ModelArtifact.ReadModel(reader, items);
        return new RankerRecommender(items, parameters, parts, ItemFeatures.Read(reader), Trees.Read(reader, count * PerPart + Extra));
    }

    // ---------------------------------------------------------------- training

    /// <summary>The ranker's settings merged over its defaults, checked, and the generators switched on (before any training).</summary>
    internal static (Dictionary<string, double> Parameters, string[] Generators) ParseParameters(IReadOnlyDictionary<string, double>? parameters)
    {
        var given = parameters?.Where(p => !p.Key.StartsWith("validation_", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value) ?? [];
        var p = new Dictionary<string, double>(Defaults, StringComparer.Ordinal);
        foreach (var (key, value) in given)
        {
            if (ModelTrainer.PartOf(key) is { } part ? !GeneratorKinds.Contains(part) : !Defaults.ContainsKey(key) && !GeneratorKinds.Contains(key))
                throw new ArgumentException($"Unknown ranker parameter '{key}' (known: {string.Join(", ", Defaults.Keys)}, generators {string.Join(", ", GeneratorKinds)} switched on by a positive value, generator.parameter).", nameof(parameters));
            p[key] = value;
        }
        foreach (var generator in GeneratorKinds.Where(p.ContainsKey)) ParameterRules.Number("Ranker", p, generator, 0);
        ParameterRules.Whole("Ranker", p, "candidates", 1);
        ParameterRules.Whole("Ranker", p, "leaves", 2);
        ParameterRules.Whole("Ranker", p, "iterations", 1);
        ParameterRules.Positive("Ranker", p, "learning_rate");
        ParameterRules.Whole("Ranker", p, "min_leaf", 1);
        ParameterRules.Whole("Ranker", p, "k", 1);
        ModelTrainer.RequireWeightedParts("Ranker", p, generator => p.GetValueOrDefault(generator) > 0, exampleWeight: 1);
        var kinds = GeneratorKinds.Where(k => p.GetValueOrDefault(k) > 0).ToArray();
        if (kinds.Length == 0) throw new ArgumentException("The ranker needs at least one generator (e.g. ease=1).", nameof(parameters));
        return (p, kinds);
    }

    public static RankerRecommender Train(TrainingData data, IReadOnlyDictionary<string, double>? parameters, int seed, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (p, kinds) = ParseParameters(parameters);

        // 1. Validation split of train; generators on its train part.
        var validation = Tuning.Tuner.ValidationSplit(data, seed);
        var inner = BuildUntrained(kinds, p, validation.Train, seed, cancellationToken);
        var users = validation.TestUsers.ToArray();
        var holdout = users.Where(u => Hash(u, seed) % 2 == 1).ToHashSet();
        var rowsA = new List<(int User, float[] Features, float Label)>();
        var rowsB = new List<(int User, float[] Features, float Label)>();
        foreach (var u in users)
        {
            var features = new List<float[]>();
            var labels = new List<float>();
            inner.Rows(validation.Train.History(u), validation.Test[u], features, labels);
            var target = holdout.Contains(u) ? rowsB : rowsA;
            for (var r = 0; r < features.Count; r++) target.Add((u, features[r], labels[r]));
        }
        var minLeaf = (int)p["min_leaf"];
        var heldBack = rowsB.Select(r => r.User).Distinct().Count();
        var positives = rowsA.Count(r => r.Label > 0);
        if (WhyNotTrainable(rowsA.Count, positives, heldBack, minLeaf) is { } why)
        {
            // Too little data for LightGBM (it throws on zero rows and cannot split fewer than 2 × min_leaf): serve the primary
            // generator's order, as a ranker that was not kept does, and say why in the parameters.
            p["validation_kept"] = 0;
            p["validation_trained"] = 0;
            p["validation_rows"] = rowsA.Count;
            p["validation_positives"] = positives;
            p["validation_held_back_users"] = heldBack;
            log?.Invoke($"  ranker not trained: {why}; it serves its primary generator's ({kinds[0]}) order");
            var fallback = BuildUntrained(kinds, p, data, seed, cancellationToken);
            return new RankerRecommender(data.Items, p, fallback._parts, fallback._item, Trees.Empty);
        }
        // 2. Does re-ranking beat the primary order on held-back users?
        var k = (int)p["k"];
        var half = TrainTrees(rowsA, inner.FeatureCount, p, seed);
        var differences = new List<double>();
        double primary = 0, ranked = 0;
        foreach (var group in rowsB.GroupBy(r => r.User))
        {
            var relevant = validation.Test[group.Key];
            var rows = group.ToArray();
            var primaryOrder = Enumerable.Range(0, rows.Length).ToArray();
            var rankerOrder = primaryOrder.OrderByDescending(i => half.Evaluate(rows[i].Features)).ThenBy(i => i).ToArray();
            var a = NdcgOfRows(rows, primaryOrder, relevant.Length, k);
            var b = NdcgOfRows(rows, rankerOrder, relevant.Length, k);
            primary += a;
            ranked += b;
            differences.Add(b - a);
        }
        var counted = Math.Max(1, differences.Count);
        var interval = Bootstrap.PairedDifference($"ndcg@{k}", differences.ToArray(), 1000, 0.95, seed);
        p["validation_ndcg_primary"] = primary / counted;
        p["validation_ndcg_ranker"] = ranked / counted;
        p["validation_ndcg_gain_lower"] = interval.Lower;
        // Kept only when re-ranking is better with 95 % confidence; otherwise the model serves its primary generator's order.
        p["validation_kept"] = interval.Better ? 1 : 0;
        log?.Invoke($"  ranker: held-back validation users {differences.Count}: ndcg@{k} primary ({kinds[0]}) {p["validation_ndcg_primary"]:0.0000} → re-ranked {p["validation_ndcg_ranker"]:0.0000}, 95 % interval of the gain [{interval.Lower:0.0000}, {interval.Upper:0.0000}]");
        // 3. Trees on every validation user, generators and item features on the whole training data.
        var trees = TrainTrees(rowsA.Concat(rowsB).ToList(), inner.FeatureCount, p, seed);
        var outer = BuildUntrained(kinds, p, data, seed, cancellationToken);
        return new RankerRecommender(data.Items, p, outer._parts, outer._item, trees);
    }

    private static double NdcgOfRows((int User, float[] Features, float Label)[] rows, int[] order, int relevantCount, int k)
    {
        double dcg = 0, idcg = 0;
        for (var r = 0; r < Math.Min(k, order.Length); r++) if (rows[order[r]].Label > 0) dcg += 1 / Math.Log2(r + 2);
        for (var r = 0; r < Math.Min(k, relevantCount); r++) idcg += 1 / Math.Log2(r + 2);
        return idcg == 0 ? 0 : dcg / idcg;
    }

    /// <summary>A stable hash (not string.GetHashCode, which is randomised per process) to hold back half of the users.</summary>
    private static uint Hash(int user, int seed) => (((uint)user * 2654435761u) ^ ((uint)seed * 40503u)) >> 13;

    private static RankerRecommender BuildUntrained(string[] kinds, Dictionary<string, double> p, TrainingData data, int seed, CancellationToken cancellationToken)
    {
        var parts = new RecommenderModel[kinds.Length];
        for (var k = 0; k < kinds.Length; k++)
        {
            // Every generator takes the ranker's own seed, as a blend's parts do: a seed from its position would change one
            // generator's model whenever another is switched on or off.
            parts[k] = ModelTrainer.Train(kinds[k], ModelTrainer.PartParameters(p, kinds[k]), data, seed, cancellationToken);
        }
        return new RankerRecommender(data.Items, p, parts, ItemFeatures.From(data), Trees.Empty);
    }

    private sealed class RankRow
    {
        public float Label { get; set; }
        public uint Group { get; set; }
        public float[] Features { get; set; } = [];
    }

    private static Trees TrainTrees(List<(int User, float[] Features, float Label)> rows, int featureCount, Dictionary<string, double> p, int seed)
    {
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(RankRow));
        schema[nameof(RankRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new RankRow { Label = r.Label, Group = (uint)r.User, Features = r.Features }), schema);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("GroupKey", nameof(RankRow.Group))
            .Append(ml.Ranking.Trainers.LightGbm(new LightGbmRankingTrainer.Options
            {
                LabelColumnName = nameof(RankRow.Label),
                FeatureColumnName = nameof(RankRow.Features),
                RowGroupColumnName = "GroupKey",
                NumberOfLeaves = (int)p["leaves"],
                NumberOfIterations = (int)p["iterations"],
                LearningRate = p["learning_rate"],
                MinimumExampleCountPerLeaf = (int)p["min_leaf"],
                Seed = seed,
                NumberOfThreads = 1,
                Silent = true,
            }));
        var model = pipeline.Fit(data);
        var trees = Trees.From(model.LastTransformer.Model.TrainedTreeEnsemble);
        // Our copy of the trees must score exactly as ML.NET does.
        var expected = model.Transform(data).GetColumn<float>("Score").Take(500).ToArray();
        for (var i = 0; i < expected.Length; i++)
            if (Math.Abs(expected[i] - trees.Evaluate(rows[i].Features)) > 1e-3 * Math.Max(1, Math.Abs(expected[i])))
                throw new InvalidOperationException($"Copied LightGBM trees disagree with ML.NET on row {i}: {trees.Evaluate(rows[i].Features)} vs {expected[i]}.");
        return trees;
    }
}

/// <summary>A tree ensemble copied out of ML.NET: flat node arrays, float32 leaves; x[feature] ≤ threshold goes left; ~child is a leaf.</summary>
internal sealed class Trees
{
    private readonly int[] _nodeOffsets, _leafOffsets, _feature, _left, _right;
    private readonly float[] _threshold, _leaf;
    private readonly float _bias;

    private Trees(int[] nodeOffsets, int[] leafOffsets, int[] feature, float[] threshold, int[] left, int[] right, float[] leaf, float bias)
    {
        (_nodeOffsets, _leafOffsets, _feature, _threshold, _left, _right, _leaf, _bias) = (nodeOffsets, leafOffsets, feature, threshold, left, right, leaf, bias);
    }

    public static Trees Empty { get; } = new([0], [0], [], [], [], [], [], 0);

    public static Trees From(Microsoft.ML.Trainers.FastTree.RegressionTreeEnsemble ensemble)
    {
        var nodeOffsets = new List<int> { 0 };
        var leafOffsets = new List<int> { 0 };
        var feature = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leaf = new List<float>();
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            if (tree.CategoricalSplitFlags.Any(f => f)) throw new InvalidOperationException("Categorical splits are not supported.");
            var weight = ensemble.TreeWeights[t];
            feature.AddRange(tree.NumericalSplitFeatureIndexes);
            threshold.AddRange(tree.NumericalSplitThresholds);
            left.AddRange(tree.LeftChild);
            right.AddRange(tree.RightChild);
            leaf.AddRange(tree.LeafValues.Select(v => (float)(v * weight)));
            nodeOffsets.Add(feature.Count);
            leafOffsets.Add(leaf.Count);
        }
        return new Trees(nodeOffsets.ToArray(), leafOffsets.ToArray(), feature.ToArray(), threshold.ToArray(), left.ToArray(), right.ToArray(), leaf.ToArray(), (float)ensemble.Bias);
    }

    public float Evaluate(ReadOnlySpan<float> x)
    {
        var sum = _bias;
        for (var t = 0; t < _nodeOffsets.Length - 1; t++)
        {
            var offset = _nodeOffsets[t];
            var node = _nodeOffsets[t + 1] == offset ? ~0 : 0;
            while (node >= 0)
                node = x[_feature[offset + node]] <= _threshold[offset + node] ? _left[offset + node] : _right[offset + node];
            sum += _leaf[_leafOffsets[t] + ~node];
        }
        return sum;
    }

    public void Write(BinaryWriter w)
    {
        w.Write(_bias);
        BinaryArrays.Write(w, _nodeOffsets);
        BinaryArrays.Write(w, _leafOffsets);
        BinaryArrays.Write(w, _feature);
        BinaryArrays.Write(w, _threshold);
        BinaryArrays.Write(w, _left);
        BinaryArrays.Write(w, _right);
        BinaryArrays.Write(w, _leaf);
    }

    public static Trees Read(BinaryReader r, int featureCount)
    {
        var bias = r.ReadSingle();
        var trees = new Trees(BinaryArrays.ReadInts(r), BinaryArrays.ReadInts(r), BinaryArrays.ReadInts(r), BinaryArrays.ReadFloats(r),
            BinaryArrays.ReadInts(r), BinaryArrays.ReadInts(r), BinaryArrays.ReadFloats(r), bias);
        trees.Validate(featureCount);
        return trees;
    }

    /// <summary>
    /// A corrupt artifact must fail on load with <see cref="InvalidDataException"/>, not later inside Evaluate: offsets ascend to
    /// the array ends, features exist, and every child is a leaf of its own tree or a later node of it (ML.NET numbers a split
    /// node after its parent), so evaluation always ends.
    /// </summary>
    private void Validate(int featureCount)
    {
        var nodes = _feature.Length;
        if (_nodeOffsets.Length == 0 || _nodeOffsets.Length != _leafOffsets.Length || _nodeOffsets[0] != 0 || _leafOffsets[0] != 0
            || _nodeOffsets[^1] != nodes || _leafOffsets[^1] != _leaf.Length
            || _threshold.Length != nodes || _left.Length != nodes || _right.Length != nodes)
            throw new InvalidDataException("The ranker's tree arrays do not fit together.");
        for (var t = 0; t < _nodeOffsets.Length - 1; t++)
        {
            var (first, count, leaves) = (_nodeOffsets[t], _nodeOffsets[t + 1] - _nodeOffsets[t], _leafOffsets[t + 1] - _leafOffsets[t]);
            if (count < 0 || leaves < 1) throw new InvalidDataException($"Ranker tree {t} has {count} nodes and {leaves} leaves.");
            for (var node = 0; node < count; node++)
            {
                if ((uint)_feature[first + node] >= (uint)featureCount) throw new InvalidDataException($"Ranker tree {t} splits on feature {_feature[first + node]} of {featureCount}.");
                foreach (var child in new[] { _left[first + node], _right[first + node] })
                    if (child >= 0 ? child <= node || child >= count : ~child >= leaves)
                        throw new InvalidDataException($"Ranker tree {t}, node {node}: child {child} lies outside the tree.");
            }
        }
    }
}

/// <summary>Per-item features of the ranker, computed from training data and the catalogue, saved with the model.</summary>
internal sealed class ItemFeatures
{
    /// <summary>Share of training users who interacted with the item (scale-free, so the ranker transfers to more data).</summary>
    public required float[] Count { get; init; }
    public required float[] MeanRating { get; init; }
    public required float[] Year { get; init; }
    /// <summary>Share of the item's interactions in the last 10 % of the training period.</summary>
    public required float[] Recency { get; init; }
    public required int GenreCount { get; init; }
    public required int[] GenreOffsets { get; init; }
    public required int[] GenreIds { get; init; }

    public ReadOnlySpan<int> Genres(int item) => GenreIds.AsSpan(GenreOffsets[item], GenreOffsets[item + 1] - GenreOffsets[item]);

    public void AddGenres(int item, Span<float> profile)
    {
        foreach (var g in Genres(item)) profile[g] += 1;
    }

    /// <summary>Cosine between the (normalised) user genre profile and the item's binary genre vector.</summary>
    public float GenreAffinity(int item, ReadOnlySpan<float> profile)
    {
        var genres = Genres(item);
        if (genres.Length == 0) return 0;
        float sum = 0;
        foreach (var g in genres) sum += profile[g];
        return sum / MathF.Sqrt(genres.Length);
    }

    public static ItemFeatures From(TrainingData data)
    {
        var n = data.ItemCount;
        var count = new float[n];
        var ratings = new float[n];
        var recent = new float[n];
        var span = data.MaxTimestamp - data.MinTimestamp;
        var recentFrom = data.MaxTimestamp - span / 10;
        foreach (var x in data.Interactions)
        {
            count[x.Item]++;
            ratings[x.Item] += x.Rating;
            if (x.Timestamp >= recentFrom) recent[x.Item]++;
        }
        var genreIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var offsets = new int[n + 1];
        var ids = new List<int>();
        var year = new float[n];
        var activeUsers = Math.Max(1, Enumerable.Range(0, data.UserCount).Count(u => data.History(u).Length > 0));
        for (var i = 0; i < n; i++)
        {
            if (count[i] > 0) { ratings[i] /= count[i]; recent[i] /= count[i]; }
            count[i] /= activeUsers;
            if (data.Catalog?[i] is { } c)
            {
                foreach (var g in c.Genres.Order(StringComparer.Ordinal))
                {
                    if (!genreIndex.TryGetValue(g, out var id)) genreIndex[g] = id = genreIndex.Count;
                    ids.Add(id);
                }
                year[i] = c.Year ?? c.ReleaseDate?.Year ?? MovieTitle.Year(c.Title) ?? 0;
            }
            offsets[i + 1] = ids.Count;
        }
        return new ItemFeatures { Count = count, MeanRating = ratings, Year = year, Recency = recent, GenreCount = genreIndex.Count, GenreOffsets = offsets, GenreIds = ids.ToArray() };
    }

    public void Write(BinaryWriter w)
    {
        BinaryArrays.Write(w, Count);
        BinaryArrays.Write(w, MeanRating);
        BinaryArrays.Write(w, Year);
        BinaryArrays.Write(w, Recency);
        w.Write(GenreCount);
        BinaryArrays.Write(w, GenreOffsets);
        BinaryArrays.Write(w, GenreIds);
    }

    public static ItemFeatures Read(BinaryReader r) => new()
    {
        Count = BinaryArrays.ReadFloats(r), MeanRating = BinaryArrays.ReadFloats(r), Year = BinaryArrays.ReadFloats(r), Recency = BinaryArrays.ReadFloats(r),
        GenreCount = r.ReadInt32(), GenreOffsets = BinaryArrays.ReadInts(r), GenreIds = BinaryArrays.ReadInts(r),
    };
}
