using Microsoft.Extensions.Logging;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>Notifications as blobs <c>notifications/&lt;step key&gt;.json</c> (created once per key) plus a log line.</summary>
public sealed partial class BlobNotifier(IBlobStore store, TimeProvider time, ILogger<BlobNotifier> log) : IPipelineNotifier
{
    public async Task NotifyAsync(string stepKey, string subject, string body, CancellationToken cancellationToken)
    {
        var path = $"notifications/{stepKey.Replace(':', '_')}.json";
        var created = await store.TryCreateAsync(path, BinaryData.FromObjectAsJson(new { subject, body, sentAt = time.GetUtcNow() }, StoreJson.Options), cancellationToken).ConfigureAwait(false);
        if (created) LogNotified(log, subject, body);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Subject}\n{Body}")]
    private static partial void LogNotified(ILogger logger, string subject, string body);
}
