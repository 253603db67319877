namespace MLOps.Core;

/// <summary>
/// Text a caller writes into a record other people read — who acted and why: alert notes, promotion reasons, approvals,
/// the reason of a suspend. CLI tables, host logs and notifications print it as it is, so it is one printable line: no
/// control characters (an escape sequence rewrites an operator's terminal, CR / LF forge a log or audit line) and no
/// bidirectional overrides (U+202A–U+202E, U+2066–U+2069 reorder what is shown).
/// </summary>
public static class FreeText
{
    /// <summary>What is wrong with <paramref name="value"/> as the field <paramref name="field"/> (null, or fine: null).</summary>
    public static string? Problem(string? value, string field, int maxLength)
    {
        if (value is null) return null;
        if (value.Length > maxLength) return $"{field}: must be at most {maxLength} characters.";
        if (value.Any(IsForbidden))
            return $"{field}: must be one line of printable text, without control characters (escape sequences, tabs, line breaks) or bidirectional overrides.";
        return null;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="field"/> when <see cref="Problem"/> finds one.</summary>
    public static string? Check(string? value, string field, int maxLength) =>
        Problem(value, field, maxLength) is { } problem ? throw new ArgumentException(problem, field) : value;

    /// <summary>
    /// As <see cref="Problem"/>, for the reason of an alias change (promote, rollback): optional, but given blank it is
    /// refused rather than recorded as a reason that says nothing — most often <c>--reason "$WHY"</c> with WHY unset.
    /// </summary>
    public static string? ReasonProblem(string? value, string field, int maxLength) =>
        value is not null && string.IsNullOrWhiteSpace(value)
            ? $"{field}: must not be blank; say why, or leave it out to record no reason."
            : Problem(value, field, maxLength);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="field"/> when <see cref="ReasonProblem"/> finds one.</summary>
    public static string? CheckReason(string? value, string field, int maxLength) =>
        ReasonProblem(value, field, maxLength) is { } problem ? throw new ArgumentException(problem, field) : value;

    /// <summary>An optional note or name given blank is absent: null, so "" is never stored as one.</summary>
    public static string? OrNull(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>
    /// <paramref name="text"/> made a valid value of a field bounded by <paramref name="maxLength"/>: forbidden characters
    /// become '?', and a longer text is cut with an ellipsis. For text the system composes around stored text (a retrain's
    /// reason quoting a drift alert), which must pass <see cref="Problem"/> rather than be refused.
    /// </summary>
    public static string OneLine(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var line = string.Create(text.Length, text, static (span, source) => { for (var i = 0; i < span.Length; i++) span[i] = IsForbidden(source[i]) ? '?' : source[i]; });
        return line.Length <= maxLength ? line : string.Concat(line.AsSpan(0, maxLength - 1), "…");
    }

    // U+2028 / U+2029 (line and paragraph separators) are line breaks too: not control characters, but editors, log
    // viewers and string.ReplaceLineEndings break a line at them.
    private static bool IsForbidden(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';
}
