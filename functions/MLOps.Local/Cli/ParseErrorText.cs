using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace MLOps.Local.Cli;

/// <summary>
/// A parse error in words a user reads: System.CommandLine explains a value it cannot convert by the .NET type it wanted
/// ("Cannot parse argument 'x' for option '--days' as expected type 'System.Int32'"); this says which option or argument,
/// and what kind of value it takes ("--days: 'x' is not a whole number"). Other errors pass through as they are.
/// </summary>
public static partial class ParseErrorText
{
    private const string NoCommand = "Required command was not provided.";

    /// <summary>
    /// The one line a parse failure prints: its errors in words, without "Required command was not provided." when an
    /// unknown word already says what is wrong, a missing verb listed by its choices, and the help of the command reached.
    /// </summary>
    public static string Line(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = Path(parse.CommandResult);
        var messages = parse.Errors.Select(Of).Distinct().ToList();
        if (messages.Count > 1) messages.Remove(NoCommand);
        var verbs = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToArray();
        if (messages is [NoCommand] && verbs.Length > 0)
            messages[0] = $"'{path}' needs a command: {string.Join(", ", verbs)}.";
        return $"error: {string.Join(" ", messages)} (see '{path} --help')";
    }

    /// <summary>"mlops models promote": the words that reached <paramref name="result"/>'s command.</summary>
    private static string Path(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Add(c.Parent is null ? "mlops" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    public static string Of(ParseError error)
    {
        if (NotConvertible().Match(error.Message) is not { Success: true } match) return error.Message;
        var name = match.Groups["what"].Value == "command" && error.SymbolResult is ArgumentResult argument ? argument.Argument.Name : match.Groups["name"].Value;
        return $"{name}: '{match.Groups["value"].Value}' is not {KindOf(match.Groups["type"].Value)}.";
    }

    private static string KindOf(string dotNetType) => (dotNetType.StartsWith("System.Nullable`1[", StringComparison.Ordinal) ? dotNetType[18..^1] : dotNetType) switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" or "System.UInt32" or "System.UInt64" => "a whole number",
        "System.Double" or "System.Single" or "System.Decimal" => "a number",
        "System.Boolean" => "true or false",
        _ => "a value of the kind it takes",
    };

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?<what>option|command) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.$", RegexOptions.Singleline)]
    private static partial Regex NotConvertible();
}
