using System.Text.Json;

namespace MLOps.Storage;

public static class BlobStoreExtensions
{
    public static Task<BlobETag> WriteAsync(this IBlobStore store, string path, BinaryData data, WriteCondition condition = default, CancellationToken cancellationToken = default) =>
        store.WriteAsync(path, data.ToStream(), condition, cancellationToken);

    public static Task<BlobETag> WriteTextAsync(this IBlobStore store, string path, string text, WriteCondition condition = default, CancellationToken cancellationToken = default) =>
        store.WriteAsync(path, BinaryData.FromString(text), condition, cancellationToken);

    public static Task<BlobETag> WriteJsonAsync<T>(this IBlobStore store, string path, T value, WriteCondition condition = default, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default) =>
        store.WriteAsync(path, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, options ?? StoreJson.Options)), condition, cancellationToken);

    /// <summary>Reads and deserializes a JSON blob with its ETag; null when missing.</summary>
    public static async Task<(T Value, BlobETag ETag)?> ReadJsonAsync<T>(this IBlobStore store, string path, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var content = await store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (content is null) return null;
        var value = content.Data.ToObjectFromJson<T>(options ?? StoreJson.Options)
            ?? throw new InvalidDataException($"Blob '{path}' holds JSON null.");
        return (value, content.ETag);
    }

    /// <summary>Creates the blob only if absent; false when it already exists (idempotent writers use this).</summary>
    public static async Task<bool> TryCreateAsync(this IBlobStore store, string path, BinaryData data, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.WriteAsync(path, data.ToStream(), WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BlobConditionFailedException)
        {
            return false;
        }
    }

    public static async Task<bool> ExistsAsync(this IBlobStore store, string path, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        return stream is not null;
    }

    public static async Task<List<BlobInfo>> ListAllAsync(this IBlobStore store, string prefix, CancellationToken cancellationToken = default)
    {
        var list = new List<BlobInfo>();
        await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false)) list.Add(item);
        return list;
    }
}

/// <summary>The JSON conventions of everything the system stores: camelCase, enums as strings.</summary>
public static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };
}
