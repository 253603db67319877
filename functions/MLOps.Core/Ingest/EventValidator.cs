using System.Globalization;
using System.IO.Hashing;
using System.Text;
using MLOps.Core.Data;

namespace MLOps.Core.Ingest;

/// <summary>What the validator checks against (docs/data.md, "Validation rules").</summary>
public sealed record ValidationOptions
{
    public RatingScale RatingScale { get; init; } = RatingScale.Default;
    /// <summary>Events before this instant are rejected (<c>timestamp:before_1990</c>).</summary>
    public DateTimeOffset MinTimestamp { get; init; } = new(1990, 1, 1, 0, 0, 0, TimeSpan.Zero);
    /// <summary>Clock skew allowed past "now" before an event counts as in the future.</summary>
    public TimeSpan FutureTolerance { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>The longest view time accepted (a day).</summary>
    public double MaxViewSeconds { get; init; } = 86_400;
    public int MaxIdLength { get; init; } = 128;
}

/// <summary>
/// Turns raw rows into <see cref="ViewingEvent"/>s or names every field that is wrong and why.
/// Stateful for one batch: it remembers event ids, with the line each first appeared on, to reject duplicates within the
/// batch and name the line they repeat.
/// </summary>
public sealed class EventValidator(ValidationOptions options, DateTimeOffset now)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly Dictionary<ulong, long> _firstLine = [];
    private readonly DateTimeOffset _latest = now + options.FutureTolerance;

    public ValidationOptions Options { get; } = options;

