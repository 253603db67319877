using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>drift check</c> and <c>drift alerts</c> as on-call runs them (the runbook's first triage steps), through the real
/// executable: the champion's own training data is not judged (the DriftMonitor's rule), an alert state conflict is exit 1
/// "conflict: …", and the alert table shows kind and subject.
/// </summary>
public class DriftCliTests
{
    /// <summary>Two days of MovieLens-like ratings (no country, no device), one account rating 150 titles in an hour; a champion trained on all of it.</summary>
    private static async Task<string> ChampionTrainedOnEverythingAsync()
    {
        var work = TestEnvironment.NewTempFolder("drift-cli");
        var store = new FolderBlobStore(Path.Combine(work, "store"));
        var start = new DateTimeOffset(1998, 4, 21, 0, 0, 0, TimeSpan.Zero);
        for (var d = 0; d < 2; d++)
        {
            var text = new StringBuilder();
            void Rate(string id, string user, int title, DateTimeOffset at) =>
                text.Append(JsonSerializer.Serialize(new ViewingEvent { EventId = id, UserId = user, ContentId = $"m{title}", Timestamp = at, EventType = EventType.Rate, Rating = 1 + title % 5 }, StoreJson.Options)).Append('\n');
            for (var i = 0; i < 400; i++) Rate($"e{d}-{i}", $"u{i % 90}", (i * 7 + d) % 150, start.AddDays(d).AddMinutes(i * 3));
            if (d == 1) for (var i = 0; i < 150; i++) Rate($"bot{i}", "u-bot", i, start.AddDays(d).AddHours(3).AddSeconds(i));
            await store.WriteTextAsync(StoreLayout.EventBatch(DateOnly.FromDateTime(start.AddDays(d).UtcDateTime), "ml100k"), text.ToString());
        }
        var refresh = await CliRunner.RunAsync(work, "features", "refresh", "--store", "store", "--json");
        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        var snapshot = refresh.Json().GetProperty("snapshotId").GetString();
        await store.WriteJsonAsync("models/recommender/versions/1/manifest.json", new { version = 1, trainingSnapshot = snapshot }, WriteCondition.None);
        await store.WriteJsonAsync("models/recommender/aliases/champion", new { model = "recommender", alias = "champion", version = 1 }, WriteCondition.None);
        return work;
    }

    [Fact]
    public async Task DriftCheck_OnTheChampionsOwnTrainingData_IsNotJudged_UnlessForced()
    {
        var work = await ChampionTrainedOnEverythingAsync();

        var check = await CliRunner.RunAsync(work, "drift", "check", "--store", "store", "--json");
        Assert.True(check.ExitCode == 0, check.ToString());
        var skipped = check.Json();
        Assert.False(skipped.GetProperty("judged").GetBoolean());
        Assert.StartsWith("not judged: every event of the latest window 1998-04-22 was in the champion's training snapshot", skipped.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.False(skipped.GetProperty("datasetDrift").GetBoolean());
        Assert.False(skipped.GetProperty("retrainRecommended").GetBoolean());
        Assert.Empty(skipped.GetProperty("features").EnumerateArray());
        Assert.Empty(skipped.GetProperty("alerts").EnumerateArray());
        var human = await CliRunner.RunAsync(work, "drift", "check", "--store", "store");
        Assert.Contains("not judged: every event of the latest window 1998-04-22", human.StdOut, StringComparison.Ordinal);
        Assert.Empty((await CliRunner.RunAsync(work, "drift", "alerts", "--store", "store", "--json")).Json().GetProperty("alerts").EnumerateArray());

        var forced = await CliRunner.RunAsync(work, "drift", "check", "--force", "--store", "store", "--json");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        var report = forced.Json();
        Assert.NotEmpty(report.GetProperty("features").EnumerateArray());
        Assert.Equal(report.GetProperty("features").EnumerateArray().Count(f => f.GetProperty("method").GetString() != "none"), report.GetProperty("judgedFeatures").GetInt32());
    }

    [Fact]
    public async Task DriftAlerts_TableShowsKindAndSubject_AndAckOrResolveTwiceIsAConflict()
    {
        var work = await ChampionTrainedOnEverythingAsync();
        var forced = await CliRunner.RunAsync(work, "drift", "check", "--force", "--store", "store", "--json");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        var burst = Assert.Single(forced.Json().GetProperty("alerts").EnumerateArray(), a => a.GetProperty("kind").GetString() == "event-burst");
        var id = burst.GetProperty("id").GetString()!;
        // MovieLens events carry no country or device: no "countries [] on devices []".
        Assert.DoesNotContain("[]", burst.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var table = await CliRunner.RunAsync(work, new Dictionary<string, string> { ["COLUMNS"] = "250" }, "drift", "alerts", "--status", "open", "--store", "store");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("kind", table.StdOut, StringComparison.Ordinal);
        Assert.Contains("event-burst", table.StdOut, StringComparison.Ordinal);
        Assert.Contains("user:u-bot", table.StdOut, StringComparison.Ordinal);
        // Since when, beside the latest detection (the table had only "last seen"); UTC, as the --json firstSeen.
        Assert.Contains("first seen", table.StdOut, StringComparison.Ordinal);
        Assert.Contains(burst.GetProperty("firstSeen").GetDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture), table.StdOut, StringComparison.Ordinal);

        foreach (var verb in new[] { "ack", "resolve" })
        {
            var first = await CliRunner.RunAsync(work, "drift", "alerts", verb, id, "--by", "ana", "--store", "store");
            Assert.True(first.ExitCode == 0, first.ToString());
            var again = await CliRunner.RunAsync(work, "drift", "alerts", verb, id, "--by", "ana", "--store", "store");
            Assert.True(again.ExitCode == 1, again.ToString());
            Assert.StartsWith("conflict: ", again.StdErr, StringComparison.Ordinal);
        }
        var unknown = await CliRunner.RunAsync(work, "drift", "alerts", "ack", "no-such-alert", "--store", "store");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
    }

    [Fact]
    public async Task DriftAlertAck_WithoutBy_RecordsMlopsUser_AsTheModelsVerbsDo()
    {
        var work = await ChampionTrainedOnEverythingAsync();
        var forced = await CliRunner.RunAsync(work, "drift", "check", "--force", "--store", "store", "--json");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        var id = forced.Json().GetProperty("alerts").EnumerateArray().First().GetProperty("id").GetString()!;

        var onCall = new Dictionary<string, string> { ["MLOPS_USER"] = "oncall-ana" };
        var ack = await CliRunner.RunAsync(work, onCall, "drift", "alerts", "ack", id, "--note", "looking", "--store", "store", "--json");
        Assert.True(ack.ExitCode == 0, ack.ToString());
        var explicitBy = await CliRunner.RunAsync(work, onCall, "drift", "alerts", "resolve", id, "--by", "bob", "--store", "store", "--json");
        Assert.True(explicitBy.ExitCode == 0, explicitBy.ToString());

        var history = explicitBy.Json().GetProperty("history").EnumerateArray().Select(t => (t.GetProperty("status").GetString(), t.GetProperty("by").GetString())).ToList();
        Assert.Contains(("acknowledged", "oncall-ana"), history);
        Assert.Contains(("resolved", "bob"), history); // --by still wins over the variable
    }
}
