using System.CommandLine;
using MLOps.Core.Ingest;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>--delimiter</c> of <c>import events</c> and <c>import catalog</c>: one option, read one way
/// (<see cref="EventSources.ParseDelimiter"/>; the importers refuse it on ndjson through <see cref="EventSources.SeparatorOf"/>).
/// </summary>
public static class DelimiterOption
{
    public static Option<string?> Create() => new("--delimiter")
    {
        Description = "Field separator of a delimited file: one character, or tab | comma | semicolon | pipe (default: ',' for csv, tab for tsv).",
    };

    /// <summary>The separator given, or null for the format's own.</summary>
    public static char? Value(CliContext context, Option<string?> option) =>
        context.Parse.GetValue(option) is { } text ? EventSources.ParseDelimiter(text) : null;
}
