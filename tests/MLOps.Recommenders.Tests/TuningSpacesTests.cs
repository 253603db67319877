using MLOps.Recommenders.Tuning;

namespace MLOps.Recommenders.Tests;

public sealed class TuningSpacesTests
{
    /// <summary>Every default space holds the model's default values, so a tuned model is never worse on validation than an untuned one.</summary>
    [Fact]
    public void DefaultSpaces_HoldEachModelsDefaults()
    {
        foreach (var (kind, space) in TuningSpaces.Default)
        {
            var defaults = ModelTrainer.Defaults(kind);
            foreach (var (name, values) in space)
                Assert.True(values.Contains(defaults[name]), $"{kind}.{name}: the default {defaults[name]} is not among [{string.Join(", ", values)}]");
        }
    }

    [Fact]
    public void CandidateGrid_KeepsFixedParameters_AndSearchesTheRest()
    {
        var grid = TuningSpaces.CandidateGrid("ease", new Dictionary<string, double> { ["lambda"] = 500, ["user_weight"] = 0 });

        Assert.Equal(2, grid.Count); // dropout 0 and 0.2; λ is fixed
        Assert.All(grid, p => Assert.Equal((500.0, 0.0), (p["lambda"], p["user_weight"])));
        Assert.Equal([0, 0.2], grid.Select(p => p["dropout"]));
    }

    [Fact]
    public void CandidateGrid_IsEmpty_WhenNothingIsLeftToTune()
    {
        Assert.Empty(TuningSpaces.CandidateGrid("popularity", null));
        Assert.Empty(TuningSpaces.CandidateGrid("ials", new Dictionary<string, double> { ["regularization"] = 10 }));
    }

    [Fact]
    public void CandidateGrid_WithAnExplicitSearch_UsesOnlyIt()
    {
        var grid = TuningSpaces.CandidateGrid("ials", null, new Dictionary<string, double[]> { ["factors"] = [32, 128], ["alpha"] = [1, 4] });

        Assert.Equal(4, grid.Count);
        Assert.All(grid, p => Assert.Equal(["alpha", "factors"], p.Keys.Order(StringComparer.Ordinal)));
    }
}
