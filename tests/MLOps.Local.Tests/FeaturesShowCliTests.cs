using System.Text.Json;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops features show SNAPSHOT [--user ID]</c>: the lineage of a snapshot (which event batches it covers, fully or in
/// part, and its catalogue copy) and a user's features as of its cutoff. Before it, no verb named a given snapshot's
/// batches, and a feature value as of a time could not be read from the CLI at all.
/// </summary>
public class FeaturesShowCliTests
{
    [Fact]
    public async Task Show_ListsTheBatchesItCovers_AndAUsersFeaturesSeeNothingAtOrAfterTheCutoff()
    {
        var work = TestEnvironment.NewTempFolder("features-show");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", Path.Combine(work, "store")]);
        // u1: two plays before the cutoff (12:00 on 2 May), one at it and one after it on the same day, one on 3 May.
        await File.WriteAllTextAsync(Path.Combine(work, "e.csv"), "userId,contentId,timestamp,rating\n"
            + "u1,m1,2024-05-01T10:00:00Z,4\nu1,m2,2024-05-02T09:00:00Z,5\nu1,m3,2024-05-02T12:00:00Z,3\nu1,m4,2024-05-02T13:00:00Z,3\n"
            + "u1,m5,2024-05-03T10:00:00Z,2\nu2,m2,2024-05-03T10:00:00Z,5\n");
        var import = await Mlops("import", "events", "e.csv");
        Assert.True(import.ExitCode == 0, import.ToString());
        var refresh = await Mlops("features", "refresh", "--cutoff", "2024-05-02T12:00:00Z", "--json");
        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        var id = refresh.Json().GetProperty("snapshotId").GetString()!;

        var show = await Mlops("features", "show", id, "--user", "u1", "--json");

        Assert.True(show.ExitCode == 0, show.ToString());
        var root = show.Json();
        var watermark = root.GetProperty("manifest").GetProperty("watermark");
        Assert.Single(watermark.GetProperty("batches").EnumerateArray(), b => b.GetProperty("path").GetString()!.Contains("dt=2024-05-01", StringComparison.Ordinal));
        var partial = Assert.Single(watermark.GetProperty("partialBatches").EnumerateArray());
        Assert.Contains("dt=2024-05-02", partial.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("dt=2024-05-03", show.StdOut, StringComparison.Ordinal); // a later day is not read at all
        var u1 = root.GetProperty("user");
        Assert.Equal(2, u1.GetProperty("eventsTotal").GetInt64()); // 10:00 on 1 May and 09:00 on 2 May; 12:00 is the cutoff itself
        Assert.Equal(3.0 / 24, u1.GetProperty("daysSinceLast").GetDouble(), 9);

        var human = await Mlops("features", "show", id);
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("1 covered, 1 partly", human.StdOut, StringComparison.Ordinal);

        var unknownUser = await Mlops("features", "show", id, "--user", "u2");
        Assert.Equal(2, unknownUser.ExitCode);
        Assert.Contains("user 'u2' has no features in " + id, unknownUser.StdErr, StringComparison.Ordinal);
        var unknownSnapshot = await Mlops("features", "show", "fs-nope");
        Assert.Equal(2, unknownSnapshot.ExitCode);
        Assert.Contains("no feature snapshot 'fs-nope'", unknownSnapshot.StdErr, StringComparison.Ordinal);
    }
}
