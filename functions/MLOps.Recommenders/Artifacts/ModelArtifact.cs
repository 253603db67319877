using System.Security.Cryptography;
using System.Text;
using MLOps.Recommenders.Models;
using MLOps.Storage;

namespace MLOps.Recommenders.Artifacts;

/// <summary>What was written: where, how many bytes, and the SHA-256 of the bytes (hex) for manifests.</summary>
public sealed record ArtifactInfo(string Path, string Kind, int FormatVersion, long Bytes, string Sha256);

/// <summary>
/// The versioned binary artifact of a trained model: magic "MLRC", format version, the item ids (the index order), then the model
/// (kind, parameters, payload arrays in little-endian float32 / int32). Loading gives a model whose scores are bit-identical to the
/// saved one, and saving a loaded model gives the same bytes.
/// </summary>
public static class ModelArtifact
{
    /// <summary>
    /// The newest format this build reads and writes. An artifact is written at the lowest version that can hold it: 2 only when
    /// a model needs what version 1 lacks (pruned EASE over a modelled subset), so a build that reads only version 1 rejects
    /// exactly those artifacts with "format 2 is not supported" instead of misreading them.
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>The format version <paramref name="model"/> is written at.</summary>
    public static int VersionFor(RecommenderModel model) => model.ArtifactVersion;
    private static readonly byte[] Magic = "MLRC"u8.ToArray();

    public static async Task<ArtifactInfo> SaveAsync(IBlobStore store, string path, RecommenderModel model, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var bytes = ToBytes(model);
        await store.WriteAsync(path, BinaryData.FromBytes(bytes), condition, cancellationToken).ConfigureAwait(false);
        return new ArtifactInfo(path, model.Kind, VersionFor(model), bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    public static async Task<RecommenderModel> LoadAsync(IBlobStore store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var content = await store.ReadAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new FileNotFoundException($"Model artifact '{path}' does not exist.", path);
        return FromBytes(content.Data.ToArray(), path);
    }

    public static byte[] ToBytes(RecommenderModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(VersionFor(model));
            writer.Write(model.Items.Count);
            foreach (var id in model.Items.Ids) writer.Write(id);
            WriteModel(writer, model);
        }
        return stream.ToArray();
    }

    public static RecommenderModel FromBytes(byte[] bytes, string source = "artifact")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"{source}: not a model artifact (bad magic).");
            var version = reader.ReadInt32();
            if (version is < 1 or > FormatVersion) throw new InvalidDataException($"{source}: artifact format {version} is not supported (this build reads 1 to {FormatVersion}).");
            var count = reader.ReadInt32();
            if (count < 0 || count > bytes.Length) throw new InvalidDataException($"{source}: corrupt item count {count}.");
            var ids = new string[count];
            for (var i = 0; i < count; i++) ids[i] = reader.ReadString();
            var model = ReadModel(reader, new ItemIndex(ids));
            if (reader.BaseStream.Position != bytes.Length) throw new InvalidDataException($"{source}: {bytes.Length - reader.BaseStream.Position} trailing bytes.");
            return model;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source}: the artifact is truncated.", e);
        }
    }

    internal static void WriteModel(BinaryWriter writer, RecommenderModel model)
    {
        writer.Write(model.Kind);
        writer.Write(model.Parameters.Count);
        foreach (var (key, value) in model.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.Write(key);
            writer.Write(value);
        }
        model.WritePayload(writer);
    }

    internal static RecommenderModel ReadModel(BinaryReader reader, ItemIndex items)
    {
        var kind = reader.ReadString();
        var count = reader.ReadInt32();
        if (count is < 0 or > 10_000) throw new InvalidDataException($"Corrupt parameter count {count}.");
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++) parameters[reader.ReadString()] = reader.ReadDouble();
        return kind switch
        {
            "popularity" => PopularityRecommender.ReadPayload(items, parameters, reader),
            "sar" or "ease" or "content" => ItemItemRecommender.ReadPayload(kind, items, parameters, reader),
            "ials" => IalsRecommender.ReadPayload(items, parameters, reader),
            "infae" => InfiniteAutoencoder.ReadPayload(items, parameters, reader),
            "blend" => BlendRecommender.ReadPayload(items, parameters, reader),
            "ranker" => RankerRecommender.ReadPayload(items, parameters, reader),
            _ => throw new InvalidDataException($"Unknown model kind '{kind}' in artifact."),
        };
    }
}
