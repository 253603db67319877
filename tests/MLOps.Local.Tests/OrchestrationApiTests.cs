using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Security;
using MLOps.Local.Hosting;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Local.Tests;

/// <summary>
/// The local host's Durable-style management API (OrchestrationApi) over the embedded runner, through HTTP:
/// start → 202 + status URL, status with custom status and output, raise event, terminate, 404s, 400s, roles.
/// The orchestration under test waits for an event, so every state is observable without a real pipeline.
/// </summary>
public sealed class OrchestrationApiTests : IAsyncLifetime
{
    private const string Greeter = "Greeter";
    private const string Fragile = "FragileFlow";
    private const string Decider = "Decider";
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Broken = new();
    private WebApplication _app = null!;
    private string _admin = "", _read = "";

    /// <summary>Shows "waiting" until a "name" event arrives (or an hour passes), then returns "hello NAME".</summary>
    private static async Task<string> GreeterAsync(IOrchestrationContext context, string? greeting)
    {
        context.SetCustomStatus(new { step = "waiting" });
        var name = await context.WaitForExternalEvent<string>("name", TimeSpan.FromHours(1));
        context.SetCustomStatus(new { step = "done" });
        return $"{greeting ?? "hello"} {name}";
    }

    /// <summary>Reads one "decision" at step "deciding" (as RetrainPipeline reads its approval), then acts until "finish" arrives.</summary>
    private static async Task<string> DeciderAsync(IOrchestrationContext context, string? _)
    {
        context.SetCustomStatus(new { step = "deciding" });
        var decision = await context.WaitForExternalEvent<ApprovalDecision>("decision", TimeSpan.FromHours(1));
        context.SetCustomStatus(new { step = "acting" });
        await context.WaitForExternalEvent<string>("finish", TimeSpan.FromHours(1));
        return decision.Approved ? "approved" : "rejected";
    }

