using System.Numerics.Tensors;

namespace MLOps.Recommenders.Models;

/// <summary>
/// A weighted sum of several models' scores, each standardised per user (z-score over all items) so their scales are comparable.
/// </summary>
public sealed class BlendRecommender : RecommenderModel
{
    [ThreadStatic] private static float[]? t_part;

    private readonly RecommenderModel[] _parts;
    private readonly float[] _weights;

    internal BlendRecommender(ItemIndex items, IReadOnlyDictionary<string, double> parameters, RecommenderModel[] parts, float[] weights) : base("blend", items, parameters)
    {
        if (parts.Length != weights.Length || parts.Length == 0) throw new ArgumentException("A blend needs one weight per part and at least one part.", nameof(parts));
        if (parts.Any(m => m.Items.Count != items.Count)) throw new ArgumentException("Every blended model must score the same item index.", nameof(parts));
        _parts = parts;
        _weights = weights;
    }

    public IReadOnlyList<RecommenderModel> Parts => _parts;
    public IReadOnlyList<float> Weights => _weights;

    internal override int ArtifactVersion => _parts.Max(p => p.ArtifactVersion);

    /// <summary>Covered when any part covers the item.</summary>
    public override bool Covers(int item) => _parts.Any(p => p.Covers(item));

    public override void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        if (scores.Length != Items.Count) throw new ArgumentException($"The score buffer must hold {Items.Count} items.", nameof(scores));
        scores.Clear();
        var n = Items.Count;
        for (var k = 0; k < _parts.Length; k++)
        {
            var part = Scratch(ref t_part, n).AsSpan(0, n);
            _parts[k].Score(history, part);
            AddWeighted(part, _weights[k], Centre(part), scores);
        }
    }

    /// <summary>Centres one part's scores in place and returns their standard deviation (the blend tuner caches both).</summary>
    internal static float Centre(Span<float> part)
    {
        TensorPrimitives.Add(part, -TensorPrimitives.Sum(part) / part.Length, part);
        return MathF.Sqrt(TensorPrimitives.SumOfSquares(part) / part.Length);
    }

    /// <summary>scores += weight · centred / std: the part's z-score, weighted (a constant part adds nothing).</summary>
    internal static void AddWeighted(ReadOnlySpan<float> centred, float weight, float std, Span<float> scores) =>
        TensorPrimitives.MultiplyAdd(centred, std > 0 ? weight / std : 0, scores, scores);

    internal override void WritePayload(BinaryWriter writer)
    {
        writer.Write(_parts.Length);
        for (var k = 0; k < _parts.Length; k++)
        {
            writer.Write(_weights[k]);
            Artifacts.ModelArtifact.WriteModel(writer, _parts[k]);
        }
    }

    internal static BlendRecommender ReadPayload(ItemIndex items, IReadOnlyDictionary<string, double> parameters, BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count is <= 0 or > 64) throw new InvalidDataException($"A blend artifact with {count} parts is corrupt.");
        var parts = new RecommenderModel[count];
        var weights = new float[count];
        for (var k = 0; k < count; k++)
        {
            weights[k] = reader.ReadSingle();
            parts[k] = Artifacts.ModelArtifact.ReadModel(reader, items);
        }
        return new BlendRecommender(items, parameters, parts, weights);
    }
}
