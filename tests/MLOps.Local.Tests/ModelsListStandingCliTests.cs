using MLOps.Registry;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops models list</c> says where each version stands: the aliases on it, or refused with its decision's first reason,
/// or awaiting approval (the table showed aliases only, so a run that kept the champion left nothing to read).
/// </summary>
public class ModelsListStandingCliTests
{
    [Fact]
    public async Task ModelsList_ShowsEachVersionsStanding_InTheTableAndInJson()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = TestEnvironment.NewTempFolder("models-standing");
        var registry = new ModelRegistry(new MLOps.Storage.FolderBlobStore(Path.Combine(work, "store")));
        RunCandidate[] run = [new("sar(similarity=1)", 2.4, new() { ["ndcg@10"] = 0.1319 }), new("ease", 2.5, new() { ["ndcg@10"] = 0.13 })];
        for (var i = 0; i < 3; i++)
            await registry.RegisterAsync("recommender", new ModelVersionDraft { Type = "ease", RunCandidates = i == 1 ? run : null },
                new Dictionary<string, BinaryData> { ["model.mlrc"] = BinaryData.FromBytes([1]) }, ct);
        await registry.PromoteAsync("recommender", 1, new PromoteRequest { By = "pipeline", Force = true }, ct);
        ModelComparison Against(double challenger, double lower) => new()
        {
            ChampionVersion = 1, EvaluationWindow = "last 10", Champion = 0.14, Challenger = challenger, DifferenceLower = lower, DifferenceUpper = lower + 0.02, Users = 10,
        };
        await registry.EvaluateAsync("recommender", 2, Against(0.13, -0.02), cancellationToken: ct);
        await registry.EvaluateAsync("recommender", 3, Against(0.16, 0.01), new PromotionPolicyOptions { RequireApproval = true }, ct);

        var list = await CliRunner.RunAsync(work, "models", "list", "--store", "store");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("refused: ndcg@10 0.1300 does not beat the champion's 0.1400", list.StdOut, StringComparison.Ordinal);
        Assert.Contains("awaiting-approval", list.StdOut, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync(work, "models", "list", "--store", "store", "--json");
        var standings = json.Json().GetProperty("standings").EnumerateArray()
            .Select(s => (s.GetProperty("version").GetInt32(), s.GetProperty("standing").GetString(), s.TryGetProperty("reason", out var r) ? r.GetString() : null)).ToList();
        Assert.Equal([(1, "champion", null), (2, "refused", "ndcg@10 0.1300 does not beat the champion's 0.1400"), (3, "awaiting-approval", null)], standings);
        // Extended, not changed: the aliases are where they were.
        Assert.Equal(1, json.Json().GetProperty("aliases").GetProperty("champion").GetProperty("version").GetInt32());

        // The refused version's run: what else it trained, with figures (only its best was registered).
        var show = await CliRunner.RunAsync(work, "models", "show", "2", "--store", "store");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("sar(similarity=1): ndcg@10 0.1319, trained in 2.4 s", show.StdOut, StringComparison.Ordinal);
    }
}
