using System.Globalization;
using System.Text;

namespace MLOps.Serving.Search;

/// <summary>
/// One tokenizer for indexing and querying: lower case, accents folded, split on anything not a letter or digit, except
/// that single letters joined by single dots are one word, a dotted acronym: "E.T." is "et", "L.A." "la", "S.W.A.T." "swat"
/// (split, "E.T." was the words "e" and "t", so the query "ET" could not find it and "e.t." matched any title holding a
/// lone "e" or "t"). Any other letter or digit (Cyrillic, Greek, CJK) is kept; a run of CJK without spaces is one word.
/// </summary>
public static class TextNormalizer
{
    /// <summary>Longer runs of letters and digits are not words (hashes, ids, glued text): they are not indexed or searched.</summary>
    public const int MaxTokenLength = 40;

    public static List<string> Tokens(string? text, int max = int.MaxValue)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text)) return tokens;
        var buffer = new StringBuilder();
        var acronym = new StringBuilder(); // single letters so far, each after the previous and one dot
        var separator = 0; // characters between the last word and this one
        var dotOnly = false; // ... and they are exactly one '.'
        foreach (var raw in text)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(raw) == UnicodeCategory.NonSpacingMark) continue;
            var ch = Fold(char.ToLowerInvariant(raw));
            if (char.IsLetterOrDigit(ch)) buffer.Append(ch);
            else
            {
                Word();
                separator++;
                dotOnly = separator == 1 && ch == '.';
            }
            if (tokens.Count >= max) break;
        }
        Word();
        EndAcronym();
        return tokens.Count > max ? tokens[..max] : tokens;

        void Word()
        {
            if (buffer.Length == 0) return;
            var letter = buffer.Length == 1 && char.IsLetter(buffer[0]);
            if (!(letter && dotOnly && acronym.Length > 0)) EndAcronym();
            if (letter) acronym.Append(buffer[0]);
            else if (buffer.Length <= MaxTokenLength) tokens.Add(buffer.ToString());
            buffer.Clear();
            separator = 0;
            dotOnly = false;
        }

        void EndAcronym()
        {
            if (acronym.Length == 0) return;
            if (acronym.Length <= MaxTokenLength) tokens.Add(acronym.ToString());
            acronym.Clear();
        }
    }

    // Accent folding by table: the app runs with InvariantGlobalization, where string.Normalize cannot decompose.
    private const string Accented = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž";
    private const string Folded = "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz";

    private static char Fold(char ch)
    {
        if (ch < 'à') return ch;
        var i = Accented.IndexOf(ch);
        return i >= 0 ? Folded[i] : ch;
    }

    public static string Join(string? text) => string.Join(' ', Tokens(text));

    /// <summary>Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions), or max+1 once it exceeds max.</summary>
    public static int Distance(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max) return max + 1;
        Span<int> prev2 = stackalloc int[b.Length + 1];
        Span<int> prev = stackalloc int[b.Length + 1];
        Span<int> current = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var v = Math.Min(Math.Min(prev[j] + 1, current[j - 1] + 1), prev[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, prev2[j - 2] + 1);
                current[j] = v;
                rowMin = Math.Min(rowMin, v);
            }
            if (rowMin > max) return max + 1;
            var t = prev2; prev2 = prev; prev = current; current = t;
        }
        return prev[b.Length];
    }
}
