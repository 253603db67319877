using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>A list with nothing in it says so in a sentence (an empty table's bare header read like a display fault).</summary>
public sealed class EmptyListsCliTests
{
    [Theory]
    [InlineData("no alias changes yet", "models", "history")]
    [InlineData("has no changes of alias 'champion' yet", "models", "history", "--alias", "champion")]
    [InlineData("no drift alerts (`mlops drift check` measures a window)", "drift", "alerts")]
    [InlineData("no open drift alerts", "drift", "alerts", "--status", "open")]
    [InlineData("no orchestration instances", "pipeline", "list")]
    public async Task EmptyStore_ListSaysItIsEmpty_AndExits0(string sentence, params string[] verb)
    {
        var work = TestEnvironment.NewTempFolder("empty-lists");
        var run = await CliRunner.RunAsync(work, [.. verb, "--store", "store"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(sentence, run.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("┌", run.StdOut, StringComparison.Ordinal);

        var json = await CliRunner.RunAsync(work, [.. verb, "--store", "store", "--json"]);
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.DoesNotContain(sentence, json.StdOut, StringComparison.Ordinal); // --json stays the document
    }
}
