using MLOps.Core.Security;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary><c>mlops keys create</c>: the key is shown once, works, and is stored only as its hash.</summary>
public class KeysCliTests
{
    [Fact]
    public async Task KeysCreate_KeyIsShownOnce_Resolves_AndOnlyItsHashIsStored()
    {
        var work = TestEnvironment.NewTempFolder("keys");
        var store = Path.Combine(work, "store");
        var run = await CliRunner.RunAsync(work, "keys", "create", "--role", "write", "--note", "ci", "--store", store, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var key = run.Json().GetProperty("key").GetString()!;
        Assert.True(key.Length >= 32, $"a key of {key.Length} characters is guessable");

        var found = await new ApiKeyStore(new FolderBlobStore(store)).FindAsync(key, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        Assert.Equal(ApiRole.Write, found?.Role);
        Assert.Null(await new ApiKeyStore(new FolderBlobStore(store)).FindAsync(key + "x", DateTimeOffset.UtcNow, TestContext.Current.CancellationToken));

        // Nothing on disk and nothing the CLI logged contains the key itself.
        foreach (var file in Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(key, File.ReadAllText(file), StringComparison.Ordinal);
        Assert.DoesNotContain(key, run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysCreate_UnknownRole_Exit2_NamesTheOption()
    {
        var work = TestEnvironment.NewTempFolder("keys");
        var run = await CliRunner.RunAsync(work, "keys", "create", "--role", "root", "--store", Path.Combine(work, "s"), "--json");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--role", run.StdErr, StringComparison.Ordinal);
    }
}
