using System.Text.RegularExpressions;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>
/// An import cancelled (Ctrl+C) at a known point: its exception says in one line what had been read, that nothing is
/// half-written and that running it again finishes it (the cancellation used to surface as a bare OperationCanceledException);
/// and that is true: nothing is visible, and the rerun imports every row once.
/// </summary>
public sealed class InterruptedImportTests
{
    /// <summary>Cancels the import's token as its first event blob is about to be written (after a known number of rows), and fails that write.</summary>
    private sealed class CancelAtFirstEventBlob(IBlobStore inner, CancellationTokenSource cancel) : DelegatingBlobStore(inner)
    {
        public override Task<BlobETag> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
        {
            if (path.StartsWith(StoreLayout.Events, StringComparison.Ordinal))
            {
                cancel.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
            }
            return Inner.WriteAsync(path, content, condition, cancellationToken);
        }
    }

    /// <summary>Cancels the import's token as it reads a batch manifest (looking for an earlier import of its batch), and fails that read.</summary>
    private sealed class CancelAtManifestRead(IBlobStore inner, CancellationTokenSource cancel) : DelegatingBlobStore(inner)
    {
        public override Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default)
        {
            if (path.StartsWith(StoreLayout.Imports, StringComparison.Ordinal))
            {
                cancel.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
            }
            return Inner.ReadAsync(path, cancellationToken);
        }
    }

    /// <summary>
    /// Stopped while looking for an earlier import of a batch an earlier run committed, the import does not say the batch
    /// "was not committed" (it said so before 2026-12-08): it says it stopped before reading rows and imported nothing,
    /// true whether or not the batch was committed; and the committed batch is untouched.
    /// </summary>
    [Fact]
    public async Task Events_CancelledWhileCheckingForAnEarlierImport_OfACommittedBatch_DoNotSayItIsUncommitted()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("interrupted-early"), "live.csv");
        await File.WriteAllLinesAsync(file, ["eventId,userId,contentId,timestamp", "e1,u1,m1,1700000000", "e2,u2,m1,1700000000"], ct);
        var source = EventSources.File(file, "csv", ColumnMap.Default, RatingScale.Default);
        await new EventIngestor(store).IngestAsync(source, cancellationToken: ct);
        using var cancel = new CancellationTokenSource();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new EventIngestor(new CancelAtManifestRead(store, cancel)).IngestAsync(source, cancellationToken: cancel.Token));

        Assert.Equal($"csv:live.csv stopped before reading any rows, while checking whether batch {source.BatchId} was already imported: this run imported nothing. "
            + "Run the same command again: it finds the batch already imported, or imports it.", e.Message);
        Assert.NotNull(await EventIngestor.ReadManifestAsync(store, source.BatchId, ct));
        Assert.Equal(2, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    /// <summary>The catalogue's importer likewise (its earlier import committed the batch).</summary>
    [Fact]
    public async Task Catalog_CancelledWhileCheckingForAnEarlierImport_OfACommittedBatch_DoesNotSayItIsUncommitted()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        IEnumerable<RawCatalogRow> Rows(CancellationToken _) => [new RawCatalogRow { Line = 2, ContentId = "m1", Title = "Heat" }];
        var source = new CatalogSource("csv:c.csv", "0123456789abcdef01234567", Rows);
        await new CatalogImporter(store).ImportAsync(source, ct);
        using var cancel = new CancellationTokenSource();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new CatalogImporter(new CancelAtManifestRead(store, cancel)).ImportAsync(source, cancel.Token));

        Assert.Equal("csv:c.csv stopped before reading any rows, while checking whether batch 0123456789abcdef01234567 was already imported: this run imported nothing. "
            + "Run the same command again: it finds the batch already imported, or imports it.", e.Message);
        Assert.NotNull(await EventIngestor.ReadManifestAsync(store, source.BatchId, ct));
    }

    [Fact]
    public async Task Events_CancelledMidFile_SayWhatWasRead_CommitNothing_AndARerunImportsEveryRowOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("interrupted"), "live.csv");
        // One bad row (no user), then 300 events of one day: with 1 KB parts the first part is flushed after a dozen rows.
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 300).Select(i => $"e{i},u{i % 7},m{i % 11},1700000000")
            .Prepend("bad,,m1,1700000000").Prepend("eventId,userId,contentId,timestamp"), ct);
        using var cancel = new CancellationTokenSource();
        var source = EventSources.File(file, "csv", ColumnMap.Default, RatingScale.Default);

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new EventIngestor(new CancelAtFirstEventBlob(store, cancel)) { BufferBytes = 1024 }.IngestAsync(source, cancellationToken: cancel.Token));

        var said = Regex.Match(e.Message, @"^csv:live\.csv stopped after (\d+) rows \((\d+) accepted, 1 quarantined\); batch ([0-9a-f]{24}) was not committed, so nothing is half-written: .*Run the same command again to finish");
        Assert.True(said.Success, e.Message);
        var (rows, accepted) = (long.Parse(said.Groups[1].Value), long.Parse(said.Groups[2].Value));
        Assert.Equal(rows, accepted + 1);
        Assert.InRange(rows, 2, 300); // stopped mid-file, at the first part
        Assert.Equal(source.BatchId, said.Groups[3].Value);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Null(await EventIngestor.ReadManifestAsync(store, source.BatchId, ct));
        Assert.Empty(await EventLog.ReadAsync(store, cancellationToken: ct).ToListAsync(ct));

        var rerun = await new EventIngestor(store) { BufferBytes = 1024 }.IngestAsync(source, cancellationToken: ct);

        Assert.Equal((301L, 300L, 1L, false), (rerun.RowsRead, rerun.Accepted, rerun.Quarantined, rerun.AlreadyImported));
        Assert.Equal(300, await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(ct));
    }

    [Fact]
    public async Task Catalog_CancelledAfterThreeRows_SaysSo_AndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        using var cancel = new CancellationTokenSource();
        IEnumerable<RawCatalogRow> Rows(CancellationToken _)
        {
            yield return new RawCatalogRow { Line = 2, ContentId = "m1", Title = "Heat" };
            yield return new RawCatalogRow { Line = 3, ContentId = "m1", Title = "Heat" }; // a duplicate: quarantined
            yield return new RawCatalogRow { Line = 4, ContentId = "m2", Title = "Up" };
            cancel.Cancel();
            yield return new RawCatalogRow { Line = 5, ContentId = "m3", Title = "Jaws" };
        }
        var source = new CatalogSource("csv:c.csv", "0123456789abcdef01234567", Rows);

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new CatalogImporter(store).ImportAsync(source, cancel.Token));

        Assert.Equal("csv:c.csv stopped after 3 rows (2 accepted, 1 quarantined); batch 0123456789abcdef01234567 was not committed, so nothing is half-written: "
            + "the catalogue is unchanged. Run the same command again to import it.", e.Message);
        Assert.Empty(await store.ListAllAsync("", ct));
    }
}
