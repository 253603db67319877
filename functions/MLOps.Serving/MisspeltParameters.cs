using Microsoft.AspNetCore.Http;
using MLOps.Serving.Search;

namespace MLOps.Serving;

/// <summary>
/// A query parameter that is a misspelling of one the route reads is a 400 naming both: an unknown parameter is ignored,
/// so <c>genre=Comedy</c> (for <c>genres</c>) answered 200 with an unfiltered list and the app never learnt why. Other unknown
/// parameters stay ignored (cache busters such as <c>_=123</c>, tracking tags, an app's own <c>gender</c> or <c>locale</c>).
/// Compared without case and without '_' / '-' (so <c>exclude_seen</c>, <c>PER-ROW</c>), a name is a misspelling of a known
/// name of 4+ letters when it is within one edit per four letters of it (optimal string alignment: an insertion, deletion,
/// substitution or swap of neighbours; <c>genre</c>, <c>genrse</c>: 1 edit of 6 letters; <c>divresity</c>: 2 of 9), or is it
/// with "id" appended (<c>userId</c> for <c>user</c>). Until 2026-12-08 every name of 6+ letters was allowed 2 edits, a third
/// of "genres": <c>gender</c> (2 substitutions) was a 400 "did you mean 'genres'".
/// </summary>
public static class MisspeltParameters
{
    /// <summary>One edit is allowed per this many letters of the known name.</summary>
    public const int LettersPerEdit = 4;

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
            var target = Normalize(candidate);
            if (target.Length < LettersPerEdit) continue;
            var max = target.Length / LettersPerEdit;
            if (TextNormalizer.Distance(given, target, max) <= max || given == target + "id") return candidate;
        }
        return null;
    }

    private static string Normalize(string name) => new(name.Where(c => c is not ('_' or '-')).Select(char.ToLowerInvariant).ToArray());
}
