using Azure.Identity;
using Azure.Storage.Blobs;

namespace MLOps.Storage;

/// <summary>
/// Opens the store named by <c>--store</c> / <c>MLOPS_STORE</c>: a folder path (the default, <c>.mlops</c>),
/// an Azure Storage connection string (Azurite: <c>UseDevelopmentStorage=true</c>), or an account URL
/// (<c>https://acct.blob.core.windows.net</c>, signed in with DefaultAzureCredential).
/// A trailing <c>;Container=name</c> picks the container (default <c>mlops</c>).
/// </summary>
public static class BlobStoreFactory
{
    public const string DefaultFolder = ".mlops";
    public const string DefaultContainer = "mlops";
    public const string EnvironmentVariable = "MLOPS_STORE";

    public static string Resolve(string? store) =>
        !string.IsNullOrWhiteSpace(store) ? store
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env
        : DefaultFolder;

    public static IBlobStore Open(string? store)
    {
        var spec = Resolve(store);
        var (connection, container) = SplitContainer(spec);
        if (connection.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || connection.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            return new AzureBlobStore(new BlobServiceClient(new Uri(connection), new DefaultAzureCredential()).GetBlobContainerClient(container));
        if (IsConnectionString(connection))
            return new AzureBlobStore(new BlobServiceClient(connection).GetBlobContainerClient(container));
        return new FolderBlobStore(spec);
    }

    public static bool IsConnectionString(string spec) =>
        spec.Contains("UseDevelopmentStorage=", StringComparison.OrdinalIgnoreCase)
        || spec.Contains("AccountName=", StringComparison.OrdinalIgnoreCase)
        || spec.Contains("BlobEndpoint=", StringComparison.OrdinalIgnoreCase);

    private static (string Connection, string Container) SplitContainer(string spec)
    {
        var parts = spec.Split(';', StringSplitOptions.RemoveEmptyEntries);
        var container = parts.FirstOrDefault(p => p.StartsWith("Container=", StringComparison.OrdinalIgnoreCase))?["Container=".Length..];
        var rest = string.Join(';', parts.Where(p => !p.StartsWith("Container=", StringComparison.OrdinalIgnoreCase)));
        return (rest, string.IsNullOrWhiteSpace(container) ? DefaultContainer : container);
    }
}
