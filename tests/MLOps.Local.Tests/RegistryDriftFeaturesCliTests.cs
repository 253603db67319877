using System.Text.Json;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// The on-call verbs of DESIGN.md through the real executable, on a store the demo has filled: <c>models list|show|history|
/// promote|rollback</c>, <c>features status</c>, <c>drift check|alerts|report</c>, <c>pipeline approve</c> — their --json
/// shapes, and exit 2 with one line naming what is wrong.
/// </summary>
public class RegistryDriftFeaturesCliTests
{
    /// <summary>
    /// <c>models history --json</c> is <c>{model, entries, at, championAt}</c> as over HTTP (docs/registry.md: <c>{entries,
    /// championAt}</c>): "no champion at T" is <c>"championAt": null</c>. The CLI left null keys out, so the answer to
    /// <c>--at</c> before any promotion, the question on-call asks after an incident, was a missing key (found running
    /// <c>mlops models history --at 2000-01-01 --json</c> against the documented shape).
    /// </summary>
    [Fact]
    public async Task ModelsHistory_Json_AlwaysHasAtAndChampionAt_NullWhenNoChampion()
    {
        var work = TestEnvironment.NewTempFolder("history-json");
        var at = await CliRunner.RunAsync(work, "models", "history", "--at", "2000-01-01T00:00:00Z", "--store", "store", "--json");
        Assert.True(at.ExitCode == 0, at.ToString());
        Assert.True(at.Json().TryGetProperty("championAt", out var championAt), at.StdOut);
        Assert.Equal(JsonValueKind.Null, championAt.ValueKind);
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), at.Json().GetProperty("at").GetDateTimeOffset());

        var plain = await CliRunner.RunAsync(work, "models", "history", "--store", "store", "--json");
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal(JsonValueKind.Array, plain.Json().GetProperty("entries").ValueKind);
        Assert.Equal(JsonValueKind.Null, plain.Json().GetProperty("championAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, plain.Json().GetProperty("at").ValueKind);
    }

    /// <summary>Nothing registered yet: <c>models show</c> says how to get a version, as <c>models list</c> does (it said "has no champion; name a VERSION").</summary>
    [Fact]
    public async Task ModelsShow_NothingRegistered_SaysHowToRegisterAVersion()
    {
        var work = TestEnvironment.NewTempFolder("show-empty");
        var show = await CliRunner.RunAsync(work, "models", "show", "--store", "store");
        Assert.Equal(2, show.ExitCode);
        Assert.Contains("error: model 'recommender' has no versions yet: `mlops pipeline run --wait`", show.StdErr, StringComparison.Ordinal);
    }

    /// <summary>A time without an offset is UTC on every machine (it used to be read in the machine's zone), and a future cutoff is refused.</summary>
    [Fact]
    public async Task FeaturesRefresh_CutoffWithoutOffset_IsUtc_InAnyTimeZone_AndAFutureOneIsRefused()
    {
        var work = TestEnvironment.NewTempFolder("cutoff");
        await File.WriteAllTextAsync(Path.Combine(work, "e.csv"), "userId,contentId,timestamp\nu1,m1,2025-01-10T10:00:00Z\n", TestContext.Current.CancellationToken);
        Assert.Equal(0, (await CliRunner.RunAsync(work, "import", "events", "e.csv", "--store", "store")).ExitCode);
        var newYork = new Dictionary<string, string> { ["TZ"] = "America/New_York" };
        var run = await CliRunner.RunAsync(work, newYork, "features", "refresh", "--cutoff", "2025-01-20T00:00:00", "--store", "store", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(new DateTimeOffset(2025, 1, 20, 0, 0, 0, TimeSpan.Zero), run.Json().GetProperty("cutoff").GetDateTimeOffset());

        var future = await CliRunner.RunAsync(work, "features", "refresh", "--cutoff", DateTimeOffset.UtcNow.AddDays(2).ToString("O"), "--store", "store", "--json");
        Assert.True(future.ExitCode == 2, future.ToString());
        Assert.Contains("is in the future", future.StdErr, StringComparison.Ordinal);
        var bad = await CliRunner.RunAsync(work, "features", "refresh", "--cutoff", "tuesday", "--store", "store", "--json");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--cutoff 'tuesday' is not a date and time", bad.StdErr, StringComparison.Ordinal);
    }

    /// <summary>
    /// On a store without events <c>features refresh</c> says so and how to import some, exit 2, and writes no snapshot (it
    /// wrote one of 0 events, exit 0, which the pipeline's refresh step then fails on).
    /// </summary>
    [Fact]
    public async Task FeaturesRefresh_OnAStoreWithoutEvents_SaysHowToImportThem_Exit2_AndWritesNoSnapshot()
    {
        var work = TestEnvironment.NewTempFolder("features-empty");

        var run = await CliRunner.RunAsync(work, "features", "refresh", "--store", "store", "--json");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("", run.StdOut);
        Assert.Equal("error: the store holds no events to build features from: import some first (mlops import movielens-100k DIR, mlops import events FILE, or mlops demo).",
            run.StdErr.Trim());
        Assert.False(Directory.Exists(Path.Combine(work, "store", "features")), "no snapshot is written");
        var status = await CliRunner.RunAsync(work, "features", "status", "--store", "store");
        Assert.Contains("no feature snapshot yet", status.StdOut, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>features refresh</c> follows the hosts' FeatureStore settings from the environment (it used the defaults, so a
    /// manual refresh wrote a snapshot with another half-life than the pipeline's); another half-life is another snapshot.
    /// </summary>
    [Fact]
    public async Task FeaturesRefresh_ReadsTheFeatureStoreSettings_AndAnotherHalfLifeIsAnotherSnapshot()
    {
        var work = TestEnvironment.NewTempFolder("features-settings");
        await File.WriteAllTextAsync(Path.Combine(work, "e.csv"), "userId,contentId,timestamp\nu1,m1,2024-05-01T10:00:00Z\nu2,m2,2024-05-02T10:00:00Z\n", TestContext.Current.CancellationToken);
        Assert.Equal(0, (await CliRunner.RunAsync(work, "import", "events", "e.csv", "--store", "store")).ExitCode);
        async Task<(string Id, double HalfLife)> RefreshAsync(Dictionary<string, string> env)
        {
            var run = await CliRunner.RunAsync(work, env, "features", "refresh", "--cutoff", "2024-06-01T00:00:00Z", "--store", "store", "--json");
            Assert.True(run.ExitCode == 0, run.ToString());
            var id = run.Json().GetProperty("snapshotId").GetString()!;
            using var manifest = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(work, "store", "features", id, "manifest.json")));
            return (id, manifest.RootElement.GetProperty("decayHalfLifeDays").GetDouble());
        }

        var plain = await RefreshAsync(new() { ["FeatureStore__DecayHalfLifeDays"] = "7" });
        var prefixed = await RefreshAsync(new() { ["MLOPS_FeatureStore__DecayHalfLifeDays"] = "14" });
        var defaults = await RefreshAsync([]);

        Assert.Equal(7, plain.HalfLife);
        Assert.Equal(14, prefixed.HalfLife);
        Assert.Equal(30, defaults.HalfLife);
        Assert.Equal(3, new[] { plain.Id, prefixed.Id, defaults.Id }.Distinct().Count());
        var bad = await CliRunner.RunAsync(work, new Dictionary<string, string> { ["FeatureStore__DecayHalfLifeDays"] = "soon" }, "features", "refresh", "--store", "store");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("a FeatureStore__… environment setting is invalid", bad.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Before anything is trained, <c>models list</c> is an empty list with a hint (it was exit 2, "has no versions").</summary>
    [Fact]
    public async Task ModelsList_OnAFreshStore_IsEmpty_WithAHint()
    {
        var work = TestEnvironment.NewTempFolder("fresh-models");
        var json = await CliRunner.RunAsync(work, "models", "list", "--store", "store", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal("recommender", json.Json().GetProperty("model").GetString());
        Assert.Empty(json.Json().GetProperty("versions").EnumerateArray());
        var human = await CliRunner.RunAsync(work, "models", "list", "--store", "store");
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("has no versions yet", human.StdOut, StringComparison.Ordinal);
        Assert.Contains("pipeline run --wait", human.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnCallVerbs_AfterADemo_JsonShapes_AndClearErrors()
    {
        var work = TestEnvironment.NewTempFolder("oncall");
        await DemoCliTests.GeneratedDemoAsync(work);
        async Task<JsonElement> Json(params string[] args)
        {
            var run = await CliRunner.RunAsync(work, [.. args, "--store", "store", "--json"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            return run.Json();
        }
        async Task Refused(int exit, string message, params string[] args)
        {
            var run = await CliRunner.RunAsync(work, [.. args, "--store", "store", "--json"]);
            Assert.True(run.ExitCode == exit, run.ToString());
            Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
        }

        var list = await Json("models", "list");
        await Refused(2, "model 'recomender' has no versions; the store's models: recommender", "models", "list", "--model", "recomender");
        Assert.Equal(1, list.GetProperty("aliases").GetProperty("champion").GetProperty("version").GetInt32());
        Assert.Equal("ease", Assert.Single(list.GetProperty("versions").EnumerateArray()).GetProperty("type").GetString());
        // The table a person reads: the metric's interval "[lo, hi]" is text, not console markup.
        var table = await CliRunner.RunAsync(work, "models", "list", "--store", "store");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"0\.\d{4} \[0\.\d{4}, 0\.\d{4}\]", table.StdOut);
        var shown = await CliRunner.RunAsync(work, "models", "show", "--store", "store");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        // Key and value lines, not padded to the widest value (a Grid padded every line to ~400 characters).
        Assert.Contains("\nversion            1\n", shown.StdOut.Replace("\r", ""), StringComparison.Ordinal);
        Assert.DoesNotContain(shown.StdOut.Split('\n'), line => line.EndsWith(' '));
        var show = (await Json("models", "show")).GetProperty("manifest");
        Assert.Equal(1, show.GetProperty("version").GetInt32());
        Assert.InRange(show.GetProperty("metrics").GetProperty("ndcg@10").GetProperty("value").GetDouble(), 0.01, 1);
        // The demo's pipeline tunes: the version says what tuning searched (the parameters alone did not), and the table shows it.
        Assert.Contains("; tuned ", show.GetProperty("notes").GetString(), StringComparison.Ordinal);
        Assert.Contains("notes ", shown.StdOut, StringComparison.Ordinal);
        // The champion's promotion, then the "previous" alias following it (no version before v1).
        var history = (await Json("models", "history")).GetProperty("entries").EnumerateArray().ToArray();
        Assert.Equal(("champion", "promote", 1), (history[0].GetProperty("alias").GetString(), history[0].GetProperty("action").GetString(), history[0].GetProperty("to").GetInt32()));
        Assert.Equal(("previous", "set"), (history[1].GetProperty("alias").GetString(), history[1].GetProperty("action").GetString()));
        Assert.Equal(2, history.Length);

        var features = await Json("features", "status");
        Assert.False(string.IsNullOrEmpty(features.GetProperty("latestSnapshotId").GetString()));
        Assert.False(features.GetProperty("stale").GetBoolean());
        Assert.Equal(300, features.GetProperty("rowCounts").GetProperty("user").GetInt32());

        // The demo's champion was trained on every event: not judged (as the DriftMonitor), unless forced.
        Assert.False((await Json("drift", "check")).GetProperty("judged").GetBoolean());
        var drift = await Json("drift", "check", "--force");
        Assert.Equal(JsonValueKind.False, drift.GetProperty("datasetDrift").ValueKind); // the generator drew no drift
        Assert.NotEmpty(drift.GetProperty("features").EnumerateArray());
        foreach (var feature in drift.GetProperty("features").EnumerateArray())
            foreach (var field in new[] { "name", "method", "score", "threshold", "drifted" })
                Assert.True(feature.TryGetProperty(field, out _), $"drift feature lacks {field}: {feature}");
        Assert.Equal(JsonValueKind.Array, drift.GetProperty("alerts").ValueKind);
        Assert.Equal(JsonValueKind.Array, (await Json("drift", "alerts")).GetProperty("alerts").ValueKind);
        var report = await Json("drift", "report", "--out", "drift.html");
        Assert.StartsWith("<!doctype html>", File.ReadAllText(Path.Combine(work, "drift.html")), StringComparison.OrdinalIgnoreCase);
        Assert.True(report.GetProperty("bytes").GetInt64() > 1000);

        Assert.False((await Json("models", "promote", "1")).GetProperty("changed").GetBoolean()); // already the champion: a no-op
        await Refused(2, "has no version 99", "models", "promote", "99");
        await Refused(2, "has no version 7", "models", "show", "7");
        await Refused(2, "no previous champion to roll back to", "models", "rollback");
        await Refused(2, "no orchestration instance 'nope'", "pipeline", "approve", "nope");
    }
}
