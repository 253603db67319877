namespace MLOps.Recommenders.Models;

/// <summary>
/// Base of every trained model: a kind, the item index it scores over, the parameters it was trained with (saved in its artifact) and
/// a payload writer for <see cref="Artifacts.ModelArtifact"/>. Immutable after training; Score is thread-safe and allocation-free once
/// the calling thread's scratch buffers exist.
/// </summary>
public abstract class RecommenderModel : IRecommender
{
    protected RecommenderModel(string kind, ItemIndex items, IReadOnlyDictionary<string, double> parameters)
    {
        Kind = kind;
        Items = items;
        Parameters = new SortedDictionary<string, double>(parameters.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
    }

    public string Kind { get; }
    public ItemIndex Items { get; }
    public IReadOnlyDictionary<string, double> Parameters { get; }

    public abstract void Score(ReadOnlySpan<int> history, Span<float> scores);

    /// <inheritdoc cref="IRecommender.Covers"/>
    public virtual bool Covers(int item) => true;

    /// <inheritdoc cref="IRecommender.TopContributor"/>
    public virtual int TopContributor(ReadOnlySpan<int> history, int item) => -1;

    /// <summary>The lowest artifact format version that holds this model (see <see cref="Artifacts.ModelArtifact.FormatVersion"/>).</summary>
    internal virtual int ArtifactVersion => 1;

    /// <summary>Writes the model's arrays (little-endian, float32 where possible) after the artifact header.</summary>
    internal abstract void WritePayload(BinaryWriter writer);

    /// <summary>Bytes of the payload, for manifests and logs.</summary>
    public long PayloadBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) WritePayload(writer);
        return stream.Length;
    }

    protected static double Get(IReadOnlyDictionary<string, double>? parameters, string name, double fallback) =>
        parameters is not null && parameters.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>Scratch buffer of the calling thread (grown on demand, never shrunk) so scoring allocates nothing once warm.</summary>
    protected static float[] Scratch(ref float[]? slot, int length)
    {
        if (slot is null || slot.Length < length) slot = new float[length];
        return slot;
    }
}

/// <summary>Helpers to read and write the arrays of artifacts.</summary>
internal static class BinaryArrays
{
    public static void Write(BinaryWriter w, ReadOnlySpan<float> values)
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }

    public static void Write(BinaryWriter w, ReadOnlySpan<int> values)
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }

    public static float[] ReadFloats(BinaryReader r)
    {
        var values = new float[CheckedLength(r)];
        ReadExactly(r, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    public static int[] ReadInts(BinaryReader r)
    {
        var values = new int[CheckedLength(r)];
        ReadExactly(r, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static int CheckedLength(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0 || (long)length * 4 > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"Artifact array length {length} does not fit the remaining bytes: the artifact is truncated or corrupt.");
        return length;
    }

    private static void ReadExactly(BinaryReader r, Span<byte> target) => r.BaseStream.ReadExactly(target);
}
