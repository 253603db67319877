using System.Text.Json;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary><c>mlops demo</c> through the real executable on a small generated dataset: every step runs, the pipeline promotes.</summary>
public class DemoCliTests
{
    [Fact]
    public async Task Demo_GeneratedData_NoServe_RunsDataStatsPipeline_PromotesFirstChampion_SkipsServe()
    {
        var work = TestEnvironment.NewTempFolder("demo");
        var generated = await CliRunner.RunAsync(work, "generate", "--out", "gen", "--users", "150", "--items", "80",
            "--events", "4000", "--days", "20", "--seed", "5", "--json");
        Assert.True(generated.ExitCode == 0, generated.ToString());

        var run = await CliRunner.RunAsync(work, "demo", "--data", "gen", "--no-serve", "--store", "store", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(["data", "stats", "pipeline", "serve"],
            json.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToArray());
        Assert.True(json.GetProperty("data").GetProperty("events").GetProperty("accepted").GetInt64() > 0, run.ToString());
        var pipeline = json.GetProperty("pipeline");
        Assert.Equal("completed", pipeline.GetProperty("runtimeStatus").GetString(), ignoreCase: true);
        var decision = pipeline.GetProperty("output").GetProperty("decision");
        Assert.Equal("promoted", decision.GetProperty("outcome").GetString());
        Assert.Equal(1, decision.GetProperty("version").GetInt32());
        Assert.True(decision.GetProperty("aliasChanged").GetBoolean());
        Assert.True(json.GetProperty("serve").GetProperty("skipped").GetBoolean());
        // The store the demo leaves behind holds that champion.
        Assert.Contains("\"version\":1", File.ReadAllText(Path.Combine(work, "store", "models", "recommender", "aliases", "champion")), StringComparison.Ordinal);
    }
}
