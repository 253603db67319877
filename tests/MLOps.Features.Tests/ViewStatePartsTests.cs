using MLOps.Features.Statistics;
using MLOps.Features.Store;

namespace MLOps.Features.Tests;

/// <summary>The two faster parts under the view state and its statistics, against the plain structures they replace.</summary>
public sealed class ViewStatePartsTests
{
    [Fact]
    public void PairSet_AnswersAsAHashSet_AcrossInPlaceMerges()
    {
        var random = new Random(7);
        var reference = new HashSet<long>();
        var set = new PairSet([]);
        for (var round = 0; round < 30; round++)
        {
            var added = new List<long>();
            for (var k = 0; k < random.Next(0, 400); k++)
            {
                // Users appear over time (the id range grows), titles repeat: many lookups hit, many miss.
                int user = random.Next(0, 20 + 10 * round), item = random.Next(0, 60);
                if (set.Contains(user, item) || added.Contains(PairSet.Key(user, item))) continue;
                added.Add(PairSet.Key(user, item));
                reference.Add(PairSet.Key(user, item));
            }
            set.AddNew(added);
            Assert.Equal(reference.Count, set.Count);
            Assert.Equal(reference.Order(), set.Keys.ToArray());
            for (var probe = 0; probe < 300; probe++)
            {
                int user = random.Next(0, 400), item = random.Next(0, 60);
                Assert.Equal(reference.Contains(PairSet.Key(user, item)), set.Contains(user, item));
            }
        }
        var copy = set.Clone();
        set.AddNew([PairSet.Key(1000, 1)]);
        Assert.False(copy.Contains(1000, 1)); // a clone does not see later merges into the original
        Assert.True(set.Contains(1000, 1));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(5000)]
    public void DoubleRadixSort_SortsAsArraySort(int n)
    {
        var random = new Random(n);
        var values = Enumerable.Range(0, n).Select(_ => random.Next(5) switch
        {
            0 => Math.Round(random.NextDouble() * 4, 1), // ties
            1 => -random.NextDouble() * 1e6,
            2 => random.NextDouble() * 1e-300,
            3 => double.MaxValue * (random.Next(2) == 0 ? -1 : 1),
            _ => (random.NextDouble() - 0.5) * 1e9,
        }).Append(double.PositiveInfinity).Append(double.NegativeInfinity).ToArray();
        var expected = values.ToArray();
        Array.Sort(expected);
        DoubleRadixSort.Sort(values);
        Assert.Equal(expected, values);
    }

    [Fact]
    public void StatisticsBuilder_BulkAndCountedAdds_EqualOneByOne()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 3000).Select(k => k % 97 == 0 ? double.NaN : random.NextDouble() * 100).ToArray();
        var one = new FeatureStatisticsBuilder("x", FeatureKind.Numeric);
        foreach (var v in values) one.AddNumeric(v);
        var bulk = new FeatureStatisticsBuilder("x", FeatureKind.Numeric);
        bulk.AddNumerics(values.AsSpan(0, 1000));
        bulk.AddNumerics(values.AsSpan(1000));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(one.Build()), System.Text.Json.JsonSerializer.Serialize(bulk.Build()));
        Assert.Equal(31, bulk.Build().Nulls);

        var genres = new[] { "Drama", "Comedy", "Drama", "", "Drama" };
        var each = new FeatureStatisticsBuilder("g", FeatureKind.Categorical);
        foreach (var g in genres) each.AddCategory(g);
        var counted = new FeatureStatisticsBuilder("g", FeatureKind.Categorical);
        counted.AddCategory("Drama", 3);
        counted.AddCategory("Comedy", 1);
        counted.AddCategory("Horror", 0);
        counted.AddCategory("", 1);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(each.Build()), System.Text.Json.JsonSerializer.Serialize(counted.Build()));
    }
}
