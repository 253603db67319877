using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MLOps.Storage;

/// <summary>Blobs in one Azure Blob Storage container (Azurite or a real account); paths are blob names.</summary>
public sealed class AzureBlobStore : IBlobStore
{
    private readonly BlobContainerClient _container;
    private readonly Lazy<Task> _created;

    public AzureBlobStore(BlobContainerClient container)
    {
        _container = container;
        _created = new Lazy<Task>(() => _container.CreateIfNotExistsAsync());
    }

    public string Description => $"azure blob container {_container.Uri.GetLeftPart(UriPartial.Path)}";

    public BlobContainerClient Container => _container;

    public async Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await _created.Value.ConfigureAwait(false);
        try
        {
            var result = await Blob(path).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return new BlobContent(result.Value.Content, new BlobETag(result.Value.Details.ETag.ToString("H")), result.Value.Details.LastModified);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<BlobReadStream?> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await _created.Value.ConfigureAwait(false);
        try
        {
            // Download streaming: one response, one version of the blob.
            var result = await Blob(path).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new BlobReadStream(result.Value.Content, new BlobETag(result.Value.Details.ETag.ToString("H")), result.Value.Details.ContentLength);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        await _created.Value.ConfigureAwait(false);
        var conditions = condition.IfNotExists
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : condition.IfMatch is { } m ? new BlobRequestConditions { IfMatch = new ETag(m.Value) } : null;
        try
        {
            var result = await Blob(path).UploadAsync(content, new BlobUploadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
            return new BlobETag(result.Value.ETag.ToString("H"));
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 || (e.Status == 404 && condition.IfMatch is not null))
        {
            throw new BlobConditionFailedException(path, condition, e);
        }
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _created.Value.ConfigureAwait(false);
        await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = BlobPath.NormalizePrefix(prefix) }, cancellationToken).ConfigureAwait(false))
        {
            yield return new BlobInfo(item.Name, item.Properties.ContentLength ?? 0, new BlobETag(item.Properties.ETag!.Value.ToString("H")),
                item.Properties.LastModified ?? DateTimeOffset.MinValue);
        }
    }

    public async Task<bool> DeleteAsync(string path, BlobETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        await _created.Value.ConfigureAwait(false);
        var conditions = ifMatch is { } m ? new BlobRequestConditions { IfMatch = new ETag(m.Value) } : null;
        try
        {
            var result = await Blob(path).DeleteIfExistsAsync(conditions: conditions, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!result.Value && ifMatch is not null) throw new BlobConditionFailedException(path, WriteCondition.Match(ifMatch.Value));
            return result.Value;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new BlobConditionFailedException(path, WriteCondition.Match(ifMatch!.Value), e);
        }
    }

    private BlobClient Blob(string path) => _container.GetBlobClient(BlobPath.Normalize(path));
}
