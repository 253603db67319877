using MLOps.Tests;

namespace MLOps.Local.Tests;

public class FeaturesRefreshCliTests
{
    /// <summary>A cutoff before the first event builds an empty snapshot: valid, but it said nothing (exit 0, no word on stderr).</summary>
    [Fact]
    public async Task Refresh_BeforeTheFirstEvent_WarnsThatTheSnapshotIsEmpty()
    {
        var work = TestEnvironment.NewTempFolder("features-empty");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", Path.Combine(work, "store")]);
        await File.WriteAllTextAsync(Path.Combine(work, "e.csv"), "userId,contentId,timestamp,rating\nu1,m1,2024-05-01T10:00:00Z,4\n");
        Assert.Equal(0, (await Mlops("import", "events", "e.csv")).ExitCode);

        var early = await Mlops("features", "refresh", "--cutoff", "2024-04-01T00:00:00Z", "--json");

        Assert.True(early.ExitCode == 0, early.ToString());
        Assert.Equal(0, early.Json().GetProperty("eventsUsed").GetInt64());
        // Names the first event, in the pipeline's refresh step's words (it pointed to `mlops data stats`).
        Assert.Contains("is empty: the store holds no events before the snapshot's cutoff 2024-04-01 00:00:00Z: the first event is at 2024-05-01 10:00:00Z",
            early.StdErr, StringComparison.Ordinal);
        var later = await Mlops("features", "refresh", "--cutoff", "2024-06-01T00:00:00Z");
        Assert.True(later.ExitCode == 0, later.ToString());
        Assert.DoesNotContain("warning", later.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Events before the cutoff that are neither plays nor ratings: the warning says so, naming the first.</summary>
    [Fact]
    public async Task Refresh_WithOnlyOtherEventTypesBeforeTheCutoff_WarnsNamingTheFirst()
    {
        var work = TestEnvironment.NewTempFolder("features-other-types");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", Path.Combine(work, "store")]);
        await File.WriteAllTextAsync(Path.Combine(work, "e.csv"),
            "userId,contentId,timestamp,eventType,rating\nu1,m1,2024-03-01T08:00:00Z,impression,\nu1,m1,2024-05-01T10:00:00Z,rate,4\n");
        var import = await Mlops("import", "events", "e.csv");
        Assert.True(import.ExitCode == 0, import.ToString());

        var early = await Mlops("features", "refresh", "--cutoff", "2024-04-01T00:00:00Z");

        Assert.True(early.ExitCode == 0, early.ToString());
        Assert.Contains("is empty: the store holds no play or rating before the snapshot's cutoff 2024-04-01 00:00:00Z: the events before it (the first at 2024-03-01 08:00:00Z) are of other types",
            early.StdErr, StringComparison.Ordinal);
    }
}
