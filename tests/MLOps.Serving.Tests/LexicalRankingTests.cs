using MLOps.Core.Data;
using MLOps.Serving.Search;

namespace MLOps.Serving.Tests;

/// <summary>Tiered lexical ranking on a small hand-made catalogue: exact words, completions, near misses, years.</summary>
public sealed class LexicalRankingTests
{
    private static readonly CatalogItem[] Catalog =
    [
        new() { ContentId = "stargate", Title = "Stargate", Year = 1994, Genres = ["Sci-Fi"] },
        new() { ContentId = "stardust", Title = "Stardust", Year = 2007, Genres = ["Fantasy"] },
        new() { ContentId = "sw4", Title = "Star Wars: Episode IV - A New Hope", Year = 1977, Genres = ["Sci-Fi"] },
        new() { ContentId = "solo", Title = "Solo: A Star Wars Story", Year = 2018, Genres = ["Sci-Fi"] },
        new() { ContentId = "sw5", Title = "Star Wars: Episode V - The Empire Strikes Back", Year = 1980, Genres = ["Sci-Fi"] },
        new() { ContentId = "lone", Title = "Lone Star", Year = 1996, Genres = ["Drama"] },
        new() { ContentId = "loverboy", Title = "Loverboy", Year = 1989, Genres = ["Comedy"] },
        new() { ContentId = "love", Title = "Love", Year = 2015, Genres = ["Drama"] },
        new() { ContentId = "love-actually", Title = "Love Actually", Year = 2003, Genres = ["Comedy"] },
        new() { ContentId = "matrix", Title = "The Matrix", Year = 1999, Genres = ["Sci-Fi"] },
        new() { ContentId = "reloaded", Title = "The Matrix Reloaded", Year = 2003, Genres = ["Sci-Fi"] },
        new() { ContentId = "1969", Title = "1969", Year = 1988, Genres = ["Drama"] },
        new() { ContentId = "other-1999", Title = "Election", Year = 1999, Genres = ["Comedy"] },
        new() { ContentId = "amelie", Title = "Amélie", Year = 2001, Genres = ["Comedy"] },
        new() { ContentId = "toy", Title = "Toy Story", Year = 1995, Genres = ["Animation"], Tags = ["pixar"] },
        new() { ContentId = "story-tag", Title = "Winter Tale", Year = 2014, Genres = ["Drama"], Tags = ["star"] },
    ];

    private static readonly Lazy<(ServingData Data, LexicalIndex Index)> Built = new(() =>
    {
        // Plays make the rare completions the least popular titles: popularity must not lift them over exact words either.
        var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var events = new List<ViewingEvent>();
        foreach (var (id, plays) in new[] { ("stargate", 40), ("stardust", 30), ("loverboy", 50), ("solo", 60), ("sw4", 20), ("sw5", 25), ("reloaded", 70), ("matrix", 10), ("1969", 90) })
            for (var p = 0; p < plays; p++)
                events.Add(new ViewingEvent { EventId = $"{id}-{p}", UserId = $"u{p}", ContentId = id, Timestamp = at.AddMinutes(p) });
        var data = ServingData.Build(Catalog, events, TimeSpan.FromDays(7));
        return (data, new LexicalIndex(data, resultCacheSize: 0));
    });

    private static string[] Ids(string query, int top = 20)
    {
        var (data, index) = Built.Value;
        return index.Search(query, top).Select(h => data.Items[h.Item]).ToArray();
    }

    [Fact]
    public void ExactWord_OutranksEveryCompletion_InAnyField()
    {
        var star = Ids("star");
        // Titles holding "star", then the title tagged "star", then the completions (however popular).
        Assert.Equal(["solo", "sw5", "sw4", "lone"], star.Take(4).ToArray()); // by plays: 60, 25, 20, 0
        Assert.Equal("story-tag", star[4]);
        Assert.Equal(["stargate", "stardust"], star.Skip(5).Take(2).ToArray());

        var love = Ids("love");
        Assert.Equal("love", love[0]);              // the whole title first
        Assert.Equal("love-actually", love[1]);
        Assert.Equal("loverboy", love[2]);           // the completion last, though the most played
    }

    [Fact]
    public void WithinATier_WholeTitleThenPopularity()
    {
        // "matrix": both titles hold the word; "The Matrix" is the whole title (articles aside), though played less.
        Assert.Equal(["matrix", "reloaded"], Ids("matrix"));
        Assert.Equal(["matrix", "reloaded"], Ids("the matrix").Take(2).ToArray());
        // "star": among the titles holding it, the most played first (no whole-title match).
        Assert.Equal("solo", Ids("star")[0]);
    }

