using System.Text.RegularExpressions;
using MLOps.Drift.Alerts;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops drift alerts --top N</c> and <c>mlops pipeline list --top N</c>: one page on stdout, the way to the next on
/// stderr (<c>--continue TOKEN</c>); the alerts document gains <c>continuationToken</c>, the instance array keeps its shape.
/// </summary>
public sealed partial class ListPagingCliTests
{
    [GeneratedRegex(@"--continue (\S+)")]
    private static partial Regex ContinueToken();

    private static string? TokenIn(CliRunner.Run run) => ContinueToken().Match(run.StdErr) is { Success: true } m ? m.Groups[1].Value : null;

    [Fact]
    public async Task DriftAlerts_Top_PagesThroughEveryAlertOnce_TokenInJsonAndOnStderr_BadInputExit2()
    {
        var work = TestEnvironment.NewTempFolder("paging-alerts");
        var alerts = new AlertStore(BlobStoreFactory.Open(Path.Combine(work, "store")));
        var t0 = new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 5; i++)
            await alerts.RecordAsync(new AlertCandidate(AlertKind.FeatureDrift, $"feature-{i}", AlertSeverity.Warning, $"Feature {i} drifted", "summary",
                new AlertEvidence { Psi = 0.3, Score = 0.2, Threshold = 0.1 }), t0.AddHours(-i));
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", "store"]);
        static List<string> Ids(CliRunner.Run run) => [.. run.Json().GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];

        var everything = await Mlops("drift", "alerts", "--json");
        Assert.False(everything.Json().TryGetProperty("continuationToken", out _));
        var seen = new List<string>();
        string? token = null;
        for (var pages = 0; pages < 4 && (pages == 0 || token is not null); pages++)
        {
            var page = await Mlops(["drift", "alerts", "--top", "2", "--json", .. token is null ? Array.Empty<string>() : ["--continue", token]]);
            Assert.True(page.ExitCode == 0, page.ToString());
            seen.AddRange(Ids(page));
            token = page.Json().TryGetProperty("continuationToken", out var t) ? t.GetString() : null;
            Assert.Equal(token, TokenIn(page));
        }
        Assert.Null(token);
        Assert.Equal(Ids(everything), seen);

        var human = await Mlops("drift", "alerts", "--top", "4");
        Assert.Contains("4 shown; more remain", human.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("--continue", human.StdOut, StringComparison.Ordinal);
        foreach (var bad in new[] { new[] { "--top", "0" }, ["--top", "1001"], ["--continue", "garbage"], ["--status", "open", "--continue", TokenIn(human)!] })
        {
            var run = await Mlops(["drift", "alerts", .. bad]);
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains(bad[^2], run.StdErr, StringComparison.Ordinal);
        }

        // The page after a token can be empty when its items changed meanwhile: it says so, not "no drift alerts".
        var openFirst = await Mlops("drift", "alerts", "--status", "open", "--top", "4");
        Assert.True((await Mlops("drift", "alerts", "resolve", Ids(everything)[^1], "--by", "ana")).ExitCode == 0);
        var emptied = await Mlops("drift", "alerts", "--status", "open", "--top", "4", "--continue", TokenIn(openFirst)!);
        Assert.True(emptied.ExitCode == 0, emptied.ToString());
        Assert.Contains("no more alerts after that token", emptied.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PipelineList_Top_PagesThroughEveryInstanceOnce_ArrayKept_TokenOnStderr()
    {
        var work = TestEnvironment.NewTempFolder("paging-pipeline");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", "store"]);
        for (var i = 0; i < 3; i++)
        {
            var started = await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", $"purge-{i}", "--json");
            Assert.True(started.ExitCode == 0, started.ToString());
        }
        static List<string> Ids(CliRunner.Run run) => [.. run.Json().EnumerateArray().Select(s => s.GetProperty("instanceId").GetString()!)];

        var everything = await Mlops("pipeline", "list", "--json");
        Assert.Equal(3, Ids(everything).Count);
        var first = await Mlops("pipeline", "list", "--top", "2", "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var token = TokenIn(first);
        Assert.NotNull(token);
        var second = await Mlops("pipeline", "list", "--top", "2", "--continue", token, "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Null(TokenIn(second));
        Assert.Equal(Ids(everything), [.. Ids(first), .. Ids(second)]);

        var bad = await Mlops("pipeline", "list", "--top", "0");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--top", bad.StdErr, StringComparison.Ordinal);
    }
}
