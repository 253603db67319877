using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Features.Tests;

/// <summary>Alias-change notifications: retried with backoff, never blocking or undoing the change they announce.</summary>
public sealed class NotificationTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private const string Model = "recommender";

    private static RegistryOptions FastRetries(int maxAttempts) => new() { MaxAttempts = maxAttempts, FirstRetryDelay = TimeSpan.FromMilliseconds(20), WebhookTimeout = TimeSpan.FromSeconds(5) };

    private static async Task<ModelRegistry> RegistryAsync(IBlobStore store, AliasNotifier notifier, RegistryOptions options)
    {
        var registry = new ModelRegistry(store, options: Options.Create(options), notifier: notifier);
        for (var v = 1; v <= 2; v++)
            await registry.RegisterAsync(Model, new ModelVersionDraft { Type = "ease" }, new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes([1, 2, 3]) }, Ct);
        return registry;
    }

    [Fact]
    public async Task Webhook_FailingTwiceThenSucceeding_IsRetried_AndThePromotionCommittedFirst()
    {
        var options = FastRetries(5);
        var receiver = new ScriptedReceiver(HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        var notifier = new AliasNotifier([new WebhookSink(new HttpClient(receiver), "http://receiver.test/hook")], Options.Create(options));
        var registry = await RegistryAsync(TestEnvironment.NewFolderStore("notify-retry"), notifier, options);

        var result = await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "test", Force = true }, Ct);
        Assert.True(result.Changed);
        Assert.Equal(1, (await registry.GetChampionAsync(Model, Ct))!.Version); // committed whatever the receiver does

        await notifier.FlushAsync(TimeSpan.FromSeconds(10));
        var champion = Assert.Single(notifier.Outcomes, o => o.Alias == ModelAliases.Champion);
        Assert.True(champion.Delivered);
        Assert.Equal(3, champion.Attempts);
        Assert.Equal(result.Entry.Sequence, champion.Sequence);
        // Three POSTs for the champion change, each carrying the audit entry.
        var posted = receiver.Bodies.Select(b => JsonSerializer.Deserialize<AuditEntry>(b, StoreJson.Options)!).Where(e => e.Alias == ModelAliases.Champion).ToList();
        Assert.Equal(3, posted.Count);
        Assert.All(posted, e => Assert.Equal((1, "promote"), (e.To!.Value, e.Action)));
    }

    [Fact]
    public async Task ReceiverThatAlwaysFails_NeverBlocksNorUndoesThePromotion()
    {
        var options = FastRetries(3);
        var sink = new GatedFailingSink();
        var notifier = new AliasNotifier([sink], Options.Create(options));
        var registry = await RegistryAsync(TestEnvironment.NewFolderStore("notify-fail"), notifier, options);

        // The receiver hangs on its first attempt; both promotions return while it does.
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "test", Force = true }, Ct);
        var second = await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "test", Force = true }, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(second.Changed);
        Assert.Empty(notifier.Outcomes);

        sink.Gate.SetResult();
        await notifier.FlushAsync(TimeSpan.FromSeconds(10));
        var champion = notifier.Outcomes.Where(o => o.Alias == ModelAliases.Champion).OrderBy(o => o.Sequence).ToList();
        Assert.Equal([1L, 2L], champion.Select(o => o.Sequence));
        Assert.All(champion, o => Assert.Equal((false, 3), (o.Delivered, o.Attempts)));
        Assert.Contains("receiver down", champion[0].Error);
        Assert.Equal(2, (await registry.GetChampionAsync(Model, Ct))!.Version);
        Assert.Equal([(int?)1, 2], (await registry.GetHistoryAsync(Model, ModelAliases.Champion, Ct)).Select(e => e.To));
    }

    [Fact]
    public async Task QueueSink_AgainstAzurite_DeliversTheAuditEntry()
    {
        Assert.SkipWhen(TestEnvironment.Azurite is null, "Azurite is not running (tests/run.sh starts it and sets MLOPS_TEST_AZURITE)");
        var options = FastRetries(3);
        options.QueueConnectionString = TestEnvironment.Azurite;
        options.QueueName = $"alias-{Guid.NewGuid():N}"[..30];
        var notifier = AliasNotifier.FromOptions(options, new HttpClient());
        var registry = await RegistryAsync(TestEnvironment.NewFolderStore("notify-queue"), notifier, options);
        var queue = new QueueClient(options.QueueConnectionString, options.QueueName);
        try
        {
            await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "test", Force = true }, Ct);
            await notifier.FlushAsync(TimeSpan.FromSeconds(20));
            Assert.Contains(notifier.Outcomes, o => o.Alias == ModelAliases.Champion && o.Delivered);
            var messages = (await queue.ReceiveMessagesAsync(maxMessages: 10, cancellationToken: Ct)).Value;
            var entries = messages.Select(m => JsonSerializer.Deserialize<AuditEntry>(m.Body.ToString(), StoreJson.Options)!).ToList();
            Assert.Contains(entries, e => e.Alias == ModelAliases.Champion && e.To == 2 && e.Action == "promote");
        }
        finally { await queue.DeleteIfExistsAsync(Ct); }
    }

    /// <summary>Answers each request with the next status code (the last one repeats) and keeps the bodies.</summary>
    private sealed class ScriptedReceiver(params HttpStatusCode[] codes) : HttpMessageHandler
    {
        private int _calls;
        public System.Collections.Concurrent.ConcurrentQueue<string> Bodies { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var entry = JsonSerializer.Deserialize<AuditEntry>(body, StoreJson.Options)!;
            Bodies.Enqueue(body);
            // Only the champion change follows the script; "previous" and others succeed at once.
            if (entry.Alias != ModelAliases.Champion) return new HttpResponseMessage(HttpStatusCode.OK);
            var n = Interlocked.Increment(ref _calls) - 1;
            return new HttpResponseMessage(codes[Math.Min(n, codes.Length - 1)]);
        }
    }

    /// <summary>Waits for the gate on every attempt, then fails: a receiver that is down and slow.</summary>
    private sealed class GatedFailingSink : IAliasChangeSink
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string Name => "receiver down";

        public async Task SendAsync(AuditEntry change, CancellationToken cancellationToken)
        {
            await Gate.Task.WaitAsync(cancellationToken);
            throw new HttpRequestException("receiver down (503)");
        }
    }
}