    /// <summary>The validated event, or null with <paramref name="problems"/> filled (cleared first).</summary>
    public ViewingEvent? Validate(RawEvent raw, List<RowProblem> problems)
    {
        problems.Clear();
        if (raw.ParseError is { } parseError)
        {
            problems.Add(new RowProblem("line", Reasons.UnparseableLine, parseError));
            return null;
        }

        if (raw.Ambiguities is { } ambiguous) problems.AddRange(ambiguous);
        var user = Id(raw.UserId, "userId", problems);
        var content = Id(raw.ContentId, "contentId", problems);
        var timestamp = Timestamp(raw.Timestamp, problems);

        var type = EventType.Play;
        var typeGiven = !string.IsNullOrWhiteSpace(raw.EventType);
        if (typeGiven && !TryParseEventType(raw.EventType!.Trim(), out type))
            problems.Add(new RowProblem("eventType", Reasons.UnknownValue, $"'{Shown(raw.EventType)}' is not one of play, rate, impression, click, search, exposure."));

        double? view = null;
        if (!string.IsNullOrWhiteSpace(raw.ViewSeconds))
        {
            if (!double.TryParse(raw.ViewSeconds, NumberStyles.Float, Invariant, out var v) || !double.IsFinite(v))
                problems.Add(new RowProblem("viewSeconds", Reasons.Unparseable, $"'{Shown(raw.ViewSeconds)}' is not a number."));
            else if (v < 0)
                problems.Add(new RowProblem("viewSeconds", Reasons.Negative, $"{Shown(raw.ViewSeconds)} is negative."));
            else if (v > Options.MaxViewSeconds)
                problems.Add(new RowProblem("viewSeconds", Reasons.OutOfRange, $"{Shown(raw.ViewSeconds)} is longer than {Options.MaxViewSeconds} s."));
            else view = v;
        }

        var scale = Options.RatingScale;
        double? scaleMax = null;
        if (!string.IsNullOrWhiteSpace(raw.RatingScaleMax))
        {
            if (double.TryParse(raw.RatingScaleMax, NumberStyles.Float, Invariant, out var m) && double.IsFinite(m) && m > scale.Min)
            {
                scaleMax = m;
                scale = scale with { Max = m };
            }
            else problems.Add(new RowProblem("ratingScaleMax", Reasons.Invalid, $"'{Shown(raw.RatingScaleMax)}' is not a number above {scale.Min}."));
        }

        double? rating = null;
        if (!string.IsNullOrWhiteSpace(raw.Rating))
        {
            if (!double.TryParse(raw.Rating, NumberStyles.Float, Invariant, out var r) || !double.IsFinite(r))
                problems.Add(new RowProblem("rating", Reasons.Unparseable, $"'{Shown(raw.Rating)}' is not a number."));
            else if (r < scale.Min || r > scale.Max)
                problems.Add(new RowProblem("rating", Reasons.OutOfScale, $"{Shown(raw.Rating)} is outside the scale {scale}."));
            else if (scale.Step > 0 && Math.Abs(Math.IEEERemainder(r - scale.Min, scale.Step)) > 1e-9)
                problems.Add(new RowProblem("rating", Reasons.OutOfScale, $"{Shown(raw.Rating)} is not on the scale {scale}."));
            else rating = r;
            if (!typeGiven) type = EventType.Rate;
        }
        else if (type == EventType.Rate)
            problems.Add(new RowProblem("rating", Reasons.Missing, "a rate event needs a rating."));

        string? country = null;
        if (!string.IsNullOrWhiteSpace(raw.Country))
        {
            var c = raw.Country.Trim();
            if (c.Length == 2 && char.IsAsciiLetterUpper(c[0]) && char.IsAsciiLetterUpper(c[1])) country = c;
            else if (c.Length == 2 && char.IsAsciiLetter(c[0]) && char.IsAsciiLetter(c[1])) country = c.ToUpperInvariant();
            else problems.Add(new RowProblem("country", Reasons.Invalid, $"'{Shown(raw.Country)}' is not a two-letter ISO 3166 country code."));
        }

        var device = Optional(raw.Device, "device", problems);
        var experiment = Optional(raw.Experiment, "experiment", problems);
        var variant = Optional(raw.Variant, "variant", problems);
        var model = Optional(raw.Model, "model", problems);
        double? score = null;
        if (!string.IsNullOrWhiteSpace(raw.Score))
        {
            if (double.TryParse(raw.Score, NumberStyles.Float, Invariant, out var sc) && double.IsFinite(sc)) score = sc;
            else problems.Add(new RowProblem("score", Reasons.Unparseable, $"'{Shown(raw.Score)}' is not a number."));
        }

        string? eventId = null;
        if (!string.IsNullOrWhiteSpace(raw.EventId)) eventId = Id(raw.EventId, "eventId", problems);

        if (problems.Count > 0) return null;

        eventId ??= DeriveEventId(user!, content!, timestamp!.Value, type);
        var hash = EarlierEventIds.Hash(eventId);
        if (!_firstLine.TryAdd(hash, raw.Line))
        {
            problems.Add(new RowProblem("eventId", Reasons.Duplicate, $"event id '{eventId}' already appeared in this batch{RowProblem.DuplicateOf(_firstLine[hash])}."));
            return null;
        }

        return new ViewingEvent
        {
            EventId = eventId,
            UserId = user!,
            ContentId = content!,
            Timestamp = timestamp!.Value,
            EventType = type,
            ViewSeconds = view,
            Rating = rating,
            RatingScaleMax = rating is null ? null : scaleMax ?? scale.Max,
            Device = device,
            Country = country,
            Experiment = experiment,
            Variant = variant,
            Score = score,
            Model = model,
        };
    }

