using MLOps.Registry;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops models list</c> says which version is champion, since when, by which change, who approved it and why (the table
/// named the champion only), and <c>models rollback --if-champion N</c> keeps a second engineer's rollback of the same bad
/// version from undoing the first (a rollback swaps champion and previous: v2 → v1 → v2, both exit 0).
/// </summary>
public class ChampionOnCallCliTests
{
    [Fact]
    public async Task ModelsList_NamesTheChampionsChange_AndASecondGuardedRollbackIsAConflict()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = TestEnvironment.NewTempFolder("champion-oncall");
        var store = new MLOps.Storage.FolderBlobStore(Path.Combine(work, "store"));
        var registry = new ModelRegistry(store);
        foreach (var type in new[] { "ials", "ease" })
            await registry.RegisterAsync("recommender", new ModelVersionDraft { Type = type }, new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes([1]) }, ct);
        await registry.PromoteAsync("recommender", 1, new PromoteRequest { By = "pipeline", Force = true, Reason = "first model" }, ct);
        await registry.PromoteAsync("recommender", 2, new PromoteRequest { By = "pipeline", Force = true, ApprovedBy = "alice", Reason = "nDCG@10 +0.014" }, ct);
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", "store"]);

        var list = await Mlops("models", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"champion: v2 \(ease\) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, promote \(forced\) by pipeline, approved by alice \(audit #2\): nDCG@10 \+0\.014", list.StdOut);
        Assert.Contains("`mlops models rollback --if-champion 2` would restore v1", list.StdOut, StringComparison.Ordinal);

        var ana = await Mlops("models", "rollback", "--if-champion", "2", "--reason", "CTR down");
        Assert.True(ana.ExitCode == 0, ana.ToString());
        Assert.Contains("champion v2 -> v1", ana.StdOut, StringComparison.Ordinal);
        Assert.Contains("undo with `mlops models rollback --if-champion 1`", ana.StdOut, StringComparison.Ordinal);

        var ben = await Mlops("models", "rollback", "--if-champion", "2", "--reason", "CTR down");
        Assert.Equal(1, ben.ExitCode);
        Assert.Contains("conflict: the champion of 'recommender' is v1, not v2: rollback by", ben.StdErr, StringComparison.Ordinal);
        Assert.Contains("(\"CTR down\") (audit #3); nothing rolled back", ben.StdErr, StringComparison.Ordinal);

        var json = await Mlops("models", "list", "--json");
        var champion = json.Json().GetProperty("aliases").GetProperty("champion");
        Assert.Equal(1, champion.GetProperty("version").GetInt32());
        Assert.Equal("rollback", champion.GetProperty("action").GetString());
        Assert.Equal("CTR down", champion.GetProperty("reason").GetString());

        var bad = await Mlops("models", "rollback", "--if-champion", "0");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--if-champion must be a version number", bad.StdErr, StringComparison.Ordinal);
    }
}
