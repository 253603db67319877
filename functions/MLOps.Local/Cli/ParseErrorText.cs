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
