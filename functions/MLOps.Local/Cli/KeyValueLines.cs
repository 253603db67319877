using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// "key  value" lines, keys padded to the longest: a record for a person (`models show`, `features show`). Not a Spectre
/// Grid, which pads every row to its widest value (~360 characters of trailing spaces for an evaluation window).
/// </summary>
internal static class KeyValueLines
{
    public static void Write(IAnsiConsole console, IReadOnlyList<(string Key, string Value)> rows)
    {
        if (rows.Count == 0) return;
        var width = rows.Max(r => r.Key.Length) + 2;
        foreach (var (key, value) in rows) console.WriteLine(key.PadRight(width) + value);
    }
}
