namespace MLOps.Local.Cli;

/// <summary>
/// One line for a storage request whose retries all failed (refused, timed out, or answered with errors): the Azure SDK reports an unreachable account as an
/// AggregateException listing every retry ("Retry failed after 6 tries … (Connection refused) (Connection refused) …"),
/// which says neither which setting is wrong nor what to do.
/// </summary>
public static class StoreFailureText
{
    /// <summary>The line for <paramref name="e"/> when it is the SDK's retries giving up on storage requests; null otherwise.</summary>
    public static string? Of(AggregateException e)
    {
        var failures = e.InnerExceptions;
        if (failures.Count == 0 || !failures.All(f => f is Azure.RequestFailedException or HttpRequestException or TimeoutException or TaskCanceledException)) return null;
        var causes = failures.Select(f => f.Message.Split('\n')[0].Trim()).Distinct().ToList();
        return $"failed: the store failed every one of {failures.Count} tries ({string.Join("; ", causes)}): check --store (or MLOPS_STORE), "
            + "that the account or Azurite is running and reachable from here, and its network rules.";
    }
}
