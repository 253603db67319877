using MLOps.Local.Cli;

namespace MLOps.Local.Tests;

/// <summary>
/// An unreachable --store: after 27 s of the SDK's retries the CLI printed "failed: AggregateException: Retry failed after
/// 6 tries. Retry settings can be adjusted in ClientOptions.Retry … (Connection refused (127.0.0.1:1)) ×6" (found by the
/// docs review). It is now one line naming the setting to check.
/// </summary>
public class StoreFailureTextTests
{
    [Fact]
    public void RetriesGivingUp_OnStorageRequests_AreOneLineNamingStore()
    {
        var refused = Enumerable.Range(0, 6).Select(_ => (Exception)new Azure.RequestFailedException("Connection refused (127.0.0.1:1)")).ToList();
        var line = StoreFailureText.Of(new AggregateException("Retry failed after 6 tries.", refused));
        Assert.Equal("failed: the store failed every one of 6 tries (Connection refused (127.0.0.1:1)): check --store (or MLOPS_STORE), "
            + "that the account or Azurite is running and reachable from here, and its network rules.", line);
    }

    [Fact]
    public void TimedOutTries_AsTheSdkReportsADroppingFirewall_AreThatLineToo()
    {
        var line = StoreFailureText.Of(new AggregateException(new TaskCanceledException("The operation was cancelled."), new Azure.RequestFailedException("Connection refused")));
        Assert.StartsWith("failed: the store failed every one of 2 tries (The operation was cancelled.; Connection refused): check --store", line);
    }

    [Fact]
    public void OtherAggregates_AreLeftToTheGenericLine()
    {
        Assert.Null(StoreFailureText.Of(new AggregateException(new InvalidOperationException("a bug"), new Azure.RequestFailedException("x"))));
        Assert.Null(StoreFailureText.Of(new AggregateException()));
    }
}
