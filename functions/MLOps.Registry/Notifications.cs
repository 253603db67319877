using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MLOps.Storage;

namespace MLOps.Registry;

/// <summary>Registry settings (section "Registry"): notification receivers, retry schedule, promotion policy.</summary>
public sealed class RegistryOptions
{
    /// <summary>URLs that receive a POST with the audit entry (JSON) on every alias change.</summary>
    public List<string> Webhooks { get; set; } = [];
    /// <summary>Azure Storage connection string for the notification queue (none: no queue message).</summary>
    public string? QueueConnectionString { get; set; }
    public string QueueName { get; set; } = "model-alias-changes";
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public PromotionPolicyOptions Policy { get; set; } = new();
}

/// <summary>Where an alias change is announced.</summary>
public interface IAliasChangeSink
{
    string Name { get; }
    Task SendAsync(AuditEntry change, CancellationToken cancellationToken);
}

public sealed class WebhookSink(HttpClient http, string url) : IAliasChangeSink
{
    public string Name => $"webhook {url}";

    public async Task SendAsync(AuditEntry change, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(url, change, StoreJson.Options, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }
}

public sealed class QueueSink(QueueClient queue) : IAliasChangeSink
{
    public string Name => $"queue {queue.Name}";

    public async Task SendAsync(AuditEntry change, CancellationToken cancellationToken)
    {
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(JsonSerializer.Serialize(change, StoreJson.Options), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Sends alias changes to every sink in the background, retrying each with exponential backoff
/// (first delay, ×2 per attempt, up to <see cref="RegistryOptions.MaxAttempts"/>). A failing receiver is logged and
/// recorded in <see cref="Outcomes"/>; it never blocks or undoes the change (the swap is already committed).
/// </summary>
public sealed class AliasNotifier
{
    private readonly IReadOnlyList<IAliasChangeSink> _sinks;
    private readonly RegistryOptions _options;
    private readonly ILogger _logger;
    private readonly List<Task> _pending = [];

    public AliasNotifier(IEnumerable<IAliasChangeSink> sinks, IOptions<RegistryOptions>? options = null, ILogger<AliasNotifier>? logger = null)
    {
        _sinks = sinks.ToList();
        _options = options?.Value ?? new RegistryOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Builds the sinks the options name (webhooks over <paramref name="http"/>, the queue when a connection string is set).</summary>
    public static AliasNotifier FromOptions(RegistryOptions options, HttpClient http, ILogger<AliasNotifier>? logger = null)
    {
        var sinks = new List<IAliasChangeSink>();
        sinks.AddRange(options.Webhooks.Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => new WebhookSink(http, u)));
        if (!string.IsNullOrWhiteSpace(options.QueueConnectionString))
            sinks.Add(new QueueSink(new QueueClient(options.QueueConnectionString, options.QueueName)));
        return new AliasNotifier(sinks, Microsoft.Extensions.Options.Options.Create(options), logger);
    }

    public System.Collections.Concurrent.ConcurrentQueue<NotificationOutcome> Outcomes { get; } = new();

    public void Publish(AuditEntry change)
    {
        foreach (var sink in _sinks)
        {
            var task = Task.Run(() => DeliverAsync(sink, change));
            lock (_pending)
            {
                _pending.RemoveAll(t => t.IsCompleted);
                _pending.Add(task);
            }
        }
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for deliveries in flight; the CLI calls this before exiting.</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        Task[] pending;
        lock (_pending) pending = [.. _pending];
        await Task.WhenAny(Task.WhenAll(pending), Task.Delay(timeout)).ConfigureAwait(false);
    }

    private async Task DeliverAsync(IAliasChangeSink sink, AuditEntry change)
    {
        var delay = _options.FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.WebhookTimeout);
                await sink.SendAsync(change, timeout.Token).ConfigureAwait(false);
                Outcomes.Enqueue(new NotificationOutcome(sink.Name, change.Alias, change.Sequence, attempt, true, null));
                return;
            }
            catch (Exception e) when (attempt < _options.MaxAttempts)
            {
                _logger.LogWarning("notification to {Sink} failed (attempt {Attempt}): {Error}; retrying in {Delay}", sink.Name, attempt, e.Message, delay);
                await Task.Delay(delay).ConfigureAwait(false);
                delay *= 2;
            }
            catch (Exception e)
            {
                _logger.LogError("notification to {Sink} failed after {Attempt} attempts: {Error}", sink.Name, attempt, e.Message);
                Outcomes.Enqueue(new NotificationOutcome(sink.Name, change.Alias, change.Sequence, attempt, false, e.Message));
                return;
            }
        }
    }
}

public sealed record NotificationOutcome(string Sink, string Alias, long Sequence, int Attempts, bool Delivered, string? Error);