    /// <summary>The id of an event that came without one: a hash of who, what, when and which kind.</summary>
    public static string DeriveEventId(string userId, string contentId, DateTimeOffset timestamp, EventType type)
    {
        var key = $"{userId}\u001f{contentId}\u001f{timestamp.UtcTicks}\u001f{(int)type}";
        return "h" + XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key)).ToString("x16", Invariant);
    }

    public static bool TryParseEventType(string text, out EventType type)
    {
        foreach (var (name, value) in EventTypeNames)
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
            {
                type = value;
                return true;
            }
        type = default;
        return false;
    }

    private static readonly (string Name, EventType Type)[] EventTypeNames =
        [.. Enum.GetValues<EventType>().Select(t => (t.ToString(), t))];

    /// <summary>
    /// Parses unix seconds (or milliseconds when the number is beyond year 5000 in seconds; a fraction or an exponent
    /// is kept to the millisecond) or ISO 8601 (<see cref="IsoTimestamp"/>); a time without an offset is taken as UTC.
    /// Nothing else: a culture's date such as 03/04/2023 would be a guess between March and April.
    /// </summary>
    public static bool TryParseTimestamp(string text, out DateTimeOffset value)
    {
        var span = text.AsSpan().Trim();
        if (long.TryParse(span, NumberStyles.AllowLeadingSign, Invariant, out var unix))
            return TryFromUnixMilliseconds(Math.Abs(unix) > UnixMillisecondsFrom ? unix : unix * 1000.0, out value);
        if (TryParseIsoUtc(span, out value)) return true;
        if (double.TryParse(span, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, Invariant, out var number))
            return TryFromUnixMilliseconds(Math.Abs(number) > UnixMillisecondsFrom ? number : number * 1000, out value);
        return IsoTimestamp.TryParse(span, out value);
    }

    /// <summary>Numbers above this are unix milliseconds (in seconds they would be after the year 5000).</summary>
    private const long UnixMillisecondsFrom = 100_000_000_000;

    private static bool TryFromUnixMilliseconds(double milliseconds, out DateTimeOffset value)
    {
        value = default;
        if (!double.IsFinite(milliseconds)) return false;
        var rounded = Math.Floor(milliseconds);
        if (rounded < -62_135_596_800_000d || rounded > 253_402_300_799_999d) return false;
        value = DateTimeOffset.FromUnixTimeMilliseconds((long)rounded);
        return true;
    }

    /// <summary>The fast path for the most common form, <c>yyyy-MM-ddTHH:mm:ssZ</c>.</summary>
    private static bool TryParseIsoUtc(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') return false;
        int year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2), hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59)
            return false;
        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static int Digits(ReadOnlySpan<char> s, int start, int count)
    {
        var v = 0;
        for (var k = start; k < start + count; k++)
        {
            var c = s[k] - '0';
            if ((uint)c > 9) return -1;
            v = v * 10 + c;
        }
        return v;
    }

    private DateTimeOffset? Timestamp(string? text, List<RowProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add(new RowProblem("timestamp", Reasons.Missing, "no timestamp."));
            return null;
        }
        if (!TryParseTimestamp(text, out var t))
        {
            problems.Add(new RowProblem("timestamp", Reasons.Unparseable, $"'{Shown(text)}' is neither unix seconds nor ISO 8601."));
            return null;
        }
        if (t < Options.MinTimestamp)
        {
            problems.Add(new RowProblem("timestamp", Reasons.Before1990, $"{t:O} is before {Options.MinTimestamp:yyyy-MM-dd}."));
            return null;
        }
        if (t > _latest)
        {
            problems.Add(new RowProblem("timestamp", Reasons.InFuture, $"{t:O} is in the future."));
            return null;
        }
        return t;
    }

    private string? Id(string? text, string field, List<RowProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add(new RowProblem(field, Reasons.Missing, $"no {field}."));
            return null;
        }
        var id = text.Trim();
        if (id.Length > Options.MaxIdLength || HasUnprintable(id))
        {
            problems.Add(new RowProblem(field, Reasons.Invalid, $"{field} must be 1 to {Options.MaxIdLength} printable characters (no control characters, no bytes that are not UTF-8)."));
            return null;
        }
        return id;
    }

    private string? Optional(string? text, string field, List<RowProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var value = text.Trim();
        if (value.Length > Options.MaxIdLength || HasUnprintable(value))
        {
            problems.Add(new RowProblem(field, Reasons.Invalid, $"{field} must be 1 to {Options.MaxIdLength} printable characters (no control characters, no bytes that are not UTF-8)."));
            return null;
        }
        return value;
    }

    /// <summary>A raw value for a message: a JSON object or array (marked by a leading NUL so it can never be valid) shown as its JSON text.</summary>
    private static string? Shown(string? value) => value is ['\u0000', ..] ? value[1..] : value;

    /// <summary>
    /// Control characters, or U+FFFD: the reader's stand-in for bytes that are not UTF-8 (different bad bytes would
    /// otherwise collapse into one id).
    /// </summary>
    public static bool HasUnprintable(string s)
    {
        foreach (var c in s) if (char.IsControl(c) || c == '\uFFFD') return true;
        return false;
    }
}
