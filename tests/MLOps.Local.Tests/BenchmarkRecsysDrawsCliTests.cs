using System.Text.RegularExpressions;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary><c>benchmark recsys --draws</c> through the real executable, on a small synthetic ML-100k-shaped folder.</summary>
public class BenchmarkRecsysDrawsCliTests
{
    private static readonly string[] TodaysKeys =
        ["dataset", "protocol", "k", "seed", "users", "items", "trainInteractions", "testInteractions", "totalSeconds", "results"];

    /// <summary>u.data and u.item for 60 users in 3 taste groups over 30 items (each user rates about half of their group's items).</summary>
    private static string TinyMovieLens()
    {
        var folder = TestEnvironment.NewTempFolder("cli-recsys-draws");
        var random = new Random(5);
        var ratings = new List<string>();
        var t = 880_000_000L;
        for (var u = 1; u <= 60; u++)
            for (var i = 1; i <= 30; i++)
                if (random.NextDouble() < (i % 3 == u % 3 ? 0.5 : 0.03)) ratings.Add($"{u}\t{i}\t4\t{t++}");
        File.WriteAllLines(Path.Combine(folder, "u.data"), ratings);
        File.WriteAllLines(Path.Combine(folder, "u.item"),
            Enumerable.Range(1, 30).Select(i => $"{i}|Title {i}|01-Jan-1995||http://x|" + string.Join('|', Enumerable.Range(0, 19).Select(g => g == i % 19 ? "1" : "0"))));
        return folder;
    }

    private static Task<CliRunner.Run> Benchmark(string folder, params string[] extra) =>
        CliRunner.RunAsync(folder, ["benchmark", "recsys", "--dataset", "movielens-100k", "--path", folder, "--models", "popularity,sar", "--no-tune", "--k", "5", .. extra]);

    [Theory]
    [InlineData("--draws must be at least 1, not 0.", "--draws", "0")]
    [InlineData("--draws must be at most 50, not 51", "--draws", "51")]
    [InlineData("--draws 2 needs a randomly drawn split (--protocol recommenders or recommenders-user); 'chronological' has a single split.", "--draws", "2", "--protocol", "chronological")]
    [InlineData("--draws 8 needs a randomly drawn split (--protocol recommenders or recommenders-user); 'leave-last-out' has a single split.", "--draws", "8", "--protocol", "leave-last-out")]
    public async Task DrawsThatCannotRun_Exit2_OneLineNamingDraws_BeforeLoading(string message, params string[] options)
    {
        // An empty folder: had the refusal come after loading, the message would be the missing u.data.
        var work = TestEnvironment.NewTempFolder("cli-recsys-draws");
        var run = await CliRunner.RunAsync(work, ["benchmark", "recsys", "--dataset", "movielens-100k", "--path", work, .. options, "--json"]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"error: {message}", run.StdErr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', run.StdErr.Trim());
        Assert.True(string.IsNullOrWhiteSpace(run.StdOut), run.ToString());
    }

    [Fact]
    public async Task OneDraw_IsTodaysRun_SameKeysAndFigures_SameTable()
    {
        var folder = TinyMovieLens();
        var today = await Benchmark(folder, "--json");
        var one = await Benchmark(folder, "--draws", "1", "--json");
        Assert.True(today.ExitCode == 0 && one.ExitCode == 0, $"{today}\n{one}");
        Assert.Equal(TodaysKeys, one.Json().EnumerateObject().Select(p => p.Name));
        Assert.Equal(WithoutSeconds(today.StdOut), WithoutSeconds(one.StdOut));
        Assert.DoesNotContain("draw 1/1", one.StdErr, StringComparison.Ordinal);

        var todayTable = await Benchmark(folder);
        var oneTable = await Benchmark(folder, "--draws", "1");
        Assert.Equal(WithoutSeconds(todayTable.StdOut), WithoutSeconds(oneTable.StdOut));
        Assert.Contains("sar", oneTable.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoDraws_Json_KeepsTodaysKeys_AddsDrawsAndTheirSummary()
    {
        var folder = TinyMovieLens();
        var run = await Benchmark(folder, "--draws", "2", "--seed", "42", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal([.. TodaysKeys, "draws", "summary"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(42, json.GetProperty("seed").GetInt32());
        var draws = json.GetProperty("draws").EnumerateArray().ToArray();
        Assert.Equal([42, 43], draws.Select(d => d.GetProperty("splitSeed").GetInt32()));
        Assert.True(System.Text.Json.JsonElement.DeepEquals(draws[0].GetProperty("results"), json.GetProperty("results")), "results are the first draw's");
        Assert.Equal(draws[0].GetProperty("trainInteractions").GetInt32(), json.GetProperty("trainInteractions").GetInt32());
        var summary = json.GetProperty("summary").EnumerateArray().ToArray();
        Assert.Equal(["popularity", "sar"], summary.Select(s => s.GetProperty("model").GetString()));
        for (var m = 0; m < 2; m++)
        {
            Assert.Equal(0, summary[m].GetProperty("failed_draws").GetInt32());
            foreach (var key in new[] { "ndcg@5", "precision@5", "recall@5", "map", "map@5", "coverage", "hit_rate@5", "mrr@5", "novelty", "diversity", "popularity_bias" })
            {
                var values = draws.Select(d => d.GetProperty("results")[m].GetProperty(key).GetDouble()).ToArray();
                var stats = summary[m].GetProperty(key); // each figure rounded to 6 decimals: equal within 2e-6
                Assert.Equal(values.Average(), stats.GetProperty("mean").GetDouble(), tolerance: 2e-6);
                Assert.Equal(Math.Abs(values[0] - values[1]) / Math.Sqrt(2), stats.GetProperty("sd").GetDouble(), tolerance: 2e-6);
                Assert.Equal(values.Min(), stats.GetProperty("min").GetDouble(), tolerance: 2e-6);
                Assert.Equal(values.Max(), stats.GetProperty("max").GetDouble(), tolerance: 2e-6);
            }
            Assert.False(summary[m].TryGetProperty("train_seconds", out _), "timings are no metric");
        }
        Assert.Contains("draw 2/2 (split seed 43)", run.StdErr, StringComparison.Ordinal);
        Assert.StartsWith("done: 2 draws of 2 models in ", run.StdErr.Trim().Split('\n')[^1], StringComparison.Ordinal);

        var table = await Benchmark(folder, "--draws", "2");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("2 draws (split seeds 42–43)", table.StdOut, StringComparison.Ordinal);
        Assert.Contains("nDCG@5 mean ± sd", table.StdOut, StringComparison.Ordinal);
    }

    /// <summary>The document with every wall-clock figure (keys ending in "seconds"/"Seconds") blanked; the table with times blanked.</summary>
    private static string WithoutSeconds(string output) =>
        output.TrimStart().StartsWith('{')
            ? Regex.Replace(output, "(\"\\w*[sS]econds\": )[0-9.E+-]+", "$1#")
            : Regex.Replace(output, @"\b\d+\.\d{1,2}\b", "#");
}
