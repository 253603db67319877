using System.Collections.Concurrent;
using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>The import's progress: 100 % only when done, and the write phase (day blobs) reported rather than silent.</summary>
public class IngestProgressTests
{
    /// <summary>A store whose event blob writes take a while, as 4,110 small blobs do on a folder store.</summary>
    private sealed class SlowEventWrites(IBlobStore inner, TimeSpan delay) : DelegatingBlobStore(inner)
    {
        public override async Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
        {
            if (path.StartsWith(MLOps.Core.StoreLayout.Events, StringComparison.Ordinal)) await Task.Delay(delay, cancellationToken);
            return await Inner.WriteAsync(path, content, condition, cancellationToken);
        }
    }

    private sealed class Collect : IProgress<IngestProgress>
    {
        public ConcurrentQueue<IngestProgress> Reports { get; } = new();
        public void Report(IngestProgress value) => Reports.Enqueue(value);
    }

    [Fact]
    public async Task Ingest_ReportsTheBlobWritesOfItsLastFlush_AndReachesOneOnlyWhenDone()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "days.csv");
        // 100 days, 50 rows each: the last flush writes 100 day blobs at 15 ms each, one at a time (1.5 s).
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 5000).Select(i => $"u{i % 13},m{i % 17},{1_600_000_000 + i / 50 * 86_400},{1 + i % 5}")
            .Prepend("userId,contentId,timestamp,rating"), ct);
        var progress = new Collect();

        await new EventIngestor(new SlowEventWrites(TestEnvironment.NewFolderStore(), TimeSpan.FromMilliseconds(15))) { WriteConcurrency = 1 }
            .IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.WholeStars), progress, cancellationToken: ct);

        var reports = progress.Reports.ToList();
        var writing = reports.Where(r => r.BlobsToWrite > 0).ToList();
        Assert.True(writing.Count >= 3, $"{writing.Count} reports while writing");
        Assert.All(writing, r => Assert.Equal((5000L, 100), (r.Rows, r.BlobsToWrite)));
        Assert.Equal(writing.Select(r => r.BlobsWritten).Order(), writing.Select(r => r.BlobsWritten));
        Assert.All(reports[..^1], r => Assert.True(r.Fraction < 1, $"{r.Fraction} at {r.Rows} rows"));
        Assert.Equal(1, reports[^1].Fraction);
    }
}
