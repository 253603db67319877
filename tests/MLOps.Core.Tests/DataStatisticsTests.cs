using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

public class DataStatisticsTests
{
    [Fact]
    public async Task Stats_AfterBadInput_SummariseQuarantineByReason()
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        var expected = BadInputFixture.Write(file);
        var ct = TestContext.Current.CancellationToken;
        await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.WholeStars), cancellationToken: ct);

        var stats = await DataStatistics.ComputeAsync(store, ct);

        Assert.Equal(900, stats.Events);
        Assert.Equal(100, stats.Quarantined);
        Assert.Equal(expected.OrderBy(p => p.Key), stats.QuarantineReasons.OrderBy(p => p.Key));
        Assert.Equal(900, stats.RatingHistogram.Values.Sum());
        Assert.Equal(["1", "2", "3", "4", "5"], stats.RatingHistogram.Keys.Order());
        Assert.Equal(37, stats.Users);
    }

    /// <summary>
    /// Events of a title the catalogue does not hold are accepted (a title's events may come before its catalogue
    /// import), so without this figure a typo'd or foreign content id left no trace anywhere.
    /// </summary>
    [Fact]
    public async Task Stats_CountTitlesWithEventsThatTheCatalogueDoesNotHold()
    {
        var store = TestEnvironment.NewFolderStore();
        var folder = TestEnvironment.NewTempFolder("input");
        var ct = TestContext.Current.CancellationToken;
        var catalog = Path.Combine(folder, "catalog.ndjson");
        File.WriteAllText(catalog, "{\"contentId\":\"c1\",\"title\":\"One\"}\n{\"contentId\":\"c2\",\"title\":\"Two\"}\n");
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(catalog), ct);
        var events = Path.Combine(folder, "events.csv");
        File.WriteAllText(events, "userId,contentId,timestamp\nu1,c1,1700000000\nu1,c3,1700000001\nu2,c3,1700000002\nu2,c4,1700000003\n");
        await new EventIngestor(store).IngestAsync(EventSources.File(events, "csv", ColumnMap.Default, RatingScale.WholeStars), cancellationToken: ct);

        var stats = await DataStatistics.ComputeAsync(store, ct);

        Assert.Equal(3, stats.Items);
        Assert.Equal(2, stats.CatalogItems);
        Assert.Equal(2, stats.ItemsNotInCatalog);
    }

    [Fact]
    public async Task Stats_ReportTheFractionOfBlobsRead_RisingToOne()
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("input"), "events.csv");
        BadInputFixture.Write(file);
        var ct = TestContext.Current.CancellationToken;
        await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.WholeStars), cancellationToken: ct);
        var blobs = (await store.ListAllAsync("events/", ct)).Count + (await store.ListAllAsync("quarantine/", ct)).Count;
        var seen = new Recorder();

        await DataStatistics.ComputeAsync(store, seen, ct);

        Assert.True(seen.Fractions.Count >= blobs, $"{seen.Fractions.Count} reports for {blobs} blobs");
        Assert.Equal(seen.Fractions.Order(), seen.Fractions);
        Assert.All(seen.Fractions, f => Assert.InRange(f, 0.0, 1.0));
        Assert.Equal(1.0, seen.Fractions[^1]);
        Assert.True(seen.Fractions[0] < 1, "the first report comes before the scan is done");
    }

    [Fact]
    public async Task Stats_OnAnEmptyStore_EndAtOne()
    {
        var seen = new Recorder();
        await DataStatistics.ComputeAsync(TestEnvironment.NewFolderStore(), seen, TestContext.Current.CancellationToken);
        Assert.Equal([1.0], seen.Fractions);
    }

    /// <summary>Records on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Recorder : IProgress<double>
    {
        public List<double> Fractions { get; } = [];
        public void Report(double value) => Fractions.Add(value);
    }
}
