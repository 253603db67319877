using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MLOps.Local.Cli;

/// <summary>
/// A date-and-time option read as UTC unless it names an offset. The default parser reads "2025-01-20T00:00:00" in the
/// machine's local zone, so the same command meant different instants on different machines.
/// </summary>
public static class UtcTimeOption
{
    public static Option<DateTimeOffset?> Create(string name, string description) => new(name)
    {
        Description = description + " UTC unless an offset is given.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
                return value;
            result.AddError($"{name} '{text}' is not a date and time (ISO 8601, e.g. 2025-01-20T00:00:00Z).");
            return null;
        },
    };
}
