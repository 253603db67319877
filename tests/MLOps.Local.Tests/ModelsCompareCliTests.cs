using System.Text.Json;
using MLOps.Registry;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops models compare A B</c> puts two versions' recorded figures side by side with their intervals (a data scientist
/// had to run `models show` twice and diff by eye), says whether they were scored on the same window, and where the
/// metrics are defined.
/// </summary>
public class ModelsCompareCliTests
{
    [Fact]
    public async Task Compare_ShowsBothVersionsFiguresAndIntervals_AndTheDifference()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = TestEnvironment.NewTempFolder("models-compare");
        var registry = new ModelRegistry(new MLOps.Storage.FolderBlobStore(Path.Combine(work, "store")));
        var files = new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes([1]) };
        await registry.RegisterAsync("recommender", new ModelVersionDraft
        {
            Type = "popularity", EvaluationWindow = "last 10", TrainingSnapshotId = "fs-a", Seed = 42,
            Metrics = new() { ["ndcg@10"] = new(0.0793), ["coverage"] = new(0.0576) },
        }, files, ct);
        await registry.RegisterAsync("recommender", new ModelVersionDraft
        {
            Type = "ease", EvaluationWindow = "last 10", TrainingSnapshotId = "fs-a", Seed = 42,
            Metrics = new() { ["ndcg@10"] = new(0.1386, 0.1294, 0.1484), ["novelty"] = new(1.9249) },
        }, files, ct);
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", "store"]);

        var human = await Mlops("models", "compare", "1", "2");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("[0.1294, 0.1484]", human.StdOut, StringComparison.Ordinal);
        Assert.Contains("+0.0593", human.StdOut, StringComparison.Ordinal);
        Assert.Contains("both scored on the same held-out window: last 10", human.StdOut, StringComparison.Ordinal);
        Assert.Contains("docs/evaluation.md", human.StdOut, StringComparison.Ordinal);

        var json = await Mlops("models", "compare", "1", "2", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.StdOut);
        var metrics = doc.RootElement.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("metric").GetString()!);
        Assert.Equal(["coverage", "ndcg@10", "novelty"], metrics.Keys.Order(StringComparer.Ordinal));
        var ndcg = metrics["ndcg@10"];
        Assert.Equal(0.0593, ndcg.GetProperty("difference").GetDouble());
        Assert.Equal(0.1294, ndcg.GetProperty("b").GetProperty("lower").GetDouble());
        Assert.False(metrics["coverage"].TryGetProperty("b", out _)); // v2 recorded no coverage: left out, not 0
        Assert.True(doc.RootElement.GetProperty("sameWindow").GetBoolean());

        var unknown = await Mlops("models", "compare", "1", "7");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("error: model 'recommender' has no version 7", unknown.StdErr, StringComparison.Ordinal);
        // The four verbs check VERSION in one place (VersionArgument): `show 0` said "has no version 0", the others this.
        foreach (var args in new[] { new[] { "models", "show", "0" }, ["models", "compare", "0", "1"], ["models", "promote", "0"], ["models", "reproduce", "0"] })
        {
            var zero = await Mlops(args);
            Assert.True(zero.ExitCode == 2, zero.ToString());
            Assert.Contains("error: VERSION must be 1 or more, not 0", zero.StdErr, StringComparison.Ordinal);
        }
    }
}
