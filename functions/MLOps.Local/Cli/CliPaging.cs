using System.CommandLine;
using MLOps.Core.Http.Paging;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>--top N</c> and <c>--continue TOKEN</c> of the list verbs: the HTTP routes' <c>top</c> and continuation token
/// (<see cref="PageRequest"/>), with the same bounds and tokens. The next page's command goes to stderr, so stdout
/// keeps its shape.
/// </summary>
internal static class CliPaging
{
    public static Option<int?> Top() => new("--top") { Description = $"At most this many, in the list's order (1-{PageRequest.MaxTop}; default: all). When more remain, stderr says how to get the next page." };

    public static Option<string?> Continue() => new("--continue") { Description = "The token a previous --top page printed: the page after it (same filter)." };

    /// <summary>The page asked for; a bad <c>--top</c> or a token this list did not issue is a usage error (exit 2).</summary>
    public static (int? Top, PageKey? After) Read(CliContext context, Option<int?> top, Option<string?> next, string scope)
    {
        var n = context.Parse.GetValue(top);
        if (n is < 1 or > PageRequest.MaxTop) throw new CliUsageException($"--top must be a whole number from 1 to {PageRequest.MaxTop}, not {n}.");
        var token = context.Parse.GetValue(next);
        if (token is null) return (n, null);
        if (!ContinuationToken.TryRead(token, scope, out var after))
            throw new CliUsageException("--continue: not a token this list printed (copy it unchanged from the previous page, with the same filter).");
        return (n, after);
    }

    /// <summary>On stderr, as one unwrapped line (a wrapped token could not be copied): how to get the next page.</summary>
    public static void SayNext(string? next, int shown)
    {
        if (next is not null) Console.Error.WriteLine($"{shown} shown; more remain: the same command with --continue {next} lists the next page.");
    }
}
