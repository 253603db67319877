using MLOps.Storage;

namespace MLOps.Tests;

/// <summary>A store that passes every call to another; tests override the one call they make fail, stall or slow down.</summary>
public abstract class DelegatingBlobStore(IBlobStore inner) : IBlobStore
{
    protected IBlobStore Inner { get; } = inner;
    public string Description => Inner.Description;
    public virtual Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default) => Inner.ReadAsync(path, cancellationToken);
    public virtual Task<BlobReadStream?> OpenReadAsync(string path, CancellationToken cancellationToken = default) => Inner.OpenReadAsync(path, cancellationToken);
    public virtual Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(path, content, condition, cancellationToken);
    public virtual IAsyncEnumerable<BlobInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => Inner.ListAsync(prefix, cancellationToken);
    public virtual Task<bool> DeleteAsync(string path, BlobETag? ifMatch = null, CancellationToken cancellationToken = default) => Inner.DeleteAsync(path, ifMatch, cancellationToken);
}
