using MLOps.Core.Data;

namespace MLOps.Local.Cli;

/// <summary>
/// Verbs that can only build on events refuse an empty store up front (exit 2) with the commands that import some:
/// going on would fail later (a retrain's first step) or store something empty (a feature snapshot of 0 events).
/// </summary>
public static class EventsRequired
{
    /// <summary>Throws <see cref="CliUsageException"/> "the store holds no events <paramref name="purpose"/>: import some first (…)" when no committed batch exists.</summary>
    public static async Task CheckAsync(CliContext context, string purpose, CancellationToken cancellationToken)
    {
        if ((await EventLog.ListBatchesAsync(context.Store, cancellationToken).ConfigureAwait(false)).Count == 0)
            throw new CliUsageException($"the store holds no events {purpose}: import some first (mlops import movielens-100k DIR, mlops import events FILE, or mlops demo).");
    }
}
