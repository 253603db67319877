using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Serving.Experiments;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

/// <summary>Exposures carry the model's score of each title it chose (drift compares them with the champion's evaluation); older records without one still read.</summary>
public sealed class ExposureScoreTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    [Fact]
    public async Task Recommendations_ExposuresCarryTheModelsScores_OnlyForListsAskedForAsEvaluated()
    {
        var ct = TestContext.Current.CancellationToken;
        var reader = fixture.Client(fixture.ReadKey);
        var plain = await (await reader.GetAsync("/api/users/u41/recommendations?k=5", ct)).ReadAsync();
        var diversified = await (await reader.GetAsync("/api/users/u42/recommendations?k=5&diversity=0.5", ct)).ReadAsync();
        await fixture.App.Services.GetRequiredService<ExposureLog>().FlushAsync(ct);
        var exposures = await EventLog.ReadAsync(fixture.Store, cancellationToken: ct).Where(e => e.EventType == EventType.Exposure).ToListAsync(ct);

        Assert.False(plain.GetProperty("coldStart").GetBoolean());
        var model = plain.GetProperty("model");
        var served = plain.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("contentId").GetString()!, i => i.GetProperty("score").GetDouble());
        var logged = exposures.Where(e => e.UserId == "u41").ToList();
        Assert.Equal(served.Count, logged.Count);
        Assert.All(logged, e =>
        {
            Assert.Equal(served[e.ContentId], e.Score);
            Assert.Equal($"{model.GetProperty("name").GetString()} v{model.GetProperty("version").GetString()}", e.Model);
        });
        // A diversified list is not ranked as the evaluation ranks: its titles are logged, their scores are not.
        var other = exposures.Where(e => e.UserId == "u42").ToList();
        Assert.Equal(diversified.GetProperty("items").GetArrayLength(), other.Count);
        Assert.All(other, e => { Assert.Null(e.Score); Assert.Null(e.Model); });
        // The score is internal to the log: the response body does not grow a field.
        Assert.False(plain.TryGetProperty("modelChosen", out _));
    }

    /// <summary>
    /// Outside any experiment, lists are still logged (without experiment or variant) for the sampled share of users, so
    /// prediction drift and decay have served scores in normal operation; a rate of 0 logs none.
    /// </summary>
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    public async Task Recommendations_OutsideAnExperiment_LoggedForTheSampledShare(double rate)
    {
        var ct = TestContext.Current.CancellationToken;
        var host = new ServingFixture();
        host.Settings.Remove("ServingOptions:RecommendationsExperiment");
        host.Settings["ServingOptions:ExposureSampleRate"] = rate.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await host.InitializeAsync();
        try
        {
            var plain = await (await host.Client(host.ReadKey).GetAsync("/api/users/u41/recommendations?k=5", ct)).ReadAsync();
            await host.App.Services.GetRequiredService<ExposureLog>().FlushAsync(ct);
            var logged = await EventLog.ReadAsync(host.Store, cancellationToken: ct).Where(e => e.EventType == EventType.Exposure && e.UserId == "u41").ToListAsync(ct);

            Assert.Equal(rate == 0 ? 0 : plain.GetProperty("items").GetArrayLength(), logged.Count);
            Assert.All(logged, e => { Assert.Null(e.Experiment); Assert.Null(e.Variant); Assert.NotNull(e.Score); });
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(1.0, 1000)]
    public void ExposureSampling_AllOrNone_AtTheEnds(double rate, int expected) =>
        Assert.Equal(expected, Enumerable.Range(0, 1000).Count(i => ExposureLog.Sampled($"user-{i}", rate)));

    [Fact]
    public void ExposureSampling_StableShareOfUsers()
    {
        var sampled = Enumerable.Range(0, 10_000).Where(i => ExposureLog.Sampled($"user-{i}", 0.1)).ToList();
        Assert.InRange(sampled.Count, 900, 1100);
        Assert.Equal(sampled, Enumerable.Range(0, 10_000).Where(i => ExposureLog.Sampled($"user-{i}", 0.1)));
    }

    [Fact]
    public void ServedItems_FallbackTitlesHaveNoScore()
    {
        var items = new[] { "a", "b", "c" }.Select((id, i) => new RecommendedItem(id, id, 1.0 - i / 10.0, "r", [])).ToList();
        var response = new RecommendationsResponse("u", false, null, null, null, items) { ModelChosen = 2 };
        Assert.Equal(new double?[] { 1.0, 0.9, null }, ServingApi.Served(response, asEvaluated: true).Select(s => s.Score));
        Assert.All(ServingApi.Served(response, asEvaluated: false), s => Assert.Null(s.Score));
        Assert.All(ServingApi.Served(response with { ModelChosen = 0 }, asEvaluated: true), s => Assert.Null(s.Score));
    }

    /// <summary>Records written before exposures carried scores (no "score", no "model") still read, and the A/B results still count them.</summary>
    [Fact]
    public async Task OldExposureRecords_WithoutScores_StillRead_ByTheEventLogAndTheExperimentResults()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("old-exposures");
        var at = new DateTimeOffset(2024, 5, 2, 10, 0, 0, TimeSpan.Zero);
        var old = """{"eventId":"exp-1","userId":"a","contentId":"m1","timestamp":"2024-05-02T10:00:00+00:00","eventType":"exposure","experiment":"x","variant":"control"}""";
        var fresh = JsonSerializer.Serialize(new ViewingEvent
        {
            EventId = "exp-2", UserId = "b", ContentId = "m2", Timestamp = at, EventType = EventType.Exposure, Experiment = "x", Variant = "treatment",
            Score = 0.42, Model = "recommender v3",
        }, StoreJson.Options);
        var play = JsonSerializer.Serialize(new ViewingEvent { EventId = "p-1", UserId = "a", ContentId = "m1", Timestamp = at.AddHours(1), EventType = EventType.Play }, StoreJson.Options);
        await store.WriteTextAsync(StoreLayout.EventBatch(DateOnly.FromDateTime(at.UtcDateTime), "mixed"), $"{old}\n{fresh}\n{play}\n", cancellationToken: ct);

        var events = await EventLog.ReadAsync(store, cancellationToken: ct).ToListAsync(ct);
        Assert.Null(events.Single(e => e.EventId == "exp-1").Score);
        Assert.Equal(0.42, events.Single(e => e.EventId == "exp-2").Score);
        Assert.Contains("\"score\":0.42", fresh);

        var results = await ExperimentService.ResultsAsync(store, new ExperimentDefinition
        {
            Id = "x", Variants = [new() { Name = "control" }, new() { Name = "treatment" }],
        }, ct);
        var control = results.Variants.Single(v => v.Variant == "control");
        Assert.Equal((1, 1), (control.ExposedUsers, control.PlayedUsers));
        Assert.Equal(1, results.Variants.Single(v => v.Variant == "treatment").ExposedUsers);
    }

    /// <summary>
    /// A user's variant is the one of their earliest exposure, wherever it is read in the log; a click or play counts for a
    /// title only at or after that title was shown. The results took the variant of the first exposure read (a re-split of
    /// the shares put a user in both) and counted a play of a title that was only shown later.
    /// </summary>
    [Fact]
    public async Task Results_TakeTheEarliestExposuresVariant_AndCountOnlyOutcomesAfterTheTitleWasShown()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore("experiment-order");
        var day = new DateTimeOffset(2024, 5, 2, 0, 0, 0, TimeSpan.Zero);
        string Exposure(string user, string item, int hour, string variant) => JsonSerializer.Serialize(new ViewingEvent
        {
            EventId = $"x-{user}-{item}-{hour}", UserId = user, ContentId = item, Timestamp = day.AddHours(hour), EventType = EventType.Exposure,
            Experiment = "x", Variant = variant,
        }, StoreJson.Options);
        string Play(string user, string item, int hour) => JsonSerializer.Serialize(new ViewingEvent
        {
            EventId = $"p-{user}-{item}-{hour}", UserId = user, ContentId = item, Timestamp = day.AddHours(hour), EventType = EventType.Play,
        }, StoreJson.Options);
        string[] lines =
        [
            Exposure("a", "m1", 12, "control"), Exposure("a", "m2", 9, "treatment"),              // a: treatment first, read second
            Exposure("b", "m1", 10, "control"), Play("b", "m2", 11), Exposure("b", "m2", 12, "control"), // b played m2 before it was shown
            Exposure("c", "m1", 10, "control"), Play("c", "m1", 11),                                 // c played what it was shown
        ];
        await store.WriteTextAsync(StoreLayout.EventBatch(DateOnly.FromDateTime(day.UtcDateTime), "ordered"), string.Join('\n', lines) + "\n", cancellationToken: ct);

        var results = await ExperimentService.ResultsAsync(store, new ExperimentDefinition
        {
            Id = "x", Variants = [new() { Name = "control" }, new() { Name = "treatment" }],
        }, ct);

        var control = results.Variants.Single(v => v.Variant == "control");
        var treatment = results.Variants.Single(v => v.Variant == "treatment");
        Assert.Equal((2, 1), (control.ExposedUsers, control.PlayedUsers));
        Assert.Equal((1, 0), (treatment.ExposedUsers, treatment.PlayedUsers));
    }
}
