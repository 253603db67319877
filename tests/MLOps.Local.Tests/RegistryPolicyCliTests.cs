using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>The CLI reads the hosts' "Registry" settings from the environment, so its promotions meet the same policy.</summary>
public class RegistryPolicyCliTests
{
    [Fact]
    public async Task Promote_UnderAPolicyRequiringApproval_NeedsApprove_EvenWithEvidenceStoredBefore()
    {
        var work = TestEnvironment.NewTempFolder("policy-cli");
        var store = Path.Combine(work, "store");
        var registry = new ModelRegistry(new FolderBlobStore(store));
        for (var v = 1; v <= 2; v++)
            await registry.RegisterAsync("recommender", new ModelVersionDraft { Type = "ease", TrainingSnapshotId = "fs-test" },
                new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes(new byte[8]) });
        await registry.PromoteAsync("recommender", 1, new PromoteRequest { By = "setup", Force = true });
        await registry.EvaluateAsync("recommender", 2, new ModelComparison { ChampionVersion = 1, Champion = 0.30, Challenger = 0.33, DifferenceLower = 0.01, DifferenceUpper = 0.05 });
        var policy = new Dictionary<string, string> { ["Registry__Policy__RequireApproval"] = "true" };

        var refused = await CliRunner.RunAsync(work, policy, "models", "promote", "2", "--store", store);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("requires a person's approval", refused.StdErr, StringComparison.Ordinal);

        var approved = await CliRunner.RunAsync(work, policy, "models", "promote", "2", "--approve", "--store", store, "--json");
        Assert.True(approved.ExitCode == 0, approved.ToString());
        Assert.Equal(2, approved.Json().GetProperty("entry").GetProperty("to").GetInt32());

        var bad = await CliRunner.RunAsync(work, new Dictionary<string, string> { ["Registry__Policy__RequireApproval"] = "maybe" }, "models", "list", "--store", store);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("error: a Registry__… environment setting is invalid", bad.StdErr, StringComparison.Ordinal);
    }
}
