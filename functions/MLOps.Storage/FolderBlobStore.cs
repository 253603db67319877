using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace MLOps.Storage;

/// <summary>
/// Blobs as files under a root folder, with Blob Storage's semantics:
/// writes go to a temporary file and are renamed into place (atomic replace, readers never see a partial
/// blob); conditional writes take an exclusive per-blob lock file (flock, so it also holds across
/// processes and is released if the process is killed); the ETag is the file's own modification time
/// (kept strictly increasing per blob under the lock) plus its length, read from the open handle so it
/// always describes the content that handle reads.
/// </summary>
public sealed class FolderBlobStore : IBlobStore
{
    private const string LockFolder = ".mlops-locks";
    private const string TempFolder = ".mlops-tmp";
    private readonly string _root;
    private volatile bool _foldersMade;

    /// <summary>Nothing is created until the first write, lock or delete: reading a mistyped path leaves no empty store behind.</summary>
    public FolderBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        // A path under a file can never become a store: say so now, as creating the folders here used to, not at the first write.
        for (var folder = _root; folder is not null; folder = Path.GetDirectoryName(folder))
            if (File.Exists(folder)) throw new DirectoryNotFoundException($"Cannot use '{_root}' as a store folder: '{folder}' is a file.");
    }

    public string Root => _root;
    public string Description => $"folder {_root}";

    public async Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var read = await OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (read is null) return null;
        var buffer = new byte[read.Length];
        await read.Stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        var modified = File.GetLastWriteTimeUtc(((FileStream)read.Stream).SafeFileHandle);
        return new BlobContent(new BinaryData(buffer), read.ETag, new DateTimeOffset(modified, TimeSpan.Zero));
    }

    public Task<BlobReadStream?> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var file = FilePath(path);
        try
        {
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            var (etag, length, _) = Describe(stream.SafeFileHandle);
            return Task.FromResult<BlobReadStream?>(new BlobReadStream(stream, etag, length));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<BlobReadStream?>(null);
        }
    }

    public async Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        var file = FilePath(path);
        MakeFolders();
        var temp = Path.Combine(_root, TempFolder, $"{Guid.NewGuid():N}.tmp");
        try
        {
            // Copy outside the lock: a slow producer must not hold other writers up.
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }
            using var gate = await AcquireLockAsync(path, cancellationToken).ConfigureAwait(false);
            var current = TryDescribe(file);
            Check(path, condition, current?.ETag);
            // Strictly increasing modification time per blob, so every version has a distinct ETag.
            var stamp = DateTime.UtcNow;
            if (current is { } c && stamp <= c.Modified) stamp = c.Modified.AddTicks(1);
            File.SetLastWriteTimeUtc(temp, stamp);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.Move(temp, file, overwrite: true);
            return TryDescribe(file)?.ETag ?? throw new IOException($"Blob '{path}' vanished right after it was written.");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix = BlobPath.NormalizePrefix(prefix);
        // Start from the deepest folder the prefix names, then filter by the full prefix.
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? _root : Path.Combine(_root, prefix[..slash]);
        if (!Directory.Exists(folder)) yield break;
        var found = new List<BlobInfo>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(_root, file).Replace('\\', '/');
            if (relative.StartsWith(".mlops-", StringComparison.Ordinal) || !relative.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (TryDescribe(file) is { } d) found.Add(new BlobInfo(relative, d.Length, d.ETag, new DateTimeOffset(d.Modified, TimeSpan.Zero)));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        foreach (var item in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(string path, BlobETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        var file = FilePath(path);
        using var gate = await AcquireLockAsync(path, cancellationToken).ConfigureAwait(false);
        var current = TryDescribe(file);
        if (current is null)
        {
            if (ifMatch is { } expected) throw new BlobConditionFailedException(path, WriteCondition.Match(expected));
            return false;
        }
        if (ifMatch is { } e && e != current.Value.ETag) throw new BlobConditionFailedException(path, WriteCondition.Match(e));
        File.Delete(file);
        return true;
    }

    private static void Check(string path, WriteCondition condition, BlobETag? current)
    {
        if (condition.IfNotExists && current is not null) throw new BlobConditionFailedException(path, condition);
        if (condition.IfMatch is { } expected && expected != current) throw new BlobConditionFailedException(path, condition);
    }

    private void MakeFolders()
    {
        if (_foldersMade) return;
        Directory.CreateDirectory(Path.Combine(_root, LockFolder));
        Directory.CreateDirectory(Path.Combine(_root, TempFolder));
        _foldersMade = true;
    }

    private string FilePath(string path) => Path.Combine(_root, BlobPath.Normalize(path));

    private static (BlobETag ETag, long Length, DateTime Modified) Describe(SafeFileHandle handle)
    {
        var modified = File.GetLastWriteTimeUtc(handle);
        var length = RandomAccess.GetLength(handle);
        return (new BlobETag($"\"{modified.Ticks:x}-{length:x}\""), length, modified);
    }

    private static (BlobETag ETag, long Length, DateTime Modified)? TryDescribe(string file)
    {
        try
        {
            using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Describe(handle);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>An exclusive lock per blob path; FileShare.None maps to flock on Unix, so processes exclude each other too.</summary>
    private async Task<IDisposable> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var name = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(BlobPath.Normalize(path))))[..32];
        MakeFolders();
        var lockFile = Path.Combine(_root, LockFolder, name + ".lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 20_000)
            {
                await Task.Delay(attempt < 10 ? 1 : 5, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
