using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Tests;

namespace MLOps.Core.Tests;

public class MovieLensImportTests
{
    [Fact]
    public async Task ImportMovieLens100k_Accepts100000Ratings_AndTheFullCatalogue()
    {
        var dir = TestEnvironment.DatasetPath("ml-100k");
        if (dir is null) Assert.Skip("../shared/data/ml-100k is absent: skipping the MovieLens 100K import test.");
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;

        var result = await MovieLensImporter.ImportMovieLens100kAsync(store, dir, cancellationToken: ct);

        Assert.Equal((100_000, 0), (result.Events.Accepted, result.Events.Quarantined));
        Assert.Equal((1682, 0), (result.Catalog.Accepted, result.Catalog.Quarantined));
        var catalog = await CatalogStore.ReadAsync(store, ct);
        var toyStory = catalog.Single(i => i.ContentId == "1");
        Assert.Equal("Toy Story", toyStory.Title);
        Assert.Equal(1995, toyStory.Year);
        Assert.Equal(new DateOnly(1995, 1, 1), toyStory.ReleaseDate);
        Assert.Equal(["Animation", "Children", "Comedy"], toyStory.Genres);
        var threes = await EventLog.ReadAsync(store, cancellationToken: ct).CountAsync(e => e.Rating == 3, ct);
        Assert.Equal(27_145, threes);
    }

    [Fact]
    public async Task ImportMovieLensLatest_Accepts100836Ratings_WithHalfStarsTitlesAndTags()
    {
        var dir = TestEnvironment.DatasetPath("ml-latest-small");
        if (dir is null) Assert.Skip("../shared/data/ml-latest-small is absent: skipping the MovieLens latest import test.");
        var store = TestEnvironment.NewFolderStore();
        var ct = TestContext.Current.CancellationToken;

        var result = await MovieLensImporter.ImportMovieLensLatestAsync(store, dir, cancellationToken: ct);

        Assert.Equal((100_836, 0), (result.Events.Accepted, result.Events.Quarantined));
        Assert.Equal((9742, 0), (result.Catalog.Accepted, result.Catalog.Quarantined));
        var catalog = (await CatalogStore.ReadAsync(store, ct)).ToDictionary(i => i.ContentId);
        Assert.Equal("Toy Story", catalog["1"].Title);
        Assert.Equal(1995, catalog["1"].Year);
        Assert.Contains("pixar", catalog["1"].Tags);
        Assert.Equal(["Adventure", "Animation", "Children", "Comedy", "Fantasy"], catalog["1"].Genres);
        var again = await MovieLensImporter.ImportMovieLensLatestAsync(store, dir, cancellationToken: ct);
        Assert.True(again.Events.AlreadyImported && again.Catalog.AlreadyImported);
    }

    [Theory]
    [InlineData("Toy Story (1995)", "Toy Story", 1995)]
    [InlineData("American President, The (1995)", "The American President", 1995)]
    [InlineData("\"Great Day in Harlem, A (1994)\"", "\"Great Day in Harlem, A (1994)\"", null)]
    [InlineData("Babylon 5", "Babylon 5", null)]
    [InlineData("Stranger Things (2016– )", "Stranger Things", 2016)]
    [InlineData("Shadows (Cienie) (1988)", "Shadows (Cienie)", 1988)]
    [InlineData("Heidi Fleiss: Hollywood Madam (1995) ", "Heidi Fleiss: Hollywood Madam", 1995)]
    // ML-100k marks a video release after the year: the year was missed and shown in the title, "(1995) (V)".
    [InlineData("Land Before Time III: The Time of the Great Giving (1995) (V)", "Land Before Time III: The Time of the Great Giving (V)", 1995)]
    [InlineData("Lion King II, The (1998) (V)", "The Lion King II (V)", 1998)]
    [InlineData("Some Movie (1995)  (TV) ", "Some Movie (TV)", 1995)]
    public void SplitTitle_MovesArticleAndTakesYear(string raw, string title, int? year) =>
        Assert.Equal((title, year), MovieTitle.Split(raw));

    /// <summary>
    /// The commonest slips — the parent of the datasets, or the other MovieLens layout — are named with what to do instead.
    /// Found running <c>mlops import movielens-100k ../shared/data</c> and <c>mlops import movielens ../shared/data/ml-100k</c>,
    /// which said only "has no u.data: is this the right dataset folder?" (the demo already named the folders inside).
    /// </summary>
    [Fact]
    public async Task Import_WrongFolder_NamesTheDatasetsInsideIt_OrTheOtherLayout()
    {
        var ct = TestContext.Current.CancellationToken;
        var parent = TestEnvironment.NewTempFolder("datasets");
        var ml100k = Directory.CreateDirectory(Path.Combine(parent, "ml-100k")).FullName;
        await File.WriteAllTextAsync(Path.Combine(ml100k, "u.data"), "1\t1\t5\t874965758\n", ct);
        await File.WriteAllTextAsync(Path.Combine(ml100k, "u.item"), "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n", ct);

        var fromParent = await Assert.ThrowsAsync<FileNotFoundException>(() => MovieLensImporter.ImportMovieLens100kAsync(TestEnvironment.NewFolderStore(), parent, cancellationToken: ct));
        Assert.Contains($"Folders inside it that have one: ml-100k (e.g. {ml100k})", fromParent.Message, StringComparison.Ordinal);

        var otherLayout = await Assert.ThrowsAsync<FileNotFoundException>(() => MovieLensImporter.ImportMovieLensLatestAsync(TestEnvironment.NewFolderStore(), ml100k, cancellationToken: ct));
        Assert.Contains("It holds MovieLens 100K (u.data): import it as movielens-100k.", otherLayout.Message, StringComparison.Ordinal);
    }
}
