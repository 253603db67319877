using System.Globalization;

namespace MLOps.Core.Synthetic;

/// <summary>
/// Drift planted by the generator from a given day (0-based day index). Spec: <c>;</c>-separated entries
/// <c>kind:key=value,...</c>, e.g. <c>genre-surge:genre=Horror,factor=4,from=30;volume:factor=0.5,from=30</c>.
/// Kinds: <c>genre-surge</c> (genre, factor), <c>volume</c> (factor), <c>rating-scale</c> (max),
/// <c>account-burst</c> (user, events, countries). docs/data.md describes each.
/// </summary>
public sealed record DriftSpec(IReadOnlyList<DriftEntry> Entries)
{
    public static readonly string[] Kinds = ["genre-surge", "volume", "rating-scale", "account-burst"];

    public static DriftSpec Parse(string spec)
    {
        var entries = new List<DriftEntry>();
        foreach (var part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':');
            var kind = (colon < 0 ? part : part[..colon]).Trim().ToLowerInvariant();
            if (!Kinds.Contains(kind)) throw new FormatException($"--drift: unknown kind '{kind}'; use {string.Join(", ", Kinds)} (e.g. genre-surge:genre=Horror,factor=4,from=30).");
            var args = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (colon >= 0)
                foreach (var kv in part[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var eq = kv.IndexOf('=');
                    if (eq <= 0) throw new FormatException($"--drift {kind}: '{kv}' must look like key=value.");
                    args[kv[..eq].Trim()] = kv[(eq + 1)..].Trim();
                }
            foreach (var key in args.Keys)
                if (!Allowed(kind).Contains(key, StringComparer.OrdinalIgnoreCase))
                    throw new FormatException($"--drift {kind}: unknown key '{key}' (allowed: {string.Join(", ", Allowed(kind))}).");
            var entry = new DriftEntry { Kind = kind };
            entry = kind switch
            {
                "genre-surge" => entry with { Genre = args.TryGetValue("genre", out var g) && g.Length > 0 ? g : throw new FormatException("--drift genre-surge needs genre=NAME."), Factor = Number(args, kind, "factor", 3) },
                "volume" => entry with { Factor = Number(args, kind, "factor", 0.5) },
                "rating-scale" => entry with { Max = Int(args, kind, "max", 10, 2) },
                "account-burst" => entry with { User = args.GetValueOrDefault("user"), Events = Int(args, kind, "events", 500, 1), Countries = Int(args, kind, "countries", 12, 2) },
                _ => entry,
            };
            entry = entry with { FromDay = Int(args, kind, "from", null, 0) };
            if (entry.Factor is <= 0) throw new FormatException($"--drift {kind}: factor must be positive.");
            entries.Add(entry);
        }
        if (entries.Count == 0) throw new FormatException("--drift is empty.");
        return new DriftSpec(entries);
    }

    private static string[] Allowed(string kind) => kind switch
    {
        "genre-surge" => ["from", "genre", "factor"],
        "volume" => ["from", "factor"],
        "rating-scale" => ["from", "max"],
        _ => ["from", "user", "events", "countries"],
    };

    private static int Int(Dictionary<string, string> args, string kind, string key, int? fallback, int min)
    {
        if (!args.TryGetValue(key, out var text)) return fallback ?? throw new FormatException($"--drift {kind} needs {key}=N.");
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min ? v
            : throw new FormatException($"--drift {kind}: {key}={text} must be a whole number ≥ {min}.");
    }

    private static double Number(Dictionary<string, string> args, string kind, string key, double fallback) =>
        !args.TryGetValue(key, out var text) ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v
        : throw new FormatException($"--drift {kind}: {key}={text} is not a number.");

    public override string ToString() => string.Join(";", Entries.Select(e => e.ToString()));
}

public sealed record DriftEntry
{
    public required string Kind { get; init; }
    /// <summary>First day (0-based, from the generator's start date) the drift applies to.</summary>
    public int FromDay { get; init; }
    public string? Genre { get; init; }
    public double? Factor { get; init; }
    public int? Max { get; init; }
    public string? User { get; init; }
    public int? Events { get; init; }
    public int? Countries { get; init; }

    public override string ToString() => Kind switch
    {
        "genre-surge" => FormattableString.Invariant($"genre-surge:genre={Genre},factor={Factor},from={FromDay}"),
        "volume" => FormattableString.Invariant($"volume:factor={Factor},from={FromDay}"),
        "rating-scale" => FormattableString.Invariant($"rating-scale:max={Max},from={FromDay}"),
        _ => FormattableString.Invariant($"account-burst:user={User},events={Events},countries={Countries},from={FromDay}"),
    };
}
