using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Drift.Tests;

/// <summary>What to plant in the synthetic stream from <see cref="Synthetic.DriftFrom"/> on.</summary>
[Flags]
public enum Plant { None = 0, GenreSurge = 1, RatingScale = 2, VolumeDrop = 4, AccountCountries = 8, NullDevices = 16 }

/// <summary>
/// A small stationary stream of viewing events (seeded), with optional planted shifts from day D:
/// genre surge (horror titles 10× as likely), ratings on a 1–10 scale, volume down to 30 %, one account from 6 countries in an hour.
/// </summary>
public static class Synthetic
{
    public static readonly DateOnly Start = new(2024, 3, 1);
    public static readonly string[] Genres = ["Drama", "Comedy", "Action", "Horror", "Documentary", "Animation", "Thriller", "Romance"];
    public static readonly string[] Countries = ["US", "GB", "DE", "FR", "BR", "IN", "JP", "CA"];
    public static readonly string[] Devices = ["tv", "mobile", "web", "tablet"];

    public static DateOnly DriftFrom(int referenceDays) => Start.AddDays(referenceDays);

    public static async Task WriteAsync(IBlobStore store, int days, int eventsPerDay, int seed, Plant plant = Plant.None, int driftFromDay = int.MaxValue,
        int users = 400, int items = 200)
    {
        var random = new Random(seed);
        var catalog = Enumerable.Range(0, items).Select(i => new CatalogItem
        {
            ContentId = $"c{i}", Title = $"Title {i}",
            Genres = [Genres[i % Genres.Length], Genres[(i + 1 + i / Genres.Length % 7) % Genres.Length]],
        }).ToList();
        await store.WriteAsync(CatalogStore.CurrentPath, CatalogStore.Serialize(catalog));
        // Item popularity: Zipf-like weights.
        var weights = Enumerable.Range(0, items).Select(i => 1.0 / (1 + i % 50)).ToArray();
        var userCountry = Enumerable.Range(0, users).Select(_ => Countries[random.Next(Countries.Length)]).ToArray();
        var userDevice = Enumerable.Range(0, users).Select(_ => Devices[random.Next(Devices.Length)]).ToArray();
        for (var d = 0; d < days; d++)
        {
            var day = Start.AddDays(d);
            var drifted = d >= driftFromDay;
            var count = drifted && plant.HasFlag(Plant.VolumeDrop) ? eventsPerDay * 3 / 10 : eventsPerDay;
            var w = weights.ToArray();
            if (drifted && plant.HasFlag(Plant.GenreSurge))
                for (var i = 0; i < items; i++) if (catalog[i].Genres[0] == "Horror") w[i] *= 10;
            var cumulative = new double[items];
            var total = 0.0;
            for (var i = 0; i < items; i++) cumulative[i] = total += w[i];
            var text = new StringBuilder();
            for (var e = 0; e < count; e++)
            {
                var user = random.Next(users);
                var pick = random.NextDouble() * total;
                var item = Array.BinarySearch(cumulative, pick);
                if (item < 0) item = Math.Min(~item, items - 1);
                // Daily seasonality: more events in the evening.
                var hour = (int)Math.Clamp(Normal(random, 19, 4), 0, 23.99);
                var at = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(hour).AddSeconds(random.Next(3600));
                var rate = random.NextDouble() < 0.3;
                var scale = drifted && plant.HasFlag(Plant.RatingScale) ? 10.0 : 5.0;
                var device = drifted && plant.HasFlag(Plant.NullDevices) && random.NextDouble() < 0.4 ? null : userDevice[user];
                var ev = new ViewingEvent
                {
                    EventId = $"e{d}-{e}", UserId = $"u{user}", ContentId = $"c{item}", Timestamp = at,
                    EventType = rate ? EventType.Rate : EventType.Play,
                    ViewSeconds = rate ? null : Math.Round(Math.Exp(Normal(random, 7, 0.8))),
                    Rating = rate ? Math.Clamp(Math.Round(Normal(random, 0.7 * scale, 0.2 * scale)), 1, scale) : null,
                    RatingScaleMax = rate ? scale : null,
                    Device = device, Country = userCountry[user],
                };
                text.Append(JsonSerializer.Serialize(ev, StoreJson.Options)).Append('\n');
            }
            if (drifted && plant.HasFlag(Plant.AccountCountries))
                for (var k = 0; k < 6; k++)
                {
                    var ev = new ViewingEvent
                    {
                        EventId = $"x{d}-{k}", UserId = "u-shared", ContentId = "c1", EventType = EventType.Play, ViewSeconds = 600,
                        Timestamp = new DateTimeOffset(day.ToDateTime(new TimeOnly(20, 5 + k * 5)), TimeSpan.Zero), Country = Countries[k], Device = "tv",
                    };
                    text.Append(JsonSerializer.Serialize(ev, StoreJson.Options)).Append('\n');
                }
            await store.WriteTextAsync(StoreLayout.EventBatch(day, $"batch-{d:D3}"), text.ToString());
        }
    }

    private static double Normal(Random random, double mean, double sd)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
