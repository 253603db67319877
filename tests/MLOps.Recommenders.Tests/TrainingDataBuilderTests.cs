using MLOps.Tests;
using MLOps.Core.Data;

namespace MLOps.Recommenders.Tests;

/// <summary>
/// Training data is built from events streamed one at a time (the pipeline's 2M-event step held every event object first):
/// the builder keeps what <see cref="TrainingData.FromEvents"/> always produced, and none of the events it was given.
/// </summary>
public class TrainingDataBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ViewingEvent Event(string user, string item, int minutes, EventType type = EventType.Play, double? rating = null) => new()
    {
        EventId = $"{user}-{item}-{minutes}", UserId = user, ContentId = item, Timestamp = T0.AddMinutes(minutes), EventType = type, Rating = rating,
        RatingScaleMax = rating is null ? null : 5,
    };

    // Arrival order is not id order; u2 re-watches "b"; an impression, a low rating and an event at the cutoff are skipped.
    private static readonly ViewingEvent[] Events =
    [
        Event("u2", "c", 5), Event("u10", "a", 1), Event("u2", "b", 2), Event("u10", "b", 3, EventType.Impression),
        Event("u2", "b", 9), Event("u10", "c", 4, EventType.Rate, rating: 1), Event("u10", "b", 6, EventType.Rate, rating: 4),
        Event("u3", "a", 60),
    ];

    private static readonly CatalogItem[] Catalog = [new() { ContentId = "z", Title = "Only in the catalogue" }, new() { ContentId = "a", Title = "A" }];

    [Fact]
    public void FromEvents_AndTheBuilder_GiveTheSameIndexesRowsAndSourcePositions()
    {
        var built = new TrainingDataBuilder(minRating: 2, before: T0.AddMinutes(60));
        foreach (var e in Events) built.Add(e);
        foreach (var data in new[] { TrainingData.FromEvents(Events, Catalog, minRating: 2, before: T0.AddMinutes(60)), built.Build(Catalog) })
        {
            Assert.Equal(["a", "b", "c", "z"], data.Items.Ids);             // catalogue ∪ events, ordinal order
            Assert.Equal(["u10", "u2"], data.UserIds);                       // "u10" < "u2" ordinally; u3 only after the cutoff
            Assert.Equal(5, data.SourceRowCount);                            // impression, low rating and late event skipped
            // u10: a (t=1), b (t=6, rated 4); u2: b (first 2, latest 9), c (t=5) — each user's rows by latest time.
            Assert.Equal([new Interaction(0, 0, 1, T(1)), new Interaction(0, 1, 4, T(6)), new Interaction(1, 2, 1, T(5)), new Interaction(1, 1, 1, T(9))],
                data.Interactions.ToArray());
            Assert.Equal([T(1), T(6), T(5), T(2)], data.FirstTimestamps.ToArray());
            Assert.Equal([1, 4, 0, 2], data.SourcePositions.ToArray());      // each pair's first row among the kept rows
            Assert.Equal(["A", null, null, "Only in the catalogue"], data.Catalog!.Select(c => c?.Title));
        }
    }

    [Fact]
    public void Add_KeepsNoReferenceToTheEvents()
    {
        var builder = new TrainingDataBuilder();
        var added = WeakTracking.AddTracked<ViewingEvent>(builder.Add, n => Event($"u{n % 37}", $"t{n}", n), 1000);
        Assert.Equal(0, WeakTracking.Alive(added));
        Assert.Equal(1000, builder.Build().InteractionCount);
    }


    private static long T(int minutes) => T0.AddMinutes(minutes).ToUnixTimeSeconds();
}
