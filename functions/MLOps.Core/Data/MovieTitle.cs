using System.Globalization;
using System.Text.RegularExpressions;

namespace MLOps.Core.Data;

/// <summary>MovieLens-style titles, "Title, The (1995)": the catalogue importer and the models' year features read them alike.</summary>
public static partial class MovieTitle
{
    /// <summary>
    /// "American President, The (1995)" → ("The American President", 1995); a qualifier after the year stays in the title,
    /// "Lion King II, The (1998) (V)" → ("The Lion King II (V)", 1998); a title without a year keeps its text.
    /// </summary>
    public static (string Title, int? Year) Split(string raw)
    {
        var text = raw.Trim();
        int? year = null;
        var qualifier = "";
        var m = YearSuffix().Match(text);
        if (m.Success)
        {
            year = int.Parse(m.Groups["year"].ValueSpan, CultureInfo.InvariantCulture);
            qualifier = string.Join(' ', m.Groups["qualifier"].Captures.Select(c => c.Value));
            text = text[..m.Index].TrimEnd();
        }
        var article = ArticleSuffix().Match(text);
        if (article.Success) text = $"{article.Groups[2].Value} {article.Groups[1].Value}";
        return (qualifier.Length > 0 ? $"{text} {qualifier}" : text, year);
    }

    // The year, then any short qualifiers without digits: ML-100k writes a video release "Title (1995) (V)".
    [GeneratedRegex(@"\((?<year>\d{4})(?:\s*[-–]\s*\d{0,4})?\s*\)(?:\s*(?<qualifier>\([^()\d]{1,20}\)))*\s*$")]
    private static partial Regex YearSuffix();

    [GeneratedRegex(@"^([^()]+), (The|A|An)$")]
    private static partial Regex ArticleSuffix();

    /// <summary>The year a title ends with ("… (1995)", "… (1995) (V)"), or null: for catalogues that carry no year field.</summary>
    public static int? Year(string raw) => Split(raw).Year;
}
