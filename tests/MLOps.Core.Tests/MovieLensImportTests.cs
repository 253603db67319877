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
    public void SplitTitle_MovesArticleAndTakesYear(string raw, string title, int? year) =>
        Assert.Equal((title, year), CatalogImporter.SplitTitle(raw));
}