    [Fact]
    public void FourDigitYear_MatchesTheReleaseYearExactly_AndDigitsAreNeverFuzzy()
    {
        var (_, index) = Built.Value;
        Assert.Equal("matrix", Ids("matrix 1999")[0]);
        Assert.Equal("other-1999", Ids("matrix 1999")[2]);   // a 1999 title without the word, after both Matrix titles
        Assert.DoesNotContain("1969", Ids("matrix 1999"));    // "1999" is not a misspelt "1969"
        Assert.Equal("sw4", Ids("star wars 1977")[0]);
        Assert.Equal(["matrix", "other-1999"], Ids("1999").Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("1969", Ids("1969")[0]);                 // a number in the title is still a word of it
        Assert.Empty(Ids("1968"));
        Assert.DoesNotContain(index.Expand("1999"), e => e.Term == "1969");
        Assert.DoesNotContain(index.Expand("matrux"), e => e.Term.Any(char.IsAsciiDigit));
    }

    [Fact]
    public void TyposPrefixesAccentsAndTags_StillFind()
    {
        Assert.Equal("toy", Ids("toy stroy")[0]);
        Assert.Equal("toy", Ids("pixar")[0]);
        Assert.Equal("amelie", Ids("amelie")[0]);
        Assert.Equal("amelie", Ids("Amélie")[0]);
        Assert.Equal("matrix", Ids("matr")[0]);   // a completion alone: whole title, then popularity
        Assert.Equal("matrix", Ids("matirx")[0]); // a near miss alone
    }

    [Fact]
    public void Scores_AreStrictlyOrdered_AndExactTiersDominate()
    {
        var (_, index) = Built.Value;
        var hits = index.Search("star", 20);
        for (var i = 1; i < hits.Count; i++) Assert.True(hits[i - 1].Score > hits[i].Score, $"{hits[i - 1].Score} vs {hits[i].Score}");
        // Exact title word 3, exact tag 2, title completion 0.9: a tier apart, the tie-break below 0.001.
        Assert.InRange(hits[0].Score, 3f, 3.001f);
        Assert.InRange(hits[4].Score, 2f, 2.001f);
        Assert.InRange(hits[5].Score, 0.9f, 0.901f);
    }

    /// <summary>
    /// A prefix stands for its likeliest word: "sta" put the one-word titles Stag and Stalingrad (whole titles by a rare
    /// completion) above Star Wars on ML-100k, though "star" is the common completion and Star Wars the most played.
    /// </summary>
    [Fact]
    public void Prefix_WholeTitleCreditOnlyForTheLikeliestCompletion()
    {
        CatalogItem[] catalog =
        [
            new() { ContentId = "stag", Title = "Stag", Genres = ["Thriller"] },
            new() { ContentId = "stalingrad", Title = "Stalingrad", Genres = ["War"] },
            new() { ContentId = "star-wars", Title = "Star Wars", Genres = ["Sci-Fi"] },
            new() { ContentId = "star-trek", Title = "Star Trek", Genres = ["Sci-Fi"] },
            new() { ContentId = "lone-star", Title = "Lone Star", Genres = ["Drama"] },
            new() { ContentId = "matrix", Title = "The Matrix", Genres = ["Sci-Fi"] },
            new() { ContentId = "reloaded", Title = "The Matrix Reloaded", Genres = ["Sci-Fi"] },
        ];
        var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var events = new List<ViewingEvent>();
        foreach (var (id, plays) in new[] { ("star-wars", 50), ("star-trek", 20), ("stag", 1), ("stalingrad", 2), ("matrix", 10), ("reloaded", 70) })
            for (var p = 0; p < plays; p++)
                events.Add(new ViewingEvent { EventId = $"{id}-{p}", UserId = $"u{p}", ContentId = id, Timestamp = at.AddMinutes(p) });
        var data = ServingData.Build(catalog, events, TimeSpan.FromDays(7));
        using var index = new LexicalIndex(data, resultCacheSize: 0);
        string[] Search(string query) => index.Search(query, 10).Select(h => data.Items[h.Item]).ToArray();

        Assert.Equal(["star-wars", "star-trek"], Search("sta").Take(2).ToArray()); // "star", the likeliest word: by plays
        Assert.Equal("matrix", Search("matr")[0]);  // the likeliest completion still credits the whole title over plays
        Assert.Equal("stag", Search("stag")[0]);    // typed in full, the word is exact
    }
}
