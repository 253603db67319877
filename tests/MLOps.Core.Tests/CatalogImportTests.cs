using System.Text;
using System.Text.Json;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Core.Tests;

/// <summary>Catalogue files whose rows are not one per line, or hold values that cannot be what they name.</summary>
public sealed class CatalogImportTests
{
    private static async Task<(IngestResult Result, IReadOnlyList<CatalogItem> Catalog)> ImportAsync(string name, string content, string? format = null)
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("catalog"), name);
        await File.WriteAllTextAsync(file, content, TestContext.Current.CancellationToken);
        var result = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(file, format), TestContext.Current.CancellationToken);
        return (result, await CatalogStore.ReadAsync(store, TestContext.Current.CancellationToken));
    }

    /// <summary>Imports <paramref name="content"/> and reads back the batch's quarantined rows.</summary>
    private static async Task<(IngestResult Result, List<QuarantinedRow> Quarantined)> ImportQuarantinedAsync(string name, string content)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("catalog"), name);
        await File.WriteAllTextAsync(file, content, ct);
        var result = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(file), ct);
        var blob = await store.ReadAsync($"quarantine/{result.Batch}.ndjson", ct);
        return (result, blob is null ? [] : [.. blob.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<QuarantinedRow>(line, StoreJson.Options)!)]);
    }

    [Fact]
    public async Task Csv_AQuotedDescriptionOverTwoLines_IsOneRecord_NotAPhantomRow()
    {
        var (result, catalog) = await ImportAsync("c.csv", "contentId,title,description\nm1,Heat,\"A heist.\nm9,Phantom,yes\"\nm2,Up,\"Balloons, \"\"lots\"\"\"\n");

        Assert.Equal((2L, 2L, 0L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(["m1", "m2"], catalog.Select(c => c.ContentId).Order(StringComparer.Ordinal));
        Assert.Equal("A heist.\nm9,Phantom,yes", catalog.Single(c => c.ContentId == "m1").Description);
        Assert.Equal("Balloons, \"lots\"", catalog.Single(c => c.ContentId == "m2").Description);
    }

    /// <summary>A repeated content id names the line it repeats; the code stays <c>contentId:duplicate</c>.</summary>
    [Fact]
    public async Task Csv_ARepeatedContentId_NamesTheLineItRepeats()
    {
        var (result, quarantined) = await ImportQuarantinedAsync("c.csv", "contentId,title\nm1,Heat\nm2,Up\nm1,Heat again\n");

        Assert.Equal((3L, 2L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        var row = Assert.Single(quarantined);
        Assert.Equal(4, row.Line);
        var problem = Assert.Single(row.Reasons);
        Assert.Equal("contentId:duplicate", problem.Key);
        Assert.EndsWith("already appeared in this batch: duplicate of line 2.", problem.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A year that is not a whole number is the field's own reason, <c>year:unparseable</c>, listed beside the row's other
    /// problems (it was <c>line:unparseable_line</c> for the whole row, hiding them).
    /// </summary>
    [Theory]
    [InlineData("c.csv", "contentId,title,year\nm1,,nineteen\nm2,Up,2009\n")]
    [InlineData("c.ndjson", "{\"contentId\":\"m1\",\"title\":\"\",\"year\":\"nineteen\"}\n{\"contentId\":\"m2\",\"title\":\"Up\",\"year\":2009}\n")]
    public async Task AYearThatIsNotANumber_IsYearUnparseable_BesideTheRowsOtherProblems(string name, string content)
    {
        var (result, quarantined) = await ImportQuarantinedAsync(name, content);

        Assert.Equal((2L, 1L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        var row = Assert.Single(quarantined);
        Assert.Equal(["title:missing", "year:unparseable"], row.Reasons.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Equal("year 'nineteen' is not a whole number.", row.Reasons.Single(r => r.Field == "year").Message);
        Assert.Equal(1L, result.Reasons["year:unparseable"]);
    }

    /// <summary>"Drama, Comedy" was stored as one genre of that name; genres split on commas too, tags only on '|'.</summary>
    [Fact]
    public async Task Csv_GenresWrittenWithCommas_AreSeveralGenres_TagsKeepTheirCommas()
    {
        var (result, catalog) = await ImportAsync("c.csv", "contentId,title,genres,tags\nm1,Heat,\"Crime, Drama|Thriller\",\"heist, sort of|LA\"\n");

        Assert.Equal(1L, result.Accepted);
        Assert.Equal(["Crime", "Drama", "Thriller"], catalog.Single().Genres);
        Assert.Equal(["heist, sort of", "LA"], catalog.Single().Tags);
    }

    [Fact]
    public async Task Csv_AQuoteThatNeverCloses_QuarantinesItsLineOnly_AndReadsTheRowsAfterIt()
    {
        var (result, catalog) = await ImportAsync("c.csv", "contentId,title,description\nm1,\"Heat,a heist\nm2,Up,balloons\nm3,Jaws,a shark\n");

        Assert.Equal((3L, 2L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(["m2", "m3"], catalog.Select(c => c.ContentId).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("{\"contentId\":\"m1\",\"title\":\"Heat\",\"year\":\"abc\"}", "year 'abc' is not a whole number")]
    [InlineData("{\"contentId\":\"m1\",\"title\":\"Heat\",\"year\":1899.5}", "year '1899.5' is not a whole number")]
    [InlineData("{\"contentId\":\"m1\",\"title\":\"Heat\",\"genres\":[1,\"Drama\",null]}", "genres must hold only texts")]
    [InlineData("{\"contentId\":{\"x\":1},\"title\":\"Heat\"}", "contentId must be text or a number, not object")]
    [InlineData("{\"contentId\":\"m1\",\"title\":\"Heat\",\"tags\":{\"a\":1}}", "tags must be an array of texts or one text")]
    public async Task Ndjson_AValueThatCannotBeWhatItNames_IsQuarantinedWithTheReason_NotNulled(string line, string reason)
    {
        var store = TestEnvironment.NewFolderStore();
        var file = Path.Combine(TestEnvironment.NewTempFolder("catalog"), "c.ndjson");
        await File.WriteAllTextAsync(file, line + "\n{\"contentId\":\"m2\",\"title\":\"Up\",\"year\":2009}\n", TestContext.Current.CancellationToken);

        var result = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(file), TestContext.Current.CancellationToken);

        Assert.Equal((2L, 1L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        var row = JsonSerializer.Deserialize<QuarantinedRow>((await store.ReadAsync($"quarantine/{result.Batch}.ndjson", TestContext.Current.CancellationToken))!.Data.ToString().Trim(), StoreJson.Options)!;
        Assert.Equal(line, row.Raw);
        Assert.Contains(reason, Assert.Single(row.Reasons).Message);
    }

    [Fact]
    public async Task MovieLensLatest_BadTagRowsAreQuarantined_AndAHeaderlessMoviesFileIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = TestEnvironment.NewTempFolder("ml-latest");
        var movies = Path.Combine(folder, "movies.csv");
        var tags = Path.Combine(folder, "tags.csv");
        await File.WriteAllTextAsync(movies, "movieId,title,genres\n1,Toy Story (1995),Animation|Children\n2,Jumanji (1995),Adventure\n", ct);
        await File.WriteAllTextAsync(tags, "userId,movieId,tag,timestamp\n5,1,pixar,1000\n5,2,broken\n", ct);
        var store = TestEnvironment.NewFolderStore();

        var result = await new CatalogImporter(store).ImportAsync(CatalogImporter.MovieLensLatest(movies, tags), ct);

        Assert.Equal((3L, 2L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(["pixar"], (await CatalogStore.ReadAsync(store, ct)).Single(c => c.ContentId == "1").Tags);
        var row = JsonSerializer.Deserialize<QuarantinedRow>((await store.ReadAsync($"quarantine/{result.Batch}.ndjson", ct))!.Data.ToString().Trim(), StoreJson.Options)!;
        Assert.Equal(("movielens-latest:tags.csv", 3L, "5,2,broken"), (row.Source, row.Line, row.Raw));

        await File.WriteAllTextAsync(movies, "1,Toy Story (1995),Animation|Children\n", ct);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new CatalogImporter(TestEnvironment.NewFolderStore()).ImportAsync(CatalogImporter.MovieLensLatest(movies), ct));
        Assert.Contains("must be the header 'movieId,title,genres'", error.Message);
    }

    [Theory]
    [InlineData("title", 501, "title:invalid")]
    [InlineData("title", 0, "title:invalid")] // a control character (a tab) in the title
    [InlineData("description", 10_001, "description:invalid")]
    public async Task Csv_ATitleOrDescriptionPastItsLimit_IsQuarantinedNamingTheField(string field, int length, string reason)
    {
        var value = length == 0 ? "Heat\tTwo" : new string('x', length);
        var (title, description) = field == "title" ? (value, "fine") : ("Heat", value);

        var (result, catalog) = await ImportAsync("c.tsv", $"contentId\ttitle\tdescription\nm1\t\"{title}\"\t{description}\nm2\tUp\tballoons\n");

        Assert.Equal((2L, 1L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(new Dictionary<string, long> { [reason] = 1 }, result.Reasons);
        Assert.Equal(["m2"], catalog.Select(c => c.ContentId));
    }

    [Fact]
    public async Task Csv_TitleAndDescriptionAtTheirLimits_AreAccepted()
    {
        var (result, _) = await ImportAsync("c.csv", $"contentId,title,description\nm1,{new string('t', 500)},{new string('d', 10_000)}\n");

        Assert.Equal((1L, 0L), (result.Accepted, result.Quarantined));
    }

    [Fact]
    public async Task MovieLensFiles_ALineLongerThanTheCap_IsQuarantinedAndTheRestImported()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = TestEnvironment.NewTempFolder("ml-long");
        var huge = new string('x', LineReader.DefaultMaxChars + 10);
        var uItem = Path.Combine(folder, "u.item");
        var flags = string.Join('|', Enumerable.Repeat("0", 19));
        await File.WriteAllTextAsync(uItem, $"1|Toy Story (1995)|01-Jan-1995||http://x|{flags}\n2|{huge}|01-Jan-1995||http://x|{flags}\n3|Four Rooms (1995)|01-Jan-1995||http://x|{flags}\n", System.Text.Encoding.Latin1, ct);
        var movies = Path.Combine(folder, "movies.csv");
        var tags = Path.Combine(folder, "tags.csv");
        await File.WriteAllTextAsync(movies, $"movieId,title,genres\n1,Toy Story (1995),Animation\n2,{huge},Drama\n3,Heat (1995),Action\n", ct);
        await File.WriteAllTextAsync(tags, $"userId,movieId,tag,timestamp\n5,1,pixar,1000\n5,3,{huge},1000\n", ct);

        foreach (var (source, rows, quarantined) in new[] { (CatalogImporter.MovieLens100k(uItem), 3L, 1L), (CatalogImporter.MovieLensLatest(movies, tags), 4L, 2L) })
        {
            var store = TestEnvironment.NewFolderStore();
            var result = await new CatalogImporter(store).ImportAsync(source, ct);

            Assert.Equal((rows, quarantined), (result.RowsRead, result.Quarantined));
            Assert.Equal(["1", "3"], (await CatalogStore.ReadAsync(store, ct)).Select(c => c.ContentId).Order());
            var lines = (await store.ReadAsync($"quarantine/{result.Batch}.ndjson", ct))!.Data.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(lines.Select(l => JsonSerializer.Deserialize<QuarantinedRow>(l, StoreJson.Options)!), row =>
            {
                Assert.Equal(LineReader.DefaultMaxChars, row.Raw.Length);
                Assert.Contains("longer than 1,048,576 characters", Assert.Single(row.Reasons).Message);
            });
        }
    }

    [Fact]
    public async Task ACatalogueAnOlderBuildImported_IsNotImportedAgain_SoNewerTitlesAreNotRolledBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = TestEnvironment.NewTempFolder("catalog");
        var old = Path.Combine(folder, "a.csv");
        var newer = Path.Combine(folder, "b.csv");
        await File.WriteAllTextAsync(old, "contentId,title\nm1,Old title\n", ct);
        await File.WriteAllTextAsync(newer, "contentId,title\nm1,New title\n", ct);
        var store = TestEnvironment.NewFolderStore();
        var source = CatalogImporter.FromFile(old);
        // As an older build left it: a.csv imported under the id that hashed the file's name, then b.csv.
        await new CatalogImporter(store).ImportAsync(source with { BatchId = Assert.Single(source.EarlierBatchIds), EarlierBatchIds = [] }, ct);
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(newer), ct);

        var again = await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(old), ct);

        Assert.True(again.AlreadyImported);
        Assert.Equal("New title", Assert.Single(await CatalogStore.ReadAsync(store, ct)).Title);
    }

    [Fact]
    public async Task Ndjson_AJsonArrayOnOneHugeLine_IsAQuarantinedRowSayingSo_NotAMemoryBlowUp()
    {
        var items = string.Join(",", Enumerable.Range(0, 40_000).Select(i => $"{{\"contentId\":\"m{i}\",\"title\":\"Title number {i}\"}}"));
        var (result, catalog) = await ImportAsync("catalog.json", "[" + items + "]\n{\"contentId\":\"x1\",\"title\":\"Kept\"}\n");

        Assert.Equal((2L, 1L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal("x1", Assert.Single(catalog).ContentId);
    }

    [Fact]
    public async Task Events_IdsWithBytesThatAreNotUtf8_AreQuarantined_NotMerged()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(TestEnvironment.NewTempFolder("events"), "e.csv");
        var bytes = new List<byte>(Encoding.UTF8.GetBytes("userId,contentId,timestamp\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes("u")); bytes.AddRange([0xFF, 0xFE]); bytes.AddRange(Encoding.UTF8.GetBytes("1,m1,2024-05-01T00:00:00Z\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes("u2,m1,2024-05-01T00:00:00Z\n"));
        await File.WriteAllBytesAsync(file, [.. bytes], ct);
        var store = TestEnvironment.NewFolderStore();

        var result = await new EventIngestor(store).IngestAsync(EventSources.File(file, "csv", ColumnMap.Default, RatingScale.WholeStars), cancellationToken: ct);

        Assert.Equal((2L, 1L, 1L), (result.RowsRead, result.Accepted, result.Quarantined));
        Assert.Equal(1, result.Reasons["userId:invalid"]);
    }
}
