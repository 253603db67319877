using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Storage.Tests;

/// <summary>One contract, every backend: the folder store and Azure Blob Storage (Azurite) must behave alike.</summary>
public sealed class BlobStoreContractTests
{
    public static TheoryData<string> Backends => new() { "folder", "azurite" };

    private static IBlobStore? Open(string backend) => backend switch
    {
        "folder" => TestEnvironment.NewFolderStore(),
        "azurite" => TestEnvironment.NewAzuriteStore(),
        _ => throw new ArgumentOutOfRangeException(nameof(backend)),
    };

    private static IBlobStore Require(string backend)
    {
        var store = Open(backend);
        Assert.SkipWhen(store is null, "Azurite is not running (tests/run.sh starts it and sets MLOPS_TEST_AZURITE)");
        return store!;
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Write_then_read_returns_content_and_the_same_etag(string backend)
    {
        var store = Require(backend);
        var etag = await store.WriteTextAsync("a/b/c.txt", "hello");
        var read = await store.ReadAsync("a/b/c.txt");
        Assert.NotNull(read);
        Assert.Equal("hello", read!.Data.ToString());
        Assert.Equal(etag, read.ETag);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Missing_blob_reads_as_null_and_delete_reports_false(string backend)
    {
        var store = Require(backend);
        Assert.Null(await store.ReadAsync("nope/x"));
        Assert.Null(await store.OpenReadAsync("nope/x"));
        Assert.False(await store.DeleteAsync("nope/x"));
    }

    [Fact]
    public async Task Folder_store_creates_nothing_until_the_first_write()
    {
        var other = Path.Combine(TestEnvironment.NewTempFolder("lazy-store"), "typo");
        var reader = new FolderBlobStore(other);
        Assert.Null(await reader.ReadAsync("catalog/current.ndjson"));
        Assert.Empty(await reader.ListAsync("events/").ToListAsync());
        Assert.Empty(await reader.ListAsync("").ToListAsync());
        Assert.False(Directory.Exists(other)); // a read-only verb on a mistyped --store leaves no empty store behind

        await reader.WriteTextAsync("a/b.txt", "x");
        Assert.Equal("x", (await reader.ReadAsync("a/b.txt"))!.Data.ToString());
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Every_write_changes_the_etag_even_with_identical_content(string backend)
    {
        var store = Require(backend);
        var first = await store.WriteTextAsync("k", "same");
        var second = await store.WriteTextAsync("k", "same");
        Assert.NotEqual(first, second);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task CreateOnly_fails_when_the_blob_exists(string backend)
    {
        var store = Require(backend);
        await store.WriteTextAsync("once", "1", WriteCondition.CreateOnly);
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.WriteTextAsync("once", "2", WriteCondition.CreateOnly));
        Assert.Equal("1", (await store.ReadAsync("once"))!.Data.ToString());
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task IfMatch_with_a_stale_etag_fails_and_keeps_the_newer_content(string backend)
    {
        var store = Require(backend);
        var v1 = await store.WriteTextAsync("cas", "v1");
        var v2 = await store.WriteTextAsync("cas", "v2", WriteCondition.Match(v1));
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.WriteTextAsync("cas", "v3", WriteCondition.Match(v1)));
        var read = await store.ReadAsync("cas");
        Assert.Equal("v2", read!.Data.ToString());
        Assert.Equal(v2, read.ETag);
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task IfMatch_on_a_missing_blob_fails(string backend)
    {
        var store = Require(backend);
        var etag = await store.WriteTextAsync("gone", "x");
        await store.DeleteAsync("gone");
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.WriteTextAsync("gone", "y", WriteCondition.Match(etag)));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Twenty_parallel_conditional_writers_of_one_version_exactly_one_wins(string backend)
    {
        var store = Require(backend);
        var start = await store.WriteTextAsync("race", "start");
        var attempts = Enumerable.Range(0, 20).Select(async i =>
        {
            try { await store.WriteTextAsync("race", $"writer {i}", WriteCondition.Match(start)); return i; }
            catch (BlobConditionFailedException) { return -1; }
        });
        var winners = (await Task.WhenAll(attempts)).Where(i => i >= 0).ToList();
        Assert.Single(winners);
        Assert.Equal($"writer {winners[0]}", (await store.ReadAsync("race"))!.Data.ToString());
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Twenty_parallel_creators_exactly_one_wins(string backend)
    {
        var store = Require(backend);
        var attempts = Enumerable.Range(0, 20).Select(i => store.TryCreateAsync("create-race", BinaryData.FromString($"{i}")));
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(r => r));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task List_by_prefix_returns_matching_blobs_in_ordinal_order(string backend)
    {
        var store = Require(backend);
        foreach (var p in new[] { "events/dt=2024-01-02/b.ndjson", "events/dt=2024-01-01/a.ndjson", "eventsx/other", "models/m/1" })
            await store.WriteTextAsync(p, p);
        var listed = (await store.ListAllAsync("events/")).Select(b => b.Path).ToList();
        Assert.Equal(["events/dt=2024-01-01/a.ndjson", "events/dt=2024-01-02/b.ndjson"], listed);
        var partial = (await store.ListAllAsync("events")).Select(b => b.Path).ToList();
        Assert.Equal(3, partial.Count);
    }

    // Found by review: the folder store listed from Path.Combine(root, "..") for the prefix "../", so it returned (and
    // stat'ed) every file beside its root and below, outside the store. A '.' or '..' folder in a prefix is refused by both.
    [Theory, MemberData(nameof(Backends))]
    public async Task List_with_a_dot_dot_folder_in_the_prefix_is_refused_and_never_leaves_the_store(string backend)
    {
        var store = Require(backend);
        await store.WriteTextAsync("events/a.ndjson", "x");
        if (store is FolderBlobStore folder)
            await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(folder.Root)!, $"outside-{Guid.NewGuid():N}.txt"), "secret");

        foreach (var prefix in new[] { "../", "/../", "..\\", "events/../../", "./events/", "events/./" })
            await Assert.ThrowsAsync<ArgumentException>(() => store.ListAllAsync(prefix));
        // A partial last segment is a name filter, not a folder: ".." there only matches names that start with it.
        Assert.Empty(await store.ListAllAsync("events/.."));
        Assert.Empty(await store.ListAllAsync(".."));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task Delete_with_a_stale_etag_fails(string backend)
    {
        var store = Require(backend);
        var v1 = await store.WriteTextAsync("d", "1");
        await store.WriteTextAsync("d", "2");
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.DeleteAsync("d", v1));
        Assert.True(await store.ExistsAsync("d"));
    }

    [Theory, MemberData(nameof(Backends))]
    public async Task A_reader_opened_before_a_replace_keeps_reading_the_old_version(string backend)
    {
        var store = Require(backend);
        var big = new string('a', 1 << 20);
        await store.WriteTextAsync("stream", big);
        await using var reader = await store.OpenReadAsync("stream");
        await store.WriteTextAsync("stream", new string('b', 1 << 20));
        using var text = new StreamReader(reader!.Stream);
        var content = await text.ReadToEndAsync();
        Assert.Equal(big, content);
    }
}
