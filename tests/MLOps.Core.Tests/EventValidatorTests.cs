using MLOps.Core.Data;
using MLOps.Core.Ingest;

namespace MLOps.Core.Tests;

public class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static (ViewingEvent? Event, List<RowProblem> Problems) Validate(RawEvent raw, RatingScale? scale = null)
    {
        var problems = new List<RowProblem>();
        var e = new EventValidator(new ValidationOptions { RatingScale = scale ?? RatingScale.HalfStars }, Now).Validate(raw, problems);
        return (e, problems);
    }

    [Fact]
    public void Validate_GoodRow_AcceptsWithDerivedIdAndRateType()
    {
        var (e, problems) = Validate(new RawEvent { UserId = " 7 ", ContentId = "42", Timestamp = "964982703", Rating = "4.5" });
        Assert.Empty(problems);
        Assert.NotNull(e);
        Assert.Equal("7", e.UserId);
        Assert.Equal(EventType.Rate, e.EventType);
        Assert.Equal(4.5, e.Rating);
        Assert.Equal(5, e.RatingScaleMax);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(964982703), e.Timestamp);
        Assert.Equal(EventValidator.DeriveEventId("7", "42", e.Timestamp, EventType.Rate), e.EventId);
    }

    [Theory]
    [InlineData("2024-05-01T10:00:00Z", 2024, 5, 1, 10)]
    [InlineData("2024-05-01T12:00:00+02:00", 2024, 5, 1, 10)]
    [InlineData("2024-05-01 10:00:00", 2024, 5, 1, 10)]
    [InlineData("1714557600000", 2024, 5, 1, 10)]
    [InlineData("2024-05-01T10:00Z", 2024, 5, 1, 10)]
    [InlineData("2024-05-01T10:00:00.000+00:00", 2024, 5, 1, 10)]
    [InlineData("2024-05-01T11:00:00+0100", 2024, 5, 1, 10)]
    [InlineData("1714557600.0", 2024, 5, 1, 10)]
    [InlineData("1.7145576e9", 2024, 5, 1, 10)]
    public void TryParseTimestamp_AcceptsUnixAndIso_AsUtc(string text, int y, int m, int d, int h)
    {
        Assert.True(EventValidator.TryParseTimestamp(text, out var t));
        Assert.Equal(new DateTimeOffset(y, m, d, h, 0, 0, TimeSpan.Zero), t);
        Assert.Equal(TimeSpan.Zero, t.Offset);
    }

    /// <summary>Python's time.time() and JavaScript's Date.now()/1000 give fractional unix seconds: kept to the millisecond.</summary>
    [Fact]
    public void TryParseTimestamp_FractionalUnixSeconds_ToTheMillisecond()
    {
        Assert.True(EventValidator.TryParseTimestamp("1700000000.9", out var t));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_900), t);
        Assert.True(EventValidator.TryParseTimestamp("1700000000123.4", out var ms));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), ms);
    }

    /// <summary>
    /// Only the documented forms: a culture's date (03/04/2023 is March or April depending on who wrote it), a date
    /// without a year or a time without a date would be stored as a guess, so they are unparseable.
    /// </summary>
    [Theory]
    [InlineData("03/04/2023")]
    [InlineData("14/11/2023")]
    [InlineData("5/6")]
    [InlineData("12/31")]
    [InlineData("Dec 1")]
    [InlineData("00:01")]
    [InlineData("1 December 2023")]
    [InlineData("Fri, 01 Dec 2023 10:00:00 GMT")]
    [InlineData("2023-11-14T")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    public void TryParseTimestamp_RefusesWhatIsNotUnixOrIso(string text) =>
        Assert.False(EventValidator.TryParseTimestamp(text, out _), text);

    [Fact]
    public void Validate_SeveralBadFields_NamesEachFieldAndReason()
    {
        var (e, problems) = Validate(new RawEvent { UserId = "", ContentId = "c", Timestamp = "2100-01-01T00:00:00Z", Rating = "3.3", ViewSeconds = "-1", Country = "USA" });
        Assert.Null(e);
        Assert.Equal(["userId:missing", "timestamp:in_future", "viewSeconds:negative", "rating:out_of_scale", "country:invalid"], problems.Select(p => p.Key));
    }

    [Fact]
    public void Validate_RatingScaleMaxColumn_OverridesScaleAndIsKept()
    {
        var (e, problems) = Validate(new RawEvent { UserId = "u", ContentId = "c", Timestamp = "1700000000", Rating = "8", RatingScaleMax = "10" }, RatingScale.Default);
        Assert.Empty(problems);
        Assert.Equal(10, e!.RatingScaleMax);
    }

    [Fact]
    public void Validate_RateEventWithoutRating_IsMissingRating()
    {
        var (_, problems) = Validate(new RawEvent { UserId = "u", ContentId = "c", Timestamp = "1700000000", EventType = "rate" });
        Assert.Equal("rating:missing", Assert.Single(problems).Key);
    }

    [Fact]
    public void Validate_SameEventTwice_SecondIsDuplicate()
    {
        var validator = new EventValidator(new ValidationOptions(), Now);
        var problems = new List<RowProblem>();
        var row = new RawEvent { UserId = "u", ContentId = "c", Timestamp = "1700000000", ViewSeconds = "30" };
        Assert.NotNull(validator.Validate(row, problems));
        Assert.Null(validator.Validate(row, problems));
        Assert.Equal("eventId:duplicate", Assert.Single(problems).Key);
    }

    /// <summary>The message names the line the duplicate repeats (it said only "already appeared in this batch"); the code stays <c>eventId:duplicate</c>.</summary>
    [Fact]
    public void Validate_SameEventTwice_TheDuplicateNamesTheLineItRepeats()
    {
        var validator = new EventValidator(new ValidationOptions(), Now);
        var problems = new List<RowProblem>();
        RawEvent Row(long line) => new() { Line = line, UserId = "u", ContentId = "c", Timestamp = "1700000000", ViewSeconds = "30" };
        Assert.NotNull(validator.Validate(Row(17), problems));
        Assert.NotNull(validator.Validate(new RawEvent { Line = 18, UserId = "u2", ContentId = "c", Timestamp = "1700000000" }, problems));

        Assert.Null(validator.Validate(Row(42), problems));

        var problem = Assert.Single(problems);
        Assert.Equal("eventId:duplicate", problem.Key);
        Assert.EndsWith("already appeared in this batch: duplicate of line 17.", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b,c", ',', new[] { "a", "b", "c" })]
    [InlineData("1,\"Big, Bad (1999)\",Drama", ',', new[] { "1", "Big, Bad (1999)", "Drama" })]
    [InlineData("1,\"say \"\"hi\"\"\",x", ',', new[] { "1", "say \"hi\"", "x" })]
    [InlineData("a\t\tc", '\t', new[] { "a", "", "c" })]
    public void TrySplit_QuotedAndPlainFields(string line, char delimiter, string[] expected)
    {
        var fields = new List<string>();
        Assert.True(Delimited.TrySplit(line, delimiter, fields));
        Assert.Equal(expected, fields);
    }

    [Fact]
    public void TrySplit_OpenQuote_Fails() => Assert.False(Delimited.TrySplit("1,\"open,x", ',', []));
}
