using System.Globalization;

namespace MLOps.Drift.Window;

/// <summary>A half-open time range [Start, End) of events.</summary>
public sealed record DriftWindow(DateTimeOffset Start, DateTimeOffset End)
{
    public static DriftWindow Days(DateOnly first, int days = 1) =>
        new(new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), new DateTimeOffset(first.AddDays(days).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));

    public DateOnly FirstDay => DateOnly.FromDateTime(Start.UtcDateTime);

    /// <summary>The last day partition that can hold events of the window.</summary>
    public DateOnly LastDay => DateOnly.FromDateTime(End.UtcDateTime.AddTicks(-1));

    public int Hours => (int)Math.Ceiling((End - Start).TotalHours);

    public bool Covers(DateOnly day) => day >= FirstDay && day <= LastDay;

    public override string ToString() =>
        Start.TimeOfDay == TimeSpan.Zero && End.TimeOfDay == TimeSpan.Zero
            ? (End - Start).TotalDays == 1 ? FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
              : $"{FirstDay:yyyy-MM-dd}..{LastDay:yyyy-MM-dd}"
            : $"{Start.UtcDateTime:yyyy-MM-ddTHH:mm}Z..{End.UtcDateTime:yyyy-MM-ddTHH:mm}Z";
}
