using System.Runtime.CompilerServices;
using System.Text.Json;
using MLOps.Storage;

namespace MLOps.Core.Data;

/// <summary>Reads accepted events back from their day partitions (<c>events/dt=YYYY-MM-DD/*.ndjson</c>), streamed.</summary>
public static class EventLog
{
    /// <summary>
    /// Every event blob of a committed batch, grouped by day, in day then path order. Blobs of imports still running or
    /// killed before their manifest (<see cref="UnfinishedImports"/>) are left out: a rerun may rewrite them.
    /// </summary>
    public static async Task<IReadOnlyList<(DateOnly Day, BlobInfo Blob)>> ListBatchesAsync(IBlobStore store, CancellationToken cancellationToken = default)
    {
        var all = await ListAllBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        return Committed(all, await UnfinishedImports.ListAsync(store, cancellationToken).ConfigureAwait(false)); // markers after the blobs: see ListAsync
    }

    /// <summary>The blobs of <paramref name="all"/> whose batch is not <paramref name="unfinished"/> (markers listed after <paramref name="all"/>).</summary>
    public static IReadOnlyList<(DateOnly Day, BlobInfo Blob)> Committed(IReadOnlyList<(DateOnly Day, BlobInfo Blob)> all, IReadOnlyDictionary<string, UnfinishedImports.Marker> unfinished) =>
        unfinished.Count == 0 ? all : all.Where(b => !unfinished.ContainsKey(StoreLayout.BatchOfBlob(b.Blob.Path))).ToList();

    /// <summary>Every event blob, unfinished imports' included (for <c>data stats</c> and the importer's cleanup), in day then path order.</summary>
    public static async Task<IReadOnlyList<(DateOnly Day, BlobInfo Blob)>> ListAllBatchesAsync(IBlobStore store, CancellationToken cancellationToken = default)
    {
        var batches = new List<(DateOnly, BlobInfo)>();
        await foreach (var blob in store.ListAsync(StoreLayout.Events, cancellationToken).ConfigureAwait(false))
            if (blob.Path.EndsWith(".ndjson", StringComparison.Ordinal) && StoreLayout.PartitionDay(blob.Path) is { } day)
                batches.Add((day, blob));
        return batches.OrderBy(b => b.Item1).ThenBy(b => b.Item2.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>Streams the events of the given batches (one blob at a time, one line at a time).</summary>
    public static async IAsyncEnumerable<ViewingEvent> ReadAsync(IBlobStore store, IEnumerable<string> batchPaths,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var path in batchPaths)
        {
            await using var blob = await store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Event batch '{path}' was listed but is gone.");
            using var reader = new StreamReader(blob.Stream);
            var lineNumber = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                if (line.Length == 0) continue;
                ViewingEvent? e;
                try { e = JsonSerializer.Deserialize<ViewingEvent>(line, StoreJson.Options); }
                catch (JsonException ex) { throw new InvalidDataException($"{path}:{lineNumber}: stored event is not valid JSON ({ex.Message}).", ex); }
                yield return e ?? throw new InvalidDataException($"{path}:{lineNumber}: stored event is null.");
            }
        }
    }

    /// <summary>Streams every event whose day partition lies in [from, to) (null bounds are open).</summary>
    public static async IAsyncEnumerable<ViewingEvent> ReadAsync(IBlobStore store, DateOnly? from = null, DateOnly? toExclusive = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var batches = await ListBatchesAsync(store, cancellationToken).ConfigureAwait(false);
        var paths = batches.Where(b => (from is null || b.Day >= from) && (toExclusive is null || b.Day < toExclusive)).Select(b => b.Blob.Path);
        await foreach (var e in ReadAsync(store, paths, cancellationToken).ConfigureAwait(false)) yield return e;
    }
}