    public async ValueTask InitializeAsync()
    {
        var root = TestEnvironment.NewTempFolder("orchestration-api");
        var keys = new ApiKeyStore(BlobStoreFactory.Open(root));
        _admin = (await keys.CreateAsync(ApiRole.Admin, "test", DateTimeOffset.UtcNow)).Key;
        _read = (await keys.CreateAsync(ApiRole.Read, "test", DateTimeOffset.UtcNow)).Key;
        var registry = WorkflowCatalog.Create().AddOrchestrator<string?, string>(Greeter, GreeterAsync)
            .AddActivity<string, string>("Fragile", (_, _, key, _) => Broken.ContainsKey(key) ? throw new InvalidOperationException($"{key} is broken") : Task.FromResult($"ok {key}"))
            .AddOrchestrator<string, string>(Fragile, (context, key) => context.CallActivityAsync<string>("Fragile", key))
            .AddEvent<ApprovalDecision>(Greeter, "verdict")
            .AddOrchestrator<string?, string>(Decider, DeciderAsync)
            .AddEvent<ApprovalDecision>(Decider, "decision")
            .AwaitsEventAtStep(Decider, "decision", "deciding");
        _app = LocalHost.Build(root, configure: builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Workflows:SchedulesEnabled"] = "false",
                ["Workflows:InboxPollInterval"] = "00:00:00.050",
            });
            builder.Services.AddSingleton(registry); // the last registration wins: the catalogue plus the test orchestration
        });
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private HttpClient Client(string? key)
    {
        var client = _app.GetTestClient();
        if (key is not null) client.DefaultRequestHeaders.Add("x-api-key", key);
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonElement> WaitForStatusAsync(HttpClient client, string url, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var state = await client.GetFromJsonAsync<JsonElement>(url);
            if (string.Equals(state.GetProperty("runtimeStatus").GetString(), status, StringComparison.OrdinalIgnoreCase)) return state;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{url} is {state} after 20 s, not {status}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Start_Returns202WithStatusUrls_StatusShowsCustomStatus_RaiseEventCompletesWithOutput()
    {
        var admin = Client(_admin);
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}?instanceId=greet-1", Json("\"bonjour\""));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var body = await start.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("greet-1", body.GetProperty("id").GetString());
        Assert.False(body.GetProperty("alreadyRunning").GetBoolean());
        var statusUrl = body.GetProperty("statusQueryGetUri").GetString()!;
        Assert.EndsWith("/api/orchestrations/instances/greet-1", statusUrl, StringComparison.Ordinal);
        Assert.EndsWith(statusUrl, start.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal($"{statusUrl}/raiseEvent/{{eventName}}", body.GetProperty("sendEventPostUri").GetString());
        Assert.Equal($"{statusUrl}/terminate", body.GetProperty("terminatePostUri").GetString());

        var read = Client(_read);
        var waiting = await WaitForStatusAsync(read, statusUrl, "running");
        Assert.Equal(Greeter, waiting.GetProperty("name").GetString());
        // The custom status is written with the checkpoint that records the wait; poll until it shows.
        for (var i = 0; i < 100 && (await read.GetFromJsonAsync<JsonElement>(statusUrl)).GetProperty("customStatus").ValueKind != JsonValueKind.Object; i++)
            await Task.Delay(50);
        Assert.Equal("waiting", (await read.GetFromJsonAsync<JsonElement>(statusUrl)).GetProperty("customStatus").GetProperty("step").GetString());

        var again = await admin.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}?instanceId=greet-1", Json("\"hi\""));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("alreadyRunning").GetBoolean(), "a running instance id is a singleton");

        var raised = await admin.PostAsync($"{statusUrl}/raiseEvent/name", Json("\"world\""));
        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        var done = await WaitForStatusAsync(read, statusUrl, "completed");
        Assert.Equal("bonjour world", done.GetProperty("output").GetString());
        Assert.Equal("done", done.GetProperty("customStatus").GetProperty("step").GetString());

        var late = await admin.PostAsync($"{statusUrl}/raiseEvent/name", Json("\"again\""));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.StartsWith("id: Greeter greet-1 is completed; it takes no more events", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminate_EndsTheWaitingInstance_Terminated()
    {
        var admin = Client(_admin);
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}?instanceId=greet-2", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var body = await start.Content.ReadFromJsonAsync<JsonElement>();
        await WaitForStatusAsync(admin, body.GetProperty("statusQueryGetUri").GetString()!, "running");

        var terminated = await admin.PostAsync(body.GetProperty("terminatePostUri").GetString()! + "?reason=test", null);

        Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        await WaitForStatusAsync(admin, body.GetProperty("statusQueryGetUri").GetString()!, "terminated");
        var list = await admin.GetFromJsonAsync<JsonElement>($"{OrchestrationApi.Prefix}/instances");
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("instanceId").GetString() == "greet-2");
    }

    /// <summary>The embedded engine's list in pages (docs/orchestration.md): every instance once, newest first; the token in the header.</summary>
    [Fact]
    public async Task ListInstances_InPagesOfTop_GivesEveryInstanceOnceInOrder_BadTopOrToken400()
    {
        var admin = Client(_admin);
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}?instanceId=page-{i}", null)).StatusCode);
        var everything = await admin.GetAsync($"{OrchestrationApi.Prefix}/instances");
        Assert.False(everything.Headers.Contains("x-ms-continuation-token"));
        var all = (await everything.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(s => s.GetProperty("instanceId").GetString()).ToList();
        Assert.Equal(5, all.Count);

        var seen = new List<string?>();
        string? token = null;
        for (var pages = 0; pages < 5 && (pages == 0 || token is not null); pages++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{OrchestrationApi.Prefix}/instances?top=2");
            if (token is not null) request.Headers.Add("x-ms-continuation-token", token);
            var page = await admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            seen.AddRange((await page.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(s => s.GetProperty("instanceId").GetString()));
            token = page.Headers.TryGetValues("x-ms-continuation-token", out var values) ? values.Single() : null;
        }
        Assert.Null(token);
        Assert.Equal(all, seen);

        foreach (var (query, header, field) in new[] { ("?top=0", null, "top"), ("?top=1001", null, "top"), ("?top=two", null, "top"), ("?top=2", "not-ours", "x-ms-continuation-token") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{OrchestrationApi.Prefix}/instances{query}");
            if (header is not null) request.Headers.Add("x-ms-continuation-token", header);
            var bad = await admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(field, (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task SuspendResume_SuspendedInstanceKeepsTheEventForLater_WrongStates409NamingTheStatus()
    {
        var admin = Client(_admin);
        var body = await (await admin.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}?instanceId=greet-4", null)).Content.ReadFromJsonAsync<JsonElement>();
        var statusUrl = body.GetProperty("statusQueryGetUri").GetString()!;
        Assert.Equal($"{statusUrl}/suspend", body.GetProperty("suspendPostUri").GetString());
        Assert.Equal($"{statusUrl}/resume", body.GetProperty("resumePostUri").GetString());
        Assert.Equal($"{statusUrl}/rewind", body.GetProperty("rewindPostUri").GetString());
        await WaitForStatusAsync(admin, statusUrl, "running");

        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{statusUrl}/suspend?reason=maintenance", null)).StatusCode);
        await WaitForStatusAsync(admin, statusUrl, "suspended");
        var again = await admin.PostAsync($"{statusUrl}/suspend", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("runtimeStatus:", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Suspended", problem.GetProperty("runtimeStatus").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{statusUrl}/raiseEvent/name", Json("\"later\""))).StatusCode);
        await Task.Delay(300); // six inbox polls: the event is recorded, not applied
        var suspended = await admin.GetFromJsonAsync<JsonElement>(statusUrl);
        Assert.Equal("Suspended", suspended.GetProperty("runtimeStatus").GetString());
        Assert.Equal("waiting", suspended.GetProperty("customStatus").GetProperty("step").GetString());

        // A reason given blank is no reason: the engine's default is recorded, not "" (until 2026-12-07).
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{statusUrl}/resume?reason=%20%20", null)).StatusCode);
        var done = await WaitForStatusAsync(admin, statusUrl, "completed");
        Assert.Equal("hello later", done.GetProperty("output").GetString());
        var history = (await _app.Services.GetRequiredService<MLOps.Workflows.Embedded.EmbeddedOrchestrationEngine>().GetRecordAsync("greet-4"))!.History;
        Assert.Equal("maintenance", history.Single(e => e.Type == MLOps.Workflows.Embedded.HistoryEventType.ExecutionSuspended).Data?.GetString());
        Assert.Equal("resumed", history.Single(e => e.Type == MLOps.Workflows.Embedded.HistoryEventType.ExecutionResumed).Data?.GetString());
        foreach (var control in new[] { "suspend", "resume", "rewind" })
        {
            var refused = await admin.PostAsync($"{statusUrl}/{control}", null);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("it is Completed", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Rewind_FailedInstance_202_ThenCompletes()
    {
        var admin = Client(_admin);
        Broken["fragile-1"] = 0;
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/{Fragile}?instanceId=fragile-1", Json("\"fragile-1\""));
        var statusUrl = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusQueryGetUri").GetString()!;
        await WaitForStatusAsync(admin, statusUrl, "failed");

        Broken.TryRemove("fragile-1", out _);
        var rewound = await admin.PostAsync($"{statusUrl}/rewind?reason=fixed", null);

        Assert.Equal(HttpStatusCode.Accepted, rewound.StatusCode);
        Assert.EndsWith(statusUrl, rewound.Headers.Location!.ToString(), StringComparison.Ordinal);
        var done = await WaitForStatusAsync(admin, statusUrl, "completed");
        Assert.Equal("ok fragile-1", done.GetProperty("output").GetString());
    }

    [Fact]
    public async Task Start_OverHttp_ActivitySpansJoinTheCallersTrace_AndNameTheInstance()
    {
        // On-call follows a start request (its traceparent, or the server span's trace) down to the steps it ran.
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == MLOps.Core.Telemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var trace = System.Diagnostics.ActivityTraceId.CreateRandom();
        var admin = Client(_admin);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{OrchestrationApi.Prefix}/{Fragile}?instanceId=traced-1") { Content = Json("\"traced-1\"") };
        request.Headers.Add("traceparent", $"00-{trace}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");

        var start = await admin.SendAsync(request);
        await WaitForStatusAsync(admin, (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusQueryGetUri").GetString()!, "completed");

        var step = Assert.Single(spans, s => s.DisplayName == "activity Fragile" && Equals(s.GetTagItem("mlops.instance"), "traced-1"));
        Assert.Equal(trace, step.TraceId);
    }

    [Theory]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/suspend", HttpStatusCode.NotFound, "id")]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/resume", HttpStatusCode.NotFound, "id")]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/rewind", HttpStatusCode.NotFound, "id")]
    [InlineData("POST", "/api/orchestrations/instances/bad%2Fid/suspend", HttpStatusCode.BadRequest, "id")]
    [InlineData("GET", "/api/orchestrations/instances/no-such-instance", HttpStatusCode.NotFound, "id")]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/terminate", HttpStatusCode.NotFound, "id")]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/raiseEvent/name", HttpStatusCode.NotFound, "id")]
    [InlineData("POST", "/api/orchestrations/NoSuchOrchestration", HttpStatusCode.NotFound, "name")]
    [InlineData("POST", "/api/orchestrations/Greeter?instanceId=bad%2Fid", HttpStatusCode.BadRequest, "instanceId")]
    [InlineData("DELETE", "/api/orchestrations/instances?olderThanDays=-1", HttpStatusCode.BadRequest, "olderThanDays")]
    [InlineData("DELETE", "/api/orchestrations/instances?olderThanDays=abc", HttpStatusCode.BadRequest, "olderThanDays")]
    [InlineData("DELETE", "/api/orchestrations/instances?olderThanDays=99999999", HttpStatusCode.BadRequest, "olderThanDays")]
    // The reason is kept in the history, logged and printed by `pipeline status`: one printable line (found by review).
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/suspend?reason=ok%0D%0Aforged", HttpStatusCode.BadRequest, "reason")]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/terminate?reason=%1B%5B2J", HttpStatusCode.BadRequest, "reason")]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/rewind?reason=a%00b", HttpStatusCode.BadRequest, "reason")]
    public async Task UnknownOrBadRequests_ProblemDetailsNamingTheField(string method, string url, HttpStatusCode expected, string field)
    {
        var response = await Client(_admin).SendAsync(new HttpRequestMessage(new HttpMethod(method), url));

        Assert.Equal(expected, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith($"{field}:", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    /// <summary>A start or event that would run on nonsense is refused before any instance exists, naming the field.</summary>
    [Theory]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"candidates\":[{\"kind\":\"ease\"},{\"kind\":\"nope\"}]}", HttpStatusCode.BadRequest, "candidates[1].kind")]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"model\":\"../../keys\"}", HttpStatusCode.BadRequest, "model")]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"candidates\":[{\"kind\":\"ials\",\"parameters\":{\"factorz\":4}}]}", HttpStatusCode.BadRequest, "candidates[0].parameters")]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"candidates\":[{\"kind\":\"ease\"},{\"kind\":\"ials\",\"parameters\":{\"factors\":-4}}]}", HttpStatusCode.BadRequest, "candidates[1].parameters")]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"candidates\":[{\"kind\":\"ranker\",\"parameters\":{\"ease\":1,\"ease.lambda\":-1}}]}", HttpStatusCode.BadRequest, "candidates[0].parameters")]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"candidates\":[]}", HttpStatusCode.BadRequest, "candidates")]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"approvalTimeoutHours\":-1}", HttpStatusCode.BadRequest, "approvalTimeoutHours")]
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"requireApproval\":\"yes\"}", HttpStatusCode.BadRequest, "requireApproval")]
    // The reason is printed by `pipeline status` and quoted in logs like every other recorded reason (was stored as sent).
    [InlineData("/api/orchestrations/RetrainPipeline", "{\"reason\":\"nightly\\u001b[2J\"}", HttpStatusCode.BadRequest, "reason")]
    [InlineData("/api/orchestrations/Purge", "{\"retentionDays\":-100}", HttpStatusCode.BadRequest, "retentionDays")]
    [InlineData("/api/orchestrations/DriftMonitor", "{\"model\":\"\"}", HttpStatusCode.BadRequest, "model")]
    [InlineData("/api/orchestrations/Purge", "LARGE", HttpStatusCode.RequestEntityTooLarge, "body")]
    // A document that is not an object was explained by the serializer's "could not be converted to MLOps.Workflows.Pipeline.RetrainInput".
    [InlineData("/api/orchestrations/RetrainPipeline", "[1]", HttpStatusCode.BadRequest, "body")]
    [InlineData("/api/orchestrations/Purge", "\"x\"", HttpStatusCode.BadRequest, "body")]
    [InlineData("/api/orchestrations/instances/no-such-instance/raiseEvent/bad%0Bname", "\"x\"", HttpStatusCode.BadRequest, "eventName")]
    [InlineData("/api/orchestrations/instances/no-such-instance/raiseEvent/name", "LARGE", HttpStatusCode.RequestEntityTooLarge, "body")]
    public async Task StartOrRaiseEvent_WithNonsense_ProblemNamingTheField_AndNoInstance(string url, string body, HttpStatusCode expected, string field)
    {
        var admin = Client(_admin);
        var before = (await admin.GetFromJsonAsync<JsonElement>($"{OrchestrationApi.Prefix}/instances")).GetArrayLength();
        var content = Json(body == "LARGE" ? $"\"{new string('x', 70 * 1024)}\"" : body);

        var response = await admin.PostAsync(url, content);

        Assert.Equal(expected, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.DoesNotContain("(Parameter '", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Says what the field takes, not the serializer's .NET type ("could not be converted to System.Boolean").
        Assert.DoesNotContain("System.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("MLOps.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"{field}:", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await admin.GetFromJsonAsync<JsonElement>($"{OrchestrationApi.Prefix}/instances")).GetArrayLength());
    }

    /// <summary>
    /// Start took any Content-Type (202 for text/plain) while promote, rollback and the alert actions answered 415: now every
    /// JSON route does, without or with a key (the local host's routing answers it first), and starts nothing. No body and no
    /// Content-Type still starts with the defaults; a +json type or a charset is JSON.
    /// </summary>
    [Theory]
    [InlineData("text/plain", true)]
    [InlineData("text/plain", false)]
    [InlineData("application/x-www-form-urlencoded", true)] // what `curl -d` sends without -H 'content-type: …'
    [InlineData("application/jsonfoo", true)]
    public async Task StartOrRaiseEvent_WithABodyThatIsNotDeclaredJson_Is415NamingTheContentType_AndNoInstance(string contentType, bool withKey)
    {
        var admin = Client(_admin);
        var caller = Client(withKey ? _admin : null);
        var before = (await admin.GetFromJsonAsync<JsonElement>($"{OrchestrationApi.Prefix}/instances")).GetArrayLength();

        var start = await caller.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}", new StringContent("\"bonjour\"", Encoding.UTF8, contentType));
        var raise = await caller.PostAsync($"{OrchestrationApi.Prefix}/instances/no-such-instance/raiseEvent/name", new StringContent("\"world\"", Encoding.UTF8, contentType));

        foreach (var response in new[] { start, raise })
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Content-Type", problem.GetProperty("field").GetString());
            Assert.Equal("Send the body as application/json.", problem.GetProperty("detail").GetString());
        }
        Assert.Equal(before, (await admin.GetFromJsonAsync<JsonElement>($"{OrchestrationApi.Prefix}/instances")).GetArrayLength());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Application/JSON")] // sent with "; charset=utf-8"
    [InlineData("application/vnd.mlops+json")]
    public async Task Start_WithoutABody_OrWithAJsonType_Starts(string? contentType)
    {
        var content = contentType is null ? null : new StringContent("\"bonjour\"", Encoding.UTF8, contentType);

        var start = await Client(_admin).PostAsync($"{OrchestrationApi.Prefix}/{Greeter}", content);

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
    }

    /// <summary>An event whose payload the orchestration declares is refused in another shape, before it can fail the instance.</summary>
    [Fact]
    public async Task RaiseEvent_ADeclaredPayloadOfTheWrongShape_Is400NamingTheField_AndTheInstanceRunsOn()
    {
        var admin = Client(_admin);
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}?instanceId=greet-typed", Json("\"hi\""));
        var body = await start.Content.ReadFromJsonAsync<JsonElement>();
        var status = body.GetProperty("statusQueryGetUri").GetString()!;
        await WaitForStatusAsync(admin, status, "running");
        var send = body.GetProperty("sendEventPostUri").GetString()!;

        var maybe = await admin.PostAsync(send.Replace("{eventName}", "verdict"), Json("{\"approved\":\"maybe\"}"));
        var none = await admin.PostAsync(send.Replace("{eventName}", "verdict"), null);
        // Who and why go into the summary, the notification the host logs and the audit: no escape sequences or line breaks.
        var forged = await admin.PostAsync(send.Replace("{eventName}", "verdict"), Json("{\"approved\":true,\"by\":\"ana\",\"comment\":\"ok\\nrejected by the CTO\"}"));
        var fine = await admin.PostAsync(send.Replace("{eventName}", "verdict"), Json("{\"approved\":true,\"by\":\"ana\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, maybe.StatusCode);
        var maybeProblem = await maybe.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("approved", maybeProblem.GetProperty("field").GetString());
        // What the field takes, in words: it said "could not be converted to MLOps.Workflows.Pipeline.ApprovalDecision".
        Assert.StartsWith("approved: must be true or false", maybeProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("MLOps.", maybeProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal("body", (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("comment", (await forged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.Accepted, fine.StatusCode);
        Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>(status)).GetProperty("runtimeStatus").GetString()!.ToLowerInvariant());
        Assert.Equal(typeof(ApprovalDecision), WorkflowCatalog.Create().EventPayloadType(OrchestrationNames.RetrainPipeline, RetrainPipeline.ApprovalEvent));
    }

    [Fact]
    public async Task Terminate_AFinishedInstance_Is409NamingItsStatus()
    {
        var admin = Client(_admin);
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/{Greeter}?instanceId=greet-done", Json("\"hi\""));
        var body = await start.Content.ReadFromJsonAsync<JsonElement>();
        await WaitForStatusAsync(admin, body.GetProperty("statusQueryGetUri").GetString()!, "running");
        await admin.PostAsync(body.GetProperty("sendEventPostUri").GetString()!.Replace("{eventName}", "name"), Json("\"ana\""));
        await WaitForStatusAsync(admin, body.GetProperty("statusQueryGetUri").GetString()!, "completed");

        var terminate = await admin.PostAsync(body.GetProperty("terminatePostUri").GetString()!, null);

        Assert.Equal(HttpStatusCode.Conflict, terminate.StatusCode);
        var problem = await terminate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Completed", problem.GetProperty("runtimeStatus").GetString());
        Assert.Equal("completed", (await admin.GetFromJsonAsync<JsonElement>(body.GetProperty("statusQueryGetUri").GetString()!)).GetProperty("runtimeStatus").GetString()!.ToLowerInvariant());
    }

    /// <summary>
    /// Starting the Purge orchestration by name reaches the start route (a <c>POST …/purge</c> history route used to
    /// shadow it: routes ignore case); purging history is Durable's <c>DELETE …/instances</c>.
    /// </summary>
    [Fact]
    public async Task PurgeOrchestration_StartsByName_DeleteInstancesPurgesFinishedHistory()
    {
        var admin = Client(_admin);
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/Purge?instanceId=purge-by-name", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var statusUrl = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusQueryGetUri").GetString()!;
        Assert.Equal("Purge", (await WaitForStatusAsync(admin, statusUrl, "completed")).GetProperty("name").GetString());

        // A finished run's scratch (a candidate's artifact) goes with its history: every retrain's used to stay for good.
        var store = _app.Services.GetRequiredService<IBlobStore>();
        var scratch = "pipeline/candidates/purge-by-name@20250101T000000.000Z_train-0.mlrc";
        await store.WriteTextAsync(scratch, "artifact");
        await Task.Delay(50); // the blob's time must fall before the purge's cut-off ("0 days": now)

        var purge = await admin.DeleteAsync($"{OrchestrationApi.Prefix}/instances?olderThanDays=0");
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.True((await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purged").GetInt32() >= 1);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(statusUrl)).StatusCode);
        Assert.Null(await store.ReadAsync(scratch));
        Assert.Equal(HttpStatusCode.Forbidden, (await Client(_read).DeleteAsync($"{OrchestrationApi.Prefix}/instances?olderThanDays=0")).StatusCode);
    }

    /// <summary>Starts a Decider and waits until it asks for its decision; returns its status URL.</summary>
    private async Task<string> StartDeciderAsync(HttpClient admin)
    {
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/{Decider}", null);
        var statusUrl = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusQueryGetUri").GetString()!;
        await WaitForStatusAsync(admin, statusUrl, "running");
        await WaitForStepAsync(admin, statusUrl, "deciding");
        return statusUrl;
    }

    private static async Task WaitForStepAsync(HttpClient client, string statusUrl, string step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await (await client.GetAsync(statusUrl)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customStatus").GetProperty("step").GetString() != step)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{statusUrl} is not at step {step} after 20 s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// A one-time decision (RetrainPipeline's approval) was accepted a second time with 202 and dropped: two on-call
    /// engineers, one approving and one rejecting, both believed they had decided. Past its step it is a 409.
    /// </summary>
    [Fact]
    public async Task OneTimeEvent_AfterItsStep_Is409NamingTheStep_AndTheFirstDecisionStands()
    {
        var admin = Client(_admin);
        var statusUrl = await StartDeciderAsync(admin);

        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{statusUrl}/raiseEvent/decision", Json("{\"approved\":true,\"by\":\"alice\"}"))).StatusCode);
        await WaitForStepAsync(admin, statusUrl, "acting");
        var second = await admin.PostAsync($"{statusUrl}/raiseEvent/decision", Json("{\"approved\":false,\"by\":\"bob\"}"));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("eventName", problem.GetProperty("field").GetString());
        Assert.Contains("step 'acting'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{statusUrl}/raiseEvent/finish", Json("\"now\""))).StatusCode);
        Assert.Equal("approved", (await WaitForStatusAsync(admin, statusUrl, "completed")).GetProperty("output").GetString());
    }

    /// <summary>
    /// Decisions sent at the same moment all found the instance at its step, and all got 202: the first raised counted and
    /// the others were dropped. Now the first to claim the event is the only one sent; the rest get 409 naming it.
    /// </summary>
    [Fact]
    public async Task OneTimeEvent_SentAtOnce_ExactlyOneIsAccepted_TheOthers409NamingIt()
    {
        var admin = Client(_admin);
        var statusUrl = await StartDeciderAsync(admin);

        var people = Enumerable.Range(0, 8).Select(i => (By: $"person{i}", Approved: i % 2 == 0)).ToList();
        var responses = await Task.WhenAll(people.Select(p =>
            admin.PostAsync($"{statusUrl}/raiseEvent/decision", Json($$"""{"approved":{{(p.Approved ? "true" : "false")}},"by":"{{p.By}}"}"""))));

        var accepted = Assert.Single(Enumerable.Range(0, people.Count), i => responses[i].StatusCode == HttpStatusCode.Accepted);
        foreach (var refused in responses.Where((_, i) => i != accepted))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("eventName", problem.GetProperty("field").GetString());
            // Refused by the claim, or (a slower request, once the instance took the decision) by the step check.
            var title = problem.GetProperty("title").GetString();
            Assert.True(title is "Event already sent" or "Not waiting for this event", title);
            if (title == "Event already sent") Assert.Equal(people[accepted].By, problem.GetProperty("firstPayload").GetProperty("by").GetString());
        }
        await WaitForStepAsync(admin, statusUrl, "acting");
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{statusUrl}/raiseEvent/finish", Json("\"now\""))).StatusCode);
        Assert.Equal(people[accepted].Approved ? "approved" : "rejected", (await WaitForStatusAsync(admin, statusUrl, "completed")).GetProperty("output").GetString());
    }

    /// <summary>A start's input is recorded with its defaults written out (with or without a body), so the pipeline knows it may tune.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("{\"trigger\":\"manual\"}")]
    public async Task Start_RecordsTheCheckedInputWithItsDefaults(string? body)
    {
        var admin = Client(_admin);
        var id = $"rp-defaults-{(body is null ? "empty" : "body")}";
        var start = await admin.PostAsync($"{OrchestrationApi.Prefix}/RetrainPipeline?instanceId={id}", body is null ? null : Json(body));
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);

        var status = await admin.GetFromJsonAsync<JsonElement>($"{OrchestrationApi.Prefix}/instances/{id}");

        Assert.True(status.GetProperty("input").GetProperty("tune").GetBoolean());
        Assert.Equal("manual", status.GetProperty("input").GetProperty("trigger").GetString());
    }

    [Fact]
    public async Task Start_InvalidJsonBody_400NamingTheBody()
    {
        var response = await Client(_admin).PostAsync($"{OrchestrationApi.Prefix}/{Greeter}", Json("{not json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("body:", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roles_StartNeedsAdmin_StatusNeedsAKey()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await Client(_read).PostAsync($"{OrchestrationApi.Prefix}/{Greeter}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client(null).GetAsync($"{OrchestrationApi.Prefix}/instances/x")).StatusCode);
        foreach (var control in new[] { "suspend", "resume", "rewind" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await Client(_read).PostAsync($"{OrchestrationApi.Prefix}/instances/x/{control}", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Client(null).PostAsync($"{OrchestrationApi.Prefix}/instances/x/{control}", null)).StatusCode);
        }
    }
}
