using MLOps.Registry;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops pipeline purge</c> deletes the artifact of an old refused version no alias ever named (every run registers
/// its best candidate, and nothing deleted versions); <c>models show</c> then says so, and <c>models promote</c> refuses it.
/// </summary>
public class ArtifactPurgeCliTests
{
    [Fact]
    public async Task PipelinePurge_PurgesARefusedVersionsArtifact_ShowSaysSo_PromoteRefusesNamingReproduce()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = TestEnvironment.NewTempFolder("artifact-purge-cli");
        var registry = new ModelRegistry(new MLOps.Storage.FolderBlobStore(Path.Combine(work, "store")));
        foreach (var bytes in new[] { "champion", "refused-1234" })
            await registry.RegisterAsync("recommender", new ModelVersionDraft { Type = "ease" },
                new Dictionary<string, BinaryData> { ["model.mlrc"] = BinaryData.FromString(bytes) }, ct);
        await registry.PromoteAsync("recommender", 1, new PromoteRequest { By = "pipeline", Force = true }, ct);
        await registry.EvaluateAsync("recommender", 2, new ModelComparison
        {
            ChampionVersion = 1, Champion = 0.14, Challenger = 0.13, DifferenceLower = -0.02, DifferenceUpper = -0.005, Users = 10,
        }, cancellationToken: ct);

        var purge = await CliRunner.RunAsync(work, "pipeline", "purge", "--older-than-days", "0", "--store", "store");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.Contains("artifacts of 1 model version(s) purged, 12 bytes freed", purge.StdOut, StringComparison.Ordinal);

        var show = await CliRunner.RunAsync(work, "models", "show", "2", "--store", "store");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("(rebuild with models reproduce 2)", show.StdOut, StringComparison.Ordinal);
        Assert.Contains("artifact purged on", show.StdOut, StringComparison.Ordinal);

        var promote = await CliRunner.RunAsync(work, "models", "promote", "2", "--force", "--reason", "try", "--store", "store");
        Assert.Equal(2, promote.ExitCode);
        Assert.Contains("mlops models reproduce 2", promote.StdErr, StringComparison.Ordinal);
        Assert.Equal(1, (await registry.GetAliasAsync("recommender", ModelAliases.Champion, ct))!.Record.Version);
        Assert.NotNull(await registry.ReadArtifactAsync("recommender", 1, "model.mlrc", ct));
    }
}
