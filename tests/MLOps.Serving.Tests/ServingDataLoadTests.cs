using MLOps.Core.Data;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

/// <summary>
/// The serving data is loaded from events streamed into 16-byte rows (at 2M events the event objects held until the build
/// were ≈ 700 MB of peak memory): the same titles, histories, popularity and trending as before, and no event kept.
/// </summary>
public sealed class ServingDataLoadTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static ViewingEvent Event(string user, string title, int hours, EventType type = EventType.Play) =>
        new() { EventId = $"{user}-{title}-{hours}-{type}", UserId = user, ContentId = title, Timestamp = At.AddHours(hours), EventType = type };

    // Arrival order is not time order; b's two plays at hour 5 are a tie kept in arrival order; the impression is not a view.
    private static readonly ViewingEvent[] Events =
    [
        Event("b", "x", 5), Event("a", "y", 3), Event("a", "c1", 1), Event("b", "c2", 5), Event("a", "x", 2, EventType.Rate),
        Event("b", "z", 9, EventType.Impression), Event("b", "y", 0),
    ];

    private static readonly CatalogItem[] Catalog = [new() { ContentId = "c2", Title = "Two", Genres = ["Drama"] }, new() { ContentId = "c1", Title = "One", Genres = ["Comedy"] }];

    [Fact]
    public async Task LoadAsync_GivesTitlesHistoriesAndPopularityFromTheConsumptionEvents()
    {
        var store = TestEnvironment.NewFolderStore("serving-load");
        // One day blob, rows in the arrival order above (the whole test's events fall on 2025-03-01).
        await SyntheticData.WriteAsync(store, Catalog, Events);
        var data = await ServingData.LoadAsync(store, TimeSpan.FromDays(7), TestContext.Current.CancellationToken);

        // The stored catalogue (merged in id order) first, then titles by first appearance in the events; no "z" (impression only).
        Assert.Equal(["c1", "c2", "x", "y"], data.Items.Ids);
        Assert.Equal(["y", "x", "c2"], data.User("b")!.History.Select(i => data.Items[i]));
        Assert.Equal(["c1", "x", "y"], data.User("a")!.History.Select(i => data.Items[i]));
        Assert.Equal([1f, 1f, 2f, 2f], data.Popularity);
        Assert.Equal(2, data.UserCount);
        Assert.Equal(At.AddHours(5), data.Now);
        // x: plays at hours 5 and 2, half-life 7 days: 1 + 0.5^(3 h / 7 d).
        Assert.Equal(1 + Math.Pow(0.5, 3 / 168.0), data.Trending[data.Items.TryGetIndex("x", out var x) ? x : -1], 5);
    }

    [Fact]
    public void Build_KeepsTiesInArrivalOrder()
    {
        var data = ServingData.Build(Catalog, Events.Where(ServingData.IsConsumption).ToList(), TimeSpan.FromDays(7));
        Assert.Equal(["y", "x", "c2"], data.User("b")!.History.Select(i => data.Items[i]));
        Assert.Equal(["c2", "c1", "x", "y"], data.Items.Ids);
    }

    [Fact]
    public void ServingEvents_KeepNoReferenceToTheEvents()
    {
        var rows = new ServingEvents();
        var added = WeakTracking.AddTracked<ViewingEvent>(rows.Add, n => Event($"u{n % 37}", $"t{n}", n), 1000);
        Assert.Equal(0, WeakTracking.Alive(added));
        Assert.Equal(1000, rows.Rows.Length);
        Assert.Equal(37, rows.UserCount);
    }

}
