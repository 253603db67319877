using Microsoft.AspNetCore.Http;
using MLOps.Serving.Search;

namespace MLOps.Serving;

/// <summary>
/// A query parameter that is a misspelling of one the route reads is a 400 naming both: an unknown parameter is ignored,
/// so <c>genre=Comedy</c> (for <c>genres</c>) answered 200 with an unfiltered list and the app never learnt why. Other unknown
/// parameters stay ignored (cache busters such as <c>_=123</c>, tracking tags): only names of 4+ characters are matched,
/// compared without case and without '_' / '-', within optimal string alignment distance 1 (2 from 6 characters), or
/// with "id" appended (<c>userId</c> for <c>user</c>).
/// </summary>
public static class MisspeltParameters
{
    public static void Check(Dictionary<string, string[]> errors, IQueryCollection query, params string[] known)
    {
        foreach (var name in query.Keys)
        {
            if (known.Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
            var meant = Meant(name, known);
            if (meant is not null) errors[name] = [$"Unknown parameter; did you mean '{meant}'?"];
        }
    }

    public static string? Meant(string name, IEnumerable<string> known)
    {
        var given = Normalize(name);
        foreach (var candidate in known)
        {
            if (candidate.Length < 4) continue;
            var target = Normalize(candidate);
            var max = target.Length >= 6 ? 2 : 1;
            if (TextNormalizer.Distance(given, target, max) <= max || given == target + "id") return candidate;
        }
        return null;
    }

    private static string Normalize(string name) => new(name.Where(c => c is not ('_' or '-')).Select(char.ToLowerInvariant).ToArray());
}
