namespace MLOps.Storage;

/// <summary>
/// The one storage seam of the system: a flat namespace of blobs addressed by '/'-separated paths,
/// with Azure Blob Storage's ETag semantics. Every implementation passes the same contract tests.
/// </summary>
public interface IBlobStore
{
    /// <summary>A readable description for logs and CLI output (never contains secrets).</summary>
    string Description { get; }

    /// <summary>Reads a whole blob, or null when it does not exist.</summary>
    Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob for streaming reads, or null when it does not exist. The stream sees one version.</summary>
    Task<BlobReadStream?> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a blob atomically (readers see the old or the new content, never a mix).
    /// Throws <see cref="BlobConditionFailedException"/> when <paramref name="condition"/> does not hold.
    /// </summary>
    Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default);

    /// <summary>Lists blobs whose path starts with <paramref name="prefix"/>, in ordinal path order.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob; false when it did not exist. With <paramref name="ifMatch"/>, only that version.</summary>
    Task<bool> DeleteAsync(string path, BlobETag? ifMatch = null, CancellationToken cancellationToken = default);
}

/// <summary>An opaque version tag, compared by value (the quotes are part of it, as in HTTP).</summary>
public readonly record struct BlobETag(string Value)
{
    public override string ToString() => Value;
}

public sealed record BlobInfo(string Path, long Length, BlobETag ETag, DateTimeOffset LastModified);

public sealed record BlobContent(BinaryData Data, BlobETag ETag, DateTimeOffset LastModified);

/// <summary>A read stream bound to one version of a blob; dispose it.</summary>
public sealed class BlobReadStream(Stream stream, BlobETag etag, long length) : IAsyncDisposable, IDisposable
{
    public Stream Stream { get; } = stream;
    public BlobETag ETag { get; } = etag;
    public long Length { get; } = length;
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
    public void Dispose() => Stream.Dispose();
}

/// <summary>The precondition of a write, as Blob Storage's If-Match / If-None-Match headers.</summary>
public readonly record struct WriteCondition
{
    public BlobETag? IfMatch { get; private init; }
    public bool IfNotExists { get; private init; }

    /// <summary>Last writer wins.</summary>
    public static WriteCondition None => default;

    /// <summary>If-None-Match: * — only create, never overwrite.</summary>
    public static WriteCondition CreateOnly => new() { IfNotExists = true };

    /// <summary>If-Match: etag — only replace the version that was read (compare-and-swap).</summary>
    public static WriteCondition Match(BlobETag etag) => new() { IfMatch = etag };

    public override string ToString() => IfNotExists ? "If-None-Match: *" : IfMatch is { } e ? $"If-Match: {e}" : "unconditional";
}

/// <summary>A conditional write or delete lost: the blob exists, is missing, or changed since it was read.</summary>
public sealed class BlobConditionFailedException(string path, WriteCondition condition, Exception? inner = null)
    : Exception($"Blob '{path}' did not meet the write condition ({condition}): another writer changed it first.", inner)
{
    public string Path { get; } = path;
    public WriteCondition Condition { get; } = condition;
}
