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
        Assert.Contains("is empty: no play or rating before its cutoff 2024-04-01 00:00:00Z", early.StdErr, StringComparison.Ordinal);
        var later = await Mlops("features", "refresh", "--cutoff", "2024-06-01T00:00:00Z");
        Assert.True(later.ExitCode == 0, later.ToString());
        Assert.DoesNotContain("warning", later.StdErr, StringComparison.Ordinal);
    }
}
