using System.Globalization;
using System.Text.RegularExpressions;

namespace MLOps.Core.Ingest;

/// <summary>
/// ISO 8601 / RFC 3339 date-times as event files write them: <c>yyyy-MM-dd</c>, then optionally <c>T</c> or a space,
/// <c>HH:mm</c>, <c>:ss</c>, a fraction, and <c>Z</c> or an offset (<c>+02:00</c>, <c>+0200</c>, <c>+02</c>). A time
/// without an offset is UTC. Culture-dependent forms are refused on purpose (docs/data.md, "timestamp").
/// </summary>
public static partial class IsoTimestamp
{
    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})(?:[T ](?<h>\d{2}):(?<mi>\d{2})(?::(?<s>\d{2})(?:[.,](?<f>\d{1,9}))?)?(?<z>Z|[+-]\d{2}(?::?\d{2})?)?)?$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Shape();

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        var m = Shape().Match(text.ToString());
        if (!m.Success) return false;
        int Int(string group) => m.Groups[group].Success ? int.Parse(m.Groups[group].ValueSpan, CultureInfo.InvariantCulture) : 0;
        int year = Int("y"), month = Int("mo"), day = Int("d"), hour = Int("h"), minute = Int("mi"), second = Int("s");
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
        var ticks = m.Groups["f"].Success ? long.Parse(m.Groups["f"].Value.PadRight(7, '0')[..7], CultureInfo.InvariantCulture) : 0;
        if (!TryOffset(m.Groups["z"].Value, out var offset)) return false;
        try
        {
            value = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second).AddTicks(ticks), offset).ToUniversalTime();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // an offset that moves the time out of DateTimeOffset's range
        }
    }

    private static bool TryOffset(string zone, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (zone.Length == 0 || zone is "Z" or "z") return true;
        var digits = zone[1..].Replace(":", "", StringComparison.Ordinal);
        var hours = int.Parse(digits[..2], CultureInfo.InvariantCulture);
        var minutes = digits.Length > 2 ? int.Parse(digits[2..], CultureInfo.InvariantCulture) : 0;
        if (hours > 14 || minutes > 59) return false;
        offset = new TimeSpan(hours, minutes, 0) * (zone[0] == '-' ? -1 : 1);
        return true;
    }
}
