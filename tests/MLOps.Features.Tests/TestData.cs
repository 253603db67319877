using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Features.Tests;

internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

internal static class TestData
{
    public static readonly DateTimeOffset Day0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static ViewingEvent Play(string user, string item, DateTimeOffset at, double? rating = null) => new()
    {
        EventId = Guid.NewGuid().ToString("N"), UserId = user, ContentId = item, Timestamp = at,
        EventType = rating is null ? EventType.Play : EventType.Rate, Rating = rating, RatingScaleMax = rating is null ? null : 5, ViewSeconds = rating is null ? 600 : null,
    };

    public static async Task WriteBatchAsync(IBlobStore store, string batch, IEnumerable<ViewingEvent> events)
    {
        var list = events.ToList();
        var day = DateOnly.FromDateTime(list[0].Timestamp.UtcDateTime);
        var text = new StringBuilder();
        foreach (var e in list) text.Append(JsonSerializer.Serialize(e, StoreJson.Options)).Append('\n');
        await store.WriteTextAsync(StoreLayout.EventBatch(day, batch), text.ToString());
    }

    public static Task WriteCatalogAsync(IBlobStore store) => store.WriteAsync(CatalogStore.CurrentPath, CatalogStore.Serialize(
    [
        new CatalogItem { ContentId = "a", Title = "A", Genres = ["Drama"], MaturityRating = "PG", ReleaseDate = new DateOnly(2020, 1, 1) },
        new CatalogItem { ContentId = "b", Title = "B", Genres = ["Comedy", "Drama"], MaturityRating = "R", ReleaseDate = new DateOnly(2025, 6, 1) },
        new CatalogItem { ContentId = "c", Title = "C", Genres = ["Horror"], MaturityRating = "R", ReleaseDate = new DateOnly(2026, 2, 1) },
        new CatalogItem { ContentId = "future", Title = "Not yet", Genres = ["Drama"], ReleaseDate = new DateOnly(2027, 1, 1) },
    ]));

    /// <summary>Several users over <paramref name="days"/> days, one or two batches a day, seeded.</summary>
    public static async Task WriteDaysAsync(IBlobStore store, int fromDay, int days, int seed = 1)
    {
        var random = new Random(seed + fromDay);
        string[] items = ["a", "b", "c", "x"];
        for (var d = fromDay; d < fromDay + days; d++)
            for (var batch = 0; batch < 1 + d % 2; batch++)
            {
                var events = Enumerable.Range(0, 40).Select(_ => Play($"u{random.Next(12)}", items[random.Next(items.Length)],
                    Day0.AddDays(d).AddMinutes(random.Next(24 * 60)), random.Next(3) == 0 ? random.Next(1, 6) : null)).ToList();
                await WriteBatchAsync(store, $"d{d:D2}-b{batch}", events);
            }
    }
}
