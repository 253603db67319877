using System.Text.Json;
using MLOps.Core.Tests;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>The data verbs through the real executable: exit codes, --json shapes, one clear error line.</summary>
public class DataCliTests
{
    private static string Work() => TestEnvironment.NewTempFolder("cli");

    [Fact]
    public async Task ImportEvents_BadRows_Exit0_JsonCountsAndReasons_ReimportIsNoOp()
    {
        var work = Work();
        var file = Path.Combine(work, "events.csv");
        BadInputFixture.Write(file);

        var run = await CliRunner.RunAsync(work, "import", "events", file, "--rating-scale", "1..5/1", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(900, json.GetProperty("accepted").GetInt64());
        Assert.Equal(100, json.GetProperty("quarantined").GetInt64());
        var batch = json.GetProperty("batch").GetString();
        Assert.False(string.IsNullOrEmpty(batch));
        Assert.Equal(10, json.GetProperty("reasons").EnumerateObject().Count());
        Assert.True(Directory.Exists(Path.Combine(work, ".mlops", "quarantine")), "default store is .mlops in the current directory");

        var again = await CliRunner.RunAsync(work, "import", "events", file, "--rating-scale", "1..5/1", "--json");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(batch, again.Json().GetProperty("batch").GetString());
        Assert.True(again.Json().GetProperty("alreadyImported").GetBoolean());
        Assert.Equal(900, again.Json().GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task ImportEvents_HumanOutput_PrintsBothCounts()
    {
        var work = Work();
        var file = Path.Combine(work, "events.csv");
        BadInputFixture.Write(file);
        var run = await CliRunner.RunAsync(work, "import", "events", file, "--store", Path.Combine(work, "s"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("900 accepted, 100 quarantined of 1,000 rows", run.StdOut);

        // data stats' time range says its zone, as every other time shown.
        var stats = await CliRunner.RunAsync(work, new Dictionary<string, string> { ["COLUMNS"] = "200" }, "data", "stats", "--store", Path.Combine(work, "s"));
        Assert.True(stats.ExitCode == 0, stats.ToString());
        Assert.Matches(@"from\s*│\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", stats.StdOut);
    }

    [Fact]
    public async Task ImportEvents_SemicolonDelimiter_ReadsEveryColumn()
    {
        var work = Work();
        var file = Path.Combine(work, "events.txt");
        File.WriteAllText(file, "userId;contentId;timestamp;rating\nu1;c1;1700000000;4\nu2;c2;1700000100;3\nu3;c1;1700000200;\n");
        var run = await CliRunner.RunAsync(work, "import", "events", file, "--delimiter", "semicolon", "--rating-scale", "1..5/1", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(3, run.Json().GetProperty("accepted").GetInt64());
        Assert.Equal(0, run.Json().GetProperty("quarantined").GetInt64());
        // Without the option the header is one column: the file is refused as a whole, naming what is missing.
        var wrong = await CliRunner.RunAsync(work, "import", "events", file, "--store", Path.Combine(work, "other"), "--json");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("no user column", wrong.StdErr, StringComparison.Ordinal);
        Assert.Contains("try --delimiter semicolon", wrong.StdErr, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>import catalog</c> takes <c>--delimiter</c> as <c>import events</c> does (it had none): the same values, the same
    /// refusals word for word, and the same hint when a file is read with the wrong one.
    /// </summary>
    [Fact]
    public async Task ImportCatalog_Delimiter_ReadsAsImportEventsDoes()
    {
        var work = Work();
        File.WriteAllText(Path.Combine(work, "c.csv"), "contentId;title;genres\nm1;Heat, the film;Crime|Drama\nm2;Up;Animation\n");
        File.WriteAllText(Path.Combine(work, "c.ndjson"), "{\"contentId\":\"m1\",\"title\":\"Heat\"}\n");

        var run = await CliRunner.RunAsync(work, "import", "catalog", "c.csv", "--delimiter", "semicolon", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal((2, 0), (run.Json().GetProperty("accepted").GetInt64(), run.Json().GetProperty("quarantined").GetInt64()));
        var wrong = await CliRunner.RunAsync(work, "import", "catalog", "c.csv", "--store", "other");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("try --delimiter semicolon", wrong.StdErr, StringComparison.Ordinal);

        foreach (var args in new[] { new[] { "c.csv", "--delimiter", "ab" }, ["c.ndjson", "--delimiter", "pipe"] })
        {
            var events = await CliRunner.RunAsync(work, ["import", "events", .. args, "--store", "refused"]);
            var catalog = await CliRunner.RunAsync(work, ["import", "catalog", .. args, "--store", "refused"]);
            Assert.True(catalog.ExitCode == 2, catalog.ToString());
            Assert.StartsWith("error: --delimiter ", catalog.StdErr, StringComparison.Ordinal);
            Assert.Equal((events.ExitCode, events.StdErr), (catalog.ExitCode, catalog.StdErr));
        }
    }

    [Theory]
    [InlineData("import", "events", "missing.csv")]
    [InlineData("import", "movielens-100k", "no-such-dir")]
    [InlineData("import", "events", "events.csv", "--map", "colour=3")]
    [InlineData("import", "events", "events.csv", "--map", "user=nope")]
    [InlineData("import", "events", "events.csv", "--format", "xml")]
    [InlineData("import", "events", "events.csv", "--rating-scale", "five")]
    [InlineData("import", "events", "events.csv", "--delimiter", "ab")]
    [InlineData("import", "events", "events.csv", "--map", "user=userId,user=contentId")]
    [InlineData("benchmark", "recsys", "--dataset", "movielens-100k", "--path", ".", "--models", ",")]
    [InlineData("generate", "--out", "g", "--drift", "meteor:from=2")]
    [InlineData("generate", "--out", "g", "--days", "0")]
    [InlineData("generate", "--out", "g", "--drift", "genre-surge:genre=Opera,from=1")]
    [InlineData("demo", "--data", "no-such-dir")]
    [InlineData("import", "nonsense")]
    [InlineData("data", "stats", "--bogus")]
    public async Task BadInput_Exit2_OneClearErrorLine_NothingOnStdout(params string[] args)
    {
        var work = Work();
        File.WriteAllText(Path.Combine(work, "events.csv"), "userId,contentId,timestamp\nu1,c1,1700000000\n");
        var run = await CliRunner.RunAsync(work, [.. args, "--json"]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("", run.StdOut);
        Assert.StartsWith("error:", Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task StoreThatCannotBeCreated_Exit2_NamesIt()
    {
        var work = Work();
        var blocker = Path.Combine(work, "file");
        File.WriteAllText(blocker, "not a folder");
        var run = await CliRunner.RunAsync(work, "data", "stats", "--store", Path.Combine(blocker, "store"), "--json");
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("", run.StdOut);
        Assert.Contains("file/store", Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task CorruptCatalogue_Exit1_OneFailedLine()
    {
        var work = Work();
        Directory.CreateDirectory(Path.Combine(work, ".mlops", "catalog"));
        File.WriteAllText(Path.Combine(work, ".mlops", "catalog", "current.ndjson"), "{broken\n");
        var run = await CliRunner.RunAsync(work, "data", "stats", "--json");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("", run.StdOut);
        Assert.StartsWith("failed:", Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task GenerateImportStats_EndToEnd_JsonShapes()
    {
        var work = Work();
        var gen = await CliRunner.RunAsync(work, "generate", "--out", "data", "--users", "200", "--items", "100", "--events", "5000", "--days", "20", "--seed", "3",
            "--drift", "genre-surge:genre=Horror,factor=4,from=10", "--json");
        Assert.True(gen.ExitCode == 0, gen.ToString());
        Assert.Equal(5000, gen.Json().GetProperty("events").GetInt64());
        Assert.Equal(3, gen.Json().GetProperty("seed").GetInt64());

        var catalog = await CliRunner.RunAsync(work, "import", "catalog", Path.Combine("data", "catalog.ndjson"), "--json");
        Assert.True(catalog.ExitCode == 0, catalog.ToString());
        Assert.Equal((100, 0), (catalog.Json().GetProperty("accepted").GetInt64(), catalog.Json().GetProperty("quarantined").GetInt64()));

        var events = await CliRunner.RunAsync(work, "import", "events", Path.Combine("data", "events.csv"), "--json");
        Assert.True(events.ExitCode == 0, events.ToString());
        Assert.Equal((5000, 0), (events.Json().GetProperty("accepted").GetInt64(), events.Json().GetProperty("quarantined").GetInt64()));

        var stats = await CliRunner.RunAsync(work, "data", "stats", "--json");
        Assert.True(stats.ExitCode == 0, stats.ToString());
        var s = stats.Json();
        Assert.Equal(5000, s.GetProperty("events").GetInt64());
        Assert.Equal(100, s.GetProperty("catalogItems").GetInt32());
        Assert.Equal(20, s.GetProperty("days").GetInt32());
        Assert.Equal(s.GetProperty("rated").GetInt64(), s.GetProperty("ratingHistogram").EnumerateObject().Sum(p => p.Value.GetInt64()));
        Assert.Equal(JsonValueKind.Object, s.GetProperty("quarantineReasons").ValueKind);
    }

    [Fact]
    public async Task ImportEvents_NdjsonAndHeaderlessTsvWithMap()
    {
        var work = Work();
        File.WriteAllText(Path.Combine(work, "e.ndjson"),
            "{\"user\":\"u1\",\"item\":\"c1\",\"ts\":\"2024-01-01T10:00:00Z\",\"rating\":4}\n{\"user\":\"u2\",\"item\":\"c1\",\"ts\":1704103200}\nnot json\n");
        var nd = await CliRunner.RunAsync(work, "import", "events", "e.ndjson", "--json");
        Assert.True(nd.ExitCode == 0, nd.ToString());
        Assert.Equal((2, 1), (nd.Json().GetProperty("accepted").GetInt64(), nd.Json().GetProperty("quarantined").GetInt64()));

        File.WriteAllText(Path.Combine(work, "e.tsv"), "1704103200\tu9\tc9\t3\n1704103201\tu9\tc8\t9\n");
        var tsv = await CliRunner.RunAsync(work, "import", "events", "e.tsv", "--no-header", "--map", "timestamp=0,user=1,item=2,rating=3", "--json");
        Assert.True(tsv.ExitCode == 0, tsv.ToString());
        Assert.Equal((1, 1), (tsv.Json().GetProperty("accepted").GetInt64(), tsv.Json().GetProperty("quarantined").GetInt64()));
        Assert.Equal(1, tsv.Json().GetProperty("reasons").GetProperty("rating:out_of_scale").GetInt64());
    }

    [Fact]
    public async Task ImportMovieLens100k_Json_100000Accepted()
    {
        var dir = TestEnvironment.DatasetPath("ml-100k");
        if (dir is null) Assert.Skip("../shared/data/ml-100k is absent: skipping the CLI MovieLens import test.");
        var run = await CliRunner.RunAsync(Work(), "import", "movielens-100k", dir, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(100_000, json.GetProperty("accepted").GetInt64());
        Assert.Equal(0, json.GetProperty("quarantined").GetInt64());
        Assert.Equal(1682, json.GetProperty("catalog").GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Demo_GeneratedData_NoServe_RunsStepsAndReportsStats()
    {
        var work = Work();
        var gen = await CliRunner.RunAsync(work, "generate", "--out", "data", "--users", "100", "--items", "80", "--events", "3000", "--days", "10");
        Assert.Equal(0, gen.ExitCode);
        var run = await CliRunner.RunAsync(work, "demo", "--data", "data", "--no-serve", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(["data", "stats"], json.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()).Take(2));
        Assert.Equal(3000, json.GetProperty("data").GetProperty("accepted").GetInt64());
        Assert.Equal(3000, json.GetProperty("stats").GetProperty("events").GetInt64());
    }

    [Fact]
    public async Task Demo_OnTheFolderAboveTheDatasets_NamesTheDatasetsInside()
    {
        var work = Work();
        Directory.CreateDirectory(Path.Combine(work, "data", "ml-100k"));
        File.WriteAllText(Path.Combine(work, "data", "ml-100k", "u.data"), "1\t1\t5\t881250949\n");
        Directory.CreateDirectory(Path.Combine(work, "data", "notes"));

        var run = await CliRunner.RunAsync(work, "demo", "--data", "data", "--no-serve", "--store", "store");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"datasets inside it: ml-100k (e.g. --data {Path.Combine("data", "ml-100k")})", run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchmarkIngest_SmallRun_PrintsRowsPerSecond()
    {
        var run = await CliRunner.RunAsync(Work(), "benchmark", "ingest", "--rows", "20000", "--days", "5", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(20_000, json.GetProperty("rows").GetInt64());
        Assert.Equal(20_000, json.GetProperty("accepted").GetInt64());
        Assert.True(json.GetProperty("rowsPerSecond").GetDouble() > 0);
    }
}
