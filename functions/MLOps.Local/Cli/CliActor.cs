namespace MLOps.Local.Cli;

/// <summary>
/// Who a CLI verb records as the actor when no <c>--by</c> is given: <c>MLOPS_USER</c> when set (a shared on-call
/// box or a script names the person), else the verb's own default. One rule, so the audit trail, the alert history
/// and the approval name the same person for one terminal.
/// </summary>
public static class CliActor
{
    public const string Variable = "MLOPS_USER";

    /// <summary>A <c>--by</c> given blank (a script's unset variable) is refused: every verb records a name someone can read.</summary>
    public static string Resolve(string? given, string fallback) =>
        given is not null && string.IsNullOrWhiteSpace(given) ? throw new CliUsageException("--by must name someone (1 to 200 characters).")
        : given ?? (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } user ? user : fallback);
}
