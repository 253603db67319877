namespace MLOps.Core.Ingest;

/// <summary>
/// One event row as read from a source, every field still text. <see cref="EventValidator"/> turns it into a
/// <see cref="Data.ViewingEvent"/> or into the reasons it cannot be one.
/// </summary>
public sealed class RawEvent
{
    public long Line { get; set; }
    /// <summary>The row's text as it appeared in the source (kept for quarantine).</summary>
    public string Raw { get; set; } = "";
    /// <summary>The row's exact bytes when <see cref="Raw"/> is not a faithful decoding of them (not UTF-8); else null.</summary>
    public byte[]? RawBytes { get; set; }
    /// <summary>Set when the row could not even be split into fields (wrong column count, broken JSON, ...).</summary>
    public string? ParseError { get; set; }
    public string? EventId { get; set; }
    public string? UserId { get; set; }
    public string? ContentId { get; set; }
    public string? Timestamp { get; set; }
    public string? EventType { get; set; }
    public string? ViewSeconds { get; set; }
    public string? Rating { get; set; }
    public string? RatingScaleMax { get; set; }
    public string? Device { get; set; }
    public string? Country { get; set; }
    public string? Experiment { get; set; }
    public string? Variant { get; set; }
    /// <summary>An exposure's model score and the model that scored it, as serving stores them.</summary>
    public string? Score { get; set; }
    public string? Model { get; set; }

    /// <summary>Fields a JSON row gave twice with different values (two aliases, or a repeated property).</summary>
    public List<RowProblem>? Ambiguities { get; private set; }

    /// <summary>
    /// Sets a canonical field (<see cref="ColumnMap.Fields"/>) from the JSON property <paramref name="property"/>. A second,
    /// different value for a field is recorded as ambiguous instead of silently winning: which of
    /// <c>{"user":"A","userId":"B"}</c> is the user would be a guess (CSV refuses such a header outright).
    /// </summary>
    public void Set(string field, string? value, string property)
    {
        var current = Get(field);
        if (current is not null && !string.Equals(current, value, StringComparison.Ordinal))
            (Ambiguities ??= []).Add(new RowProblem(field, Reasons.Ambiguous,
                $"{field} is given twice with different values ('{current}', then '{value}' from property '{property}'); send it once."));
        else Assign(field, value);
    }

    private string? Get(string field) => field switch
    {
        "eventId" => EventId, "userId" => UserId, "contentId" => ContentId, "timestamp" => Timestamp, "eventType" => EventType,
        "viewSeconds" => ViewSeconds, "rating" => Rating, "ratingScaleMax" => RatingScaleMax, "device" => Device,
        "country" => Country, "experiment" => Experiment, "variant" => Variant, "score" => Score, "model" => Model,
        _ => throw new ArgumentException($"unknown event field '{field}'", nameof(field)),
    };

    private void Assign(string field, string? value)
    {
        switch (field)
        {
            case "eventId": EventId = value; break;
            case "userId": UserId = value; break;
            case "contentId": ContentId = value; break;
            case "timestamp": Timestamp = value; break;
            case "eventType": EventType = value; break;
            case "viewSeconds": ViewSeconds = value; break;
            case "rating": Rating = value; break;
            case "ratingScaleMax": RatingScaleMax = value; break;
            case "device": Device = value; break;
            case "country": Country = value; break;
            case "experiment": Experiment = value; break;
            case "variant": Variant = value; break;
            case "score": Score = value; break;
            case "model": Model = value; break;
            default: throw new ArgumentException($"unknown event field '{field}'", nameof(field));
        }
    }
}

/// <summary>The rating scale of a source: ratings must lie in [Min, Max] and, when Step &gt; 0, on Min + k·Step.</summary>
public readonly record struct RatingScale(double Min, double Max, double Step)
{
    /// <summary>MovieLens 100K: whole stars 1–5.</summary>
    public static RatingScale WholeStars => new(1, 5, 1);
    /// <summary>MovieLens latest: half stars 0.5–5.</summary>
    public static RatingScale HalfStars => new(0.5, 5, 0.5);
    /// <summary>Generic sources: 0.5–5 (a row's own ratingScaleMax column overrides Max), no step.</summary>
    public static RatingScale Default => new(0.5, 5, 0);

    public override string ToString() => Step > 0 ? $"{Min:0.##}..{Max:0.##} step {Step:0.##}" : $"{Min:0.##}..{Max:0.##}";

    /// <summary>Parses <c>MIN..MAX</c> or <c>MIN..MAX/STEP</c>, e.g. <c>1..5/1</c>.</summary>
    public static RatingScale Parse(string text)
    {
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        var parts = text.Split("..");
        if (parts.Length == 2)
        {
            var maxAndStep = parts[1].Split('/');
            if (double.TryParse(parts[0], ci, out var min) && double.TryParse(maxAndStep[0], ci, out var max) && double.IsFinite(min) && double.IsFinite(max) && max > min)
            {
                var step = 0d;
                if (maxAndStep.Length == 1 || (maxAndStep.Length == 2 && double.TryParse(maxAndStep[1], ci, out step) && double.IsFinite(step) && step >= 0))
                    return new RatingScale(min, max, step);
            }
        }
        throw new FormatException($"rating scale '{text}' must look like MIN..MAX or MIN..MAX/STEP with finite numbers, MAX above MIN (e.g. 1..5/1).");
    }
}
