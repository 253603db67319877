using System.Runtime.CompilerServices;
using MLOps.Storage;

namespace MLOps.Core.Data;

/// <summary>The manifests of committed imports, <c>imports/&lt;batch&gt;.json</c> (not the unfinished-import markers beside them).</summary>
public static class ImportManifests
{
    public static async IAsyncEnumerable<BlobInfo> ListAsync(IBlobStore store, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var blob in store.ListAsync(StoreLayout.Imports, cancellationToken).ConfigureAwait(false))
            if (!blob.Path.StartsWith(StoreLayout.UnfinishedImports, StringComparison.Ordinal)) yield return blob;
    }
}
