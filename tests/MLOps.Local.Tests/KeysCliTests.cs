using System.Text.Json;
using MLOps.Core.Security;
using MLOps.Local.Cli;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>mlops keys create|list|revoke</c>: the key is shown once, works, and is stored only as its hash; keys can expire,
/// be listed and be revoked.
/// </summary>
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

    [Fact]
    public async Task KeysCreate_ExpiresIn_SetsExpiresAt_WithoutIt_ExpiresAtIsNull()
    {
        var work = TestEnvironment.NewTempFolder("keys");
        var store = Path.Combine(work, "store");
        var before = DateTimeOffset.UtcNow;
        var run = await CliRunner.RunAsync(work, "keys", "create", "--role", "admin", "--expires-in", "7d", "--store", store, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var expiresAt = run.Json().GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt, before.AddDays(7), DateTimeOffset.UtcNow.AddDays(7));
        var found = await new ApiKeyStore(new FolderBlobStore(store)).FindAsync(run.Json().GetProperty("key").GetString()!, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        Assert.Equal(expiresAt, found?.ExpiresAt);

        var forever = await CliRunner.RunAsync(work, "keys", "create", "--role", "read", "--store", store, "--json");
        Assert.True(forever.ExitCode == 0, forever.ToString());
        Assert.Equal(JsonValueKind.Null, forever.Json().GetProperty("expiresAt").ValueKind);

        var human = await CliRunner.RunAsync(work, "keys", "create", "--role", "read", "--expires-in", "12h", "--store", store);
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("expires 20", human.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30m", 30)]
    [InlineData("12h", 12 * 60)]
    [InlineData("7d", 7 * 1440)]
    [InlineData("36500d", 36500 * 1440)]
    public void ParseExpiresIn_MinutesHoursDays(string text, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), KeysCommand.ParseExpiresIn(text));

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("+1d")]
    [InlineData("1.5h")]
    [InlineData("7w")]
    [InlineData("1y")]
    [InlineData("7D")]
    [InlineData(" 7d")]
    [InlineData("7 d")]
    [InlineData("36501d")]
    [InlineData("99999999999d")]
    public void ParseExpiresIn_BadText_IsAUsageError_NamingTheOption(string text)
    {
        var e = Assert.Throws<CliUsageException>(() => KeysCommand.ParseExpiresIn(text));
        Assert.StartsWith("--expires-in", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysCreate_BadExpiresIn_Exit2_OneLineNamingTheOption_NoKeyCreated()
    {
        var work = TestEnvironment.NewTempFolder("keys");
        var store = Path.Combine(work, "store");
        var run = await CliRunner.RunAsync(work, "keys", "create", "--role", "read", "--expires-in", "2weeks", "--store", store, "--json");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.StdOut);
        Assert.Single(run.StdErr.Trim().Split('\n'));
        Assert.Contains("--expires-in", run.StdErr, StringComparison.Ordinal);
        Assert.Empty(await new ApiKeyStore(new FolderBlobStore(store)).ListAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task KeysList_EmptyStore_SaysSo_Exit0()
    {
        var work = TestEnvironment.NewTempFolder("keys");
        var store = Path.Combine(work, "store");
        var human = await CliRunner.RunAsync(work, "keys", "list", "--store", store);
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("no API keys", human.StdOut, StringComparison.Ordinal);
        var json = await CliRunner.RunAsync(work, "keys", "list", "--store", store, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal(0, json.Json().GetProperty("keys").GetArrayLength());
    }

    [Fact]
    public async Task KeysList_EveryKeyOldestFirst_WithExpiry_NeverTheKey_ThenRevoke_RemovesOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = TestEnvironment.NewTempFolder("keys");
        var store = Path.Combine(work, "store");
        var keys = new ApiKeyStore(new FolderBlobStore(store));
        var now = DateTimeOffset.UtcNow;
        var (deployKey, deploy) = await keys.CreateAsync(ApiRole.Admin, "deploy smoke test", now.AddHours(-2), TimeSpan.FromHours(1), ct);
        var (readKey, reader) = await keys.CreateAsync(ApiRole.Read, null, now.AddHours(-1), ct);

        var run = await CliRunner.RunAsync(work, "keys", "list", "--store", store, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var listed = run.Json().GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal([deploy.KeyId, reader.KeyId], listed.Select(k => k.GetProperty("keyId").GetString()));
        Assert.Equal(["keyId", "role", "createdAt", "expiresAt", "expired", "note"], listed[1].EnumerateObject().Select(p => p.Name));
        Assert.Equal("admin", listed[0].GetProperty("role").GetString());
        Assert.Equal(deploy.ExpiresAt, listed[0].GetProperty("expiresAt").GetDateTimeOffset());
        Assert.True(listed[0].GetProperty("expired").GetBoolean());
        Assert.Equal("deploy smoke test", listed[0].GetProperty("note").GetString());
        Assert.Equal(reader.CreatedAt, listed[1].GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, listed[1].GetProperty("expiresAt").ValueKind);
        Assert.False(listed[1].GetProperty("expired").GetBoolean());
        Assert.Equal(JsonValueKind.Null, listed[1].GetProperty("note").ValueKind);
        Assert.DoesNotContain(deployKey, run.StdOut, StringComparison.Ordinal);

        var table = await CliRunner.RunAsync(work, "keys", "list", "--store", store);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(deploy.KeyId, table.StdOut, StringComparison.Ordinal);
        Assert.Contains("expired", table.StdOut, StringComparison.Ordinal);
        Assert.Contains("never", table.StdOut, StringComparison.Ordinal);

        var revoked = await CliRunner.RunAsync(work, "keys", "revoke", reader.KeyId, "--store", store, "--json");
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Equal(reader.KeyId, revoked.Json().GetProperty("keyId").GetString());
        Assert.True(revoked.Json().GetProperty("revoked").GetBoolean());
        Assert.Null(await new ApiKeyStore(new FolderBlobStore(store)).FindAsync(readKey, DateTimeOffset.UtcNow, ct));
        Assert.Equal([deploy], await new ApiKeyStore(new FolderBlobStore(store)).ListAsync(ct));

        var again = await CliRunner.RunAsync(work, "keys", "revoke", reader.KeyId, "--store", store, "--json");
        Assert.Equal(2, again.ExitCode);
        Assert.Equal("", again.StdOut);
        Assert.Contains($"no key with id '{reader.KeyId}'", again.StdErr, StringComparison.Ordinal);

        var human = await CliRunner.RunAsync(work, "keys", "revoke", deploy.KeyId, "--store", store);
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains($"revoked key {deploy.KeyId}; running hosts stop accepting it within 30 s", human.StdOut, StringComparison.Ordinal);
        Assert.Empty(await new ApiKeyStore(new FolderBlobStore(store)).ListAsync(ct));
    }
}
