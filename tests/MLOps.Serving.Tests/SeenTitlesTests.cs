using MLOps.Serving;

namespace MLOps.Serving.Tests;

public sealed class SeenTitlesTests
{
    /// <summary>Both forms (sorted indices for few titles, a bit set for many) agree with a plain set, merged with an earlier set too.</summary>
    [Theory]
    [InlineData(50_000, 40, 0)]       // a typical viewer of a large catalogue: sorted indices
    [InlineData(5_000, 1_000, 30)]    // a heavy viewer: a bit set
    [InlineData(100, 3, 200)]         // merged past the threshold: a bit set
    [InlineData(64, 0, 0)]
    public void Contains_Enumerates_AndMasks_LikeASet(int titles, int count, int earlier)
    {
        var random = new Random(titles + count);
        var first = Enumerable.Range(0, earlier).Select(_ => random.Next(titles)).ToList();
        var items = Enumerable.Range(0, count).Select(_ => random.Next(titles)).ToList();
        var expected = new SortedSet<int>(first.Concat(items));

        var seen = SeenTitles.From(items, titles, earlier > 0 ? SeenTitles.From(first, titles) : null);

        Assert.Equal(expected.Count, seen.Count);
        var listed = new List<int>();
        foreach (var i in seen) listed.Add(i);
        Assert.Equal(expected, listed);
        Assert.All(Enumerable.Range(-1, titles + 2), i => Assert.Equal(expected.Contains(i), seen.Contains(i)));
        var scores = new float[titles];
        seen.Mask(scores);
        Assert.All(Enumerable.Range(0, titles), i => Assert.Equal(expected.Contains(i), float.IsNegativeInfinity(scores[i])));
    }

    [Fact]
    public void TheSmallerFormIsKept()
    {
        // 40 of 50,000 titles: 160 bytes of indices, not 6,250 bytes of bits.
        Assert.Equal(160, SeenTitles.From(Enumerable.Range(0, 40).Select(i => i * 997), 50_000).Bytes);
        // 5,000 of 50,000: the bit set (6,256 bytes) is smaller than 20,000 bytes of indices.
        Assert.Equal(782 * 8, SeenTitles.From(Enumerable.Range(0, 5_000).Select(i => i * 10), 50_000).Bytes);
    }
}
