using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops pipeline approve|reject ID</c> when two people decide: the pipeline applies the first decision it holds, so a
/// second one used to be accepted (exit 0, "rejectd runB") and silently ignored — the model was promoted while the person
/// who rejected it believed it was not. Now the second is refused with the first decision named, whether that decision is
/// still in the instance's inbox or already in its history; an instance that never waits for approval is a usage error.
/// </summary>
public class ApprovalDecisionCliTests
{
    [Fact]
    public async Task ASecondDecision_IsRefused_NamingTheFirst_FromTheInboxAndFromTheHistory()
    {
        var work = TestEnvironment.NewTempFolder("approval");
        var store = Path.Combine(work, "store");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", store]);

        // A few events, so the store has something to train on (the run itself never gets past its suspension here).
        File.WriteAllLines(Path.Combine(work, "e.ndjson"), Enumerable.Range(0, 20).Select(i =>
            $$"""{"eventId":"e{{i}}","userId":"u{{i % 4}}","contentId":"c{{i % 7}}","timestamp":"2024-05-01T{{i % 24:D2}}:00:00Z","eventType":"rate","rating":4,"ratingScaleMax":5}"""));
        var import = await Mlops("import", "events", "e.ndjson", "--format", "ndjson");
        Assert.True(import.ExitCode == 0, import.ToString());
        // Recorded, not run: no worker takes the inbox until `pipeline resume`.
        var started = await Mlops("pipeline", "run", "--require-approval", "--instance-id", "r1", "--json");
        Assert.True(started.ExitCode == 0, started.ToString());
        var suspended = await Mlops("pipeline", "suspend", "r1");
        Assert.True(suspended.ExitCode == 0, suspended.ToString());

        var alice = await Mlops("pipeline", "approve", "r1", "--by", "alice", "--comment", "nDCG +0.014");
        Assert.True(alice.ExitCode == 0, alice.ToString());
        Assert.Contains("approved r1", alice.StdOut, StringComparison.Ordinal);

        var bob = await Mlops("pipeline", "reject", "r1", "--by", "bob", "--comment", "coverage");
        Assert.Equal(1, bob.ExitCode);
        Assert.Contains("conflict: r1 already has a decision: approved by alice", bob.StdErr, StringComparison.Ordinal);
        Assert.Contains("nDCG +0.014", bob.StdErr, StringComparison.Ordinal);

        // A suspended instance records what arrives in its history: the decision is no longer in the inbox.
        var resume = await Mlops("pipeline", "resume", "--json");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        var status = await Mlops("pipeline", "status", "r1", "--history", "--json");
        Assert.Single(status.Json().GetProperty("history").EnumerateArray(), e => e.GetProperty("type").GetString() == "eventRaised");
        var carol = await Mlops("pipeline", "reject", "r1", "--by", "carol");
        Assert.Equal(1, carol.ExitCode);
        Assert.Contains("conflict: r1 already has a decision: approved by alice", carol.StdErr, StringComparison.Ordinal);
        status = await Mlops("pipeline", "status", "r1", "--history", "--json");
        Assert.Single(status.Json().GetProperty("history").EnumerateArray(), e => e.GetProperty("type").GetString() == "eventRaised");

        // Two decisions sent at the same moment from two processes: one is sent, the other refused naming it.
        Assert.Equal(0, (await Mlops("pipeline", "run", "--require-approval", "--instance-id", "r2")).ExitCode);
        Assert.Equal(0, (await Mlops("pipeline", "suspend", "r2")).ExitCode);
        var both = await Task.WhenAll(Mlops("pipeline", "approve", "r2", "--by", "dana"), Mlops("pipeline", "reject", "r2", "--by", "eve"));
        Assert.Equal([0, 1], both.Select(r => r.ExitCode).Order());
        var winner = both.Single(r => r.ExitCode == 0).StdOut.StartsWith("approved", StringComparison.Ordinal) ? "approved by dana" : "rejected by eve";
        Assert.Contains($"conflict: r2 already has a decision: {winner}", both.Single(r => r.ExitCode == 1).StdErr, StringComparison.Ordinal);

        // Only a RetrainPipeline waits for approval: an approval sent to another orchestration would be ignored.
        await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "p1");
        var wrong = await Mlops("pipeline", "approve", "p1", "--by", "alice");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("p1 is a Purge", wrong.StdErr, StringComparison.Ordinal);
    }
}
