using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Drift.Tests;

/// <summary>What to plant in the synthetic stream from <see cref="Synthetic.DriftFrom"/> on.</summary>
[Flags]
public enum Plant
{
    None = 0, GenreSurge = 1, RatingScale = 2, VolumeDrop = 4, AccountCountries = 8, NullDevices = 16,
    /// <summary>One account on 5 devices (one country) within an hour.</summary>
    AccountDevices = 32,
    /// <summary>One account sends 150 events within an hour.</summary>
    EventBurst = 64,
    /// <summary>Served lists drawn mostly from the least popular titles.</summary>
    ServedTail = 128,
    /// <summary>Served lists with horror titles 10× as likely.</summary>
    ServedGenreSurge = 256,
}

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
        int users = 400, int items = 200, int driftUntilDay = int.MaxValue)
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
            var drifted = d >= driftFromDay && d < driftUntilDay;
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
            if (drifted && plant.HasFlag(Plant.AccountDevices))
                for (var k = 0; k < 5; k++)
                    Append(text, new ViewingEvent
                    {
                        EventId = $"y{d}-{k}", UserId = "u-devices", ContentId = $"c{k}", EventType = EventType.Play, ViewSeconds = 600,
                        Timestamp = new DateTimeOffset(day.ToDateTime(new TimeOnly(21, 5 + k * 5)), TimeSpan.Zero), Country = "US", Device = $"device-{k}",
                    });
            if (drifted && plant.HasFlag(Plant.EventBurst))
                for (var k = 0; k < 150; k++)
                    Append(text, new ViewingEvent
                    {
                        EventId = $"z{d}-{k}", UserId = "u-bot", ContentId = $"c{k % items}", EventType = EventType.Click,
                        Timestamp = new DateTimeOffset(day.ToDateTime(new TimeOnly(3, 0)), TimeSpan.Zero).AddSeconds(k * 20), Country = "US", Device = "web",
                    });
            await store.WriteTextAsync(StoreLayout.EventBatch(day, $"batch-{d:D3}"), text.ToString());
        }
    }

    /// <summary>
    /// Served recommendation lists as the serving layer logs them (one exposure event per title, all stamped with the list's
    /// time), to fresh users "v&lt;day&gt;-&lt;n&gt;" so no list can be hit by another list's plays. With probability
    /// <paramref name="followRate"/> (<paramref name="followRateAfter"/> from <paramref name="driftFromDay"/>) the user plays one of
    /// the served titles 1 hour to 5 days later: the known online hit rate. Titles are drawn by the main stream's popularity.
    /// </summary>
    public static async Task WriteServedAsync(IBlobStore store, int days, int listsPerDay, int seed, double followRate, double? followRateAfter = null,
        Plant plant = Plant.None, int driftFromDay = int.MaxValue, int items = 200, int listLength = 10)
    {
        var random = new Random(seed);
        var batches = Enumerable.Range(0, days).Select(_ => new StringBuilder()).ToArray();
        for (var d = 0; d < days; d++)
        {
            var drifted = d >= driftFromDay;
            var weights = Enumerable.Range(0, items).Select(i =>
                drifted && plant.HasFlag(Plant.ServedTail) ? (1 + i % 50) / 50.0 * (1 + i % 50) / 50.0
                : drifted && plant.HasFlag(Plant.ServedGenreSurge) && Genres[i % Genres.Length] == "Horror" ? 10.0 / (1 + i % 50)
                : 1.0 / (1 + i % 50)).ToArray();
            var day = Start.AddDays(d);
            for (var n = 0; n < listsPerDay; n++)
            {
                var user = $"v{d}-{n}";
                var at = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddSeconds(random.Next(86_400));
                var titles = new List<int>();
                while (titles.Count < listLength)
                {
                    var item = Pick(random, weights);
                    if (!titles.Contains(item)) titles.Add(item);
                }
                foreach (var item in titles)
                    Append(batches[d], new ViewingEvent
                    {
                        EventId = $"s{d}-{n}-{item}", UserId = user, ContentId = $"c{item}", Timestamp = at, EventType = EventType.Exposure,
                        Experiment = "home", Variant = "champion", Device = "tv", Country = "US",
                    });
                if (random.NextDouble() >= (drifted ? followRateAfter ?? followRate : followRate)) continue;
                var playedAt = at.AddSeconds(3600 + random.Next(5 * 86_400 - 3600));
                var playDay = playedAt.UtcDateTime.Date.Subtract(Start.ToDateTime(TimeOnly.MinValue)).Days;
                if (playDay >= days) continue;
                Append(batches[playDay], new ViewingEvent
                {
                    EventId = $"p{d}-{n}", UserId = user, ContentId = $"c{titles[random.Next(titles.Count)]}", Timestamp = playedAt,
                    EventType = EventType.Play, ViewSeconds = Math.Round(Math.Exp(Normal(random, 7, 0.8))), Device = "tv", Country = "US",
                });
            }
        }
        for (var d = 0; d < days; d++)
            await store.WriteTextAsync(StoreLayout.EventBatch(Start.AddDays(d), $"served-{d:D3}"), batches[d].ToString());
    }

    private static int Pick(Random random, double[] weights)
    {
        var pick = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
            if ((pick -= weights[i]) < 0) return i;
        return weights.Length - 1;
    }

    private static void Append(StringBuilder text, ViewingEvent ev) => text.Append(JsonSerializer.Serialize(ev, StoreJson.Options)).Append('\n');

    private static double Normal(Random random, double mean, double sd)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
