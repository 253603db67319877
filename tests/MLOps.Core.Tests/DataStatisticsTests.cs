using MLOps.Core.Ingest;
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
}
