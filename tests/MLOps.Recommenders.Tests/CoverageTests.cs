using MLOps.Core.Data;

namespace MLOps.Recommenders.Tests;

/// <summary>Which items a model learned something about (serving falls back for the others instead of ranking by index).</summary>
public class CoverageTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Titles a, b, c watched by 10, 6 and 3 users; d is in the catalogue with no interaction.</summary>
    private static TrainingData Data()
    {
        var events = new List<ViewingEvent>();
        void Watch(string item, int users)
        {
            for (var u = 0; u < users; u++)
                events.Add(new ViewingEvent { EventId = $"{item}{u}", UserId = $"u{u}", ContentId = item, Timestamp = Start.AddHours(events.Count), EventType = EventType.Play, ViewSeconds = 60 });
        }
        Watch("a", 10); Watch("b", 6); Watch("c", 3);
        var catalog = new[] { "a", "b", "c", "d" }.Select(id => new CatalogItem { ContentId = id, Title = id.ToUpperInvariant(), Genres = ["Drama"] });
        return TrainingData.FromEvents(events, catalog);
    }

    [Theory]
    [InlineData("ease", "max_items", 2, "a b")]       // only the 2 most-interacted titles are modelled
    [InlineData("ease", "max_items", 100, "a b c")]   // every title with interactions, not d
    [InlineData("ials", "factors", 4, "a b c")]       // d's factors stay zero
    [InlineData("popularity", "half_life_days", 0, "a b c d")]
    public void Covers_TheItemsTheModelLearned(string kind, string parameter, double value, string covered)
    {
        var data = Data();
        var model = ModelTrainer.Train(kind, new Dictionary<string, double> { [parameter] = value }, data);
        var items = Enumerable.Range(0, model.Items.Count).Where(model.Covers).Select(i => model.Items[i]).Order(StringComparer.Ordinal);
        Assert.Equal(covered, string.Join(' ', items));
    }
}
