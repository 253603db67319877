using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using MLOps.Core;
using MLOps.Core.Http;
using MLOps.Core.Http.OpenApi;
using MLOps.Core.Http.Paging;
using MLOps.Core.Security;
using MLOps.Storage;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows;

/// <summary>What a start returns (Durable's management payload, camelCase).</summary>
public sealed record StartResponse(string Id, bool AlreadyRunning, string StatusQueryGetUri, string SendEventPostUri, string TerminatePostUri,
    string SuspendPostUri, string ResumePostUri, string RewindPostUri);

/// <summary>
/// The Durable-style management API over <see cref="IOrchestrationClient"/> (same routes on both hosts):
/// start → 202 + Location of the status; status; raise event; terminate; suspend / resume / rewind; list; purge.
/// </summary>
public static class OrchestrationApi
{
    public const string Prefix = "/api/orchestrations";
    /// <summary>Orchestration inputs and event payloads are small documents (each event is appended to the instance's history).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapOrchestrationApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix).WithTags("Orchestrations").WithApiResponseHeaders();
        // What each handler answers besides 200 / 202, and the query parameters it parses, for the OpenAPI document.
        // Inputs and event payloads are JSON (optional): another declared Content-Type is a 415 on both hosts, checked before
        // the key (AcceptsJson first, which declares the 415; the body's schema is the transformer's).
        int[] control = [400, 404, 409, 501];
        var reason = QueryParameter.Text("reason", "Why: one printable line, kept in the instance's history.", MaxReasonLength);
        group.MapPost("/{name}", StartAsync).AcceptsJson<JsonElement>(isOptional: true).RequireRole(ApiRole.Admin).WithName("StartOrchestration")
            .WithInputBody().ProducesProblems([.. OpenApiDeclarations.JsonBodyProblems, 404])
            .WithQuery(QueryParameter.Text("instanceId", "Start under this id: 1-100 letters, digits, '-', '_', '.' or ':', starting with a letter or digit. "
                + "An unfinished instance with it is not started again (alreadyRunning). A new id without it.", 100));
        group.MapGet("/instances", ListAsync).RequireRole(ApiRole.Read).WithName("ListOrchestrations").ProducesProblems(400).WithPaging();
        group.MapGet("/instances/{id}", StatusAsync).RequireRole(ApiRole.Read).WithName("OrchestrationStatus").ProducesProblems(400, 404);
        group.MapPost("/instances/{id}/raiseEvent/{eventName}", RaiseEventAsync).AcceptsJson<JsonElement>(isOptional: true).RequireRole(ApiRole.Admin)
            .WithName("RaiseOrchestrationEvent").WithEventPayloadBody().ProducesProblems([.. OpenApiDeclarations.JsonBodyProblems, 404, 409]);
        group.MapPost("/instances/{id}/terminate", TerminateAsync).RequireRole(ApiRole.Admin).WithName("TerminateOrchestration")
            .ProducesProblems(400, 404, 409).WithQuery(reason);
        group.MapPost("/instances/{id}/suspend", SuspendAsync).RequireRole(ApiRole.Admin).WithName("SuspendOrchestration").ProducesProblems(control).WithQuery(reason);
        group.MapPost("/instances/{id}/resume", ResumeAsync).RequireRole(ApiRole.Admin).WithName("ResumeOrchestration").ProducesProblems(control).WithQuery(reason);
        group.MapPost("/instances/{id}/rewind", RewindAsync).RequireRole(ApiRole.Admin).WithName("RewindOrchestration").ProducesProblems(control).WithQuery(reason);
        // Durable's purge-many shape (DELETE …/instances). A POST …/purge route would shadow starting the "Purge" orchestration.
        group.MapDelete("/instances", PurgeAsync).RequireRole(ApiRole.Admin).WithName("PurgeOrchestrations").ProducesProblems(400)
            .WithQuery(QueryParameter.Integer("olderThanDays", "Purge finished instances last updated more than this many days ago.", 0, Pipeline.PurgeInput.MaxRetentionDays, 30));
        return endpoints;
    }

    public static async Task<Results<Accepted<StartResponse>, ProblemHttpResult>> StartAsync(
        string name, HttpRequest request, IOrchestrationClient client, WorkflowRegistry registry, string? instanceId = null, CancellationToken cancellationToken = default)
    {
        if (!registry.HasOrchestrator(name))
            return Problem(404, "Unknown orchestration", "name",
                $"name: no orchestration named '{name}' (known: {string.Join(", ", registry.Orchestrators.Select(o => o.Name).Order(StringComparer.Ordinal))}).");
        var (input, unreadable) = await JsonRequestBody.ReadAsync(request, $"{name} input", MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (unreadable is not null) return unreadable;
        var inputType = registry.GetOrchestrator(name).InputType;
        object? typed = null;
        if (input is not null)
        {
            // Reject a body the orchestration cannot read, or would run on nonsense, now rather than in its first episode.
            try { typed = WorkflowJson.FromElement(input, inputType); }
            catch (JsonException e) { return Problem(400, "Invalid input", FieldOf(e.Path), $"{FieldOf(e.Path)}: {JsonRequestBody.WrongValue(inputType, e)} (not a valid {name} input)."); }
            if (typed is IValidatableInput validatable && validatable.Validate() is { } problem)
                return Problem(400, "Invalid input", problem.Field, $"{problem.Field}: {problem.Message}");
        }
        // A checked input is recorded as read, every default written out, as the CLI records it: what the instance runs on is
        // then in its history, and a setting added later (RetrainInput.Tune) can tell this start from one recorded before it.
        else if (typeof(IValidatableInput).IsAssignableFrom(inputType) && inputType.GetConstructor(Type.EmptyTypes) is not null)
            typed = Activator.CreateInstance(inputType);
        StartResult start;
        try
        {
            start = await client.StartAsync(name, typed is IValidatableInput ? typed : input, instanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Invalid instance id", "instanceId", $"instanceId: {ArgumentText.Of(e)}");
        }
        var status = $"{Prefix}/instances/{start.InstanceId}";
        // A path, not an absolute URI: behind the Functions host the worker sees its own address, not the caller's.
        return TypedResults.Accepted(status, new StartResponse(start.InstanceId, start.AlreadyRunning, status,
            $"{status}/raiseEvent/{{eventName}}", $"{status}/terminate", $"{status}/suspend", $"{status}/resume", $"{status}/rewind"));
    }

    public static async Task<Results<Ok<OrchestrationState>, ProblemHttpResult>> StatusAsync(string id, IOrchestrationClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetStateAsync(id, cancellationToken).ConfigureAwait(false) is { } state
                ? TypedResults.Ok(state)
                : NotFound(id);
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Invalid instance id", "id", $"id: {ArgumentText.Of(e)}");
        }
    }

    /// <summary>Newest first, as <see cref="IOrchestrationClient.ListAsync"/> orders them; paged with <c>top</c> and the continuation header (<see cref="PageRequest"/>).</summary>
    public static async Task<Results<Ok<IReadOnlyList<OrchestrationState>>, ProblemHttpResult>> ListAsync(HttpContext http, IOrchestrationClient client, CancellationToken cancellationToken)
    {
        if (PageRequest.TryRead(http.Request, InstancePaging.Scope, out var request) is { } invalid) return invalid;
        var page = InstancePaging.Page(await client.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false), request.Top, request.After);
        PageRequest.WriteNext(http.Response, page);
        return TypedResults.Ok(page.Items);
    }

    public static async Task<Results<Accepted, ProblemHttpResult>> RaiseEventAsync(string id, string eventName, HttpRequest request, IOrchestrationClient client,
        WorkflowRegistry registry, IBlobStore store, CancellationToken cancellationToken)
    {
        // Every event is appended to the instance's history blob: names and payloads are bounded and printable.
        if (eventName.Length is 0 or > 100 || !eventName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return Problem(400, "Invalid event name", "eventName", "eventName: must be 1-100 letters, digits, '-', '_' or '.'.");
        var (payload, unreadable) = await JsonRequestBody.ReadAsync(request, "event payload", MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (unreadable is not null) return unreadable;
        try
        {
            // An event whose payload the orchestration declares (approval → {approved, by, comment}) must have that shape:
            // delivered as it is, {"approved": "maybe"} would fail the instance when it reads the event.
            var state = await client.GetStateAsync(id, cancellationToken).ConfigureAwait(false);
            if (state is not null && registry.EventPayloadType(state.Name, eventName) is { } type)
            {
                if (payload is not { ValueKind: JsonValueKind.Object })
                    return Problem(400, "Invalid event payload", "body", $"body: the '{eventName}' event of {state.Name} needs a JSON object payload.");
                object? typed;
                try { typed = WorkflowJson.FromElement(payload, type); }
                catch (JsonException e) { return Problem(400, "Invalid event payload", FieldOf(e.Path), $"{FieldOf(e.Path)}: {JsonRequestBody.WrongValue(type, e)} (not a valid '{eventName}' payload)."); }
                if (typed is IValidatableInput validatable && validatable.Validate() is { } problem)
                    return Problem(400, "Invalid event payload", problem.Field, $"{problem.Field}: {problem.Message}");
            }
            // Said here for both hosts, naming how it ended, whatever the engine does with an event for a finished instance.
            if (state is { IsFinished: true })
                return Problem(409, "Instance finished", "id", $"id: {state.TakesNoMoreEvents()}");
            if (state is not null && registry.StepAwaitingEvent(state.Name, eventName) is { } awaited)
            {
                if (state.Step is var step && step != awaited)
                    return Problem(409, "Not waiting for this event", "eventName",
                        $"eventName: {state.Name} {id} reads '{eventName}' only at step '{awaited}' and is at step '{step ?? "(none)"}': a decision already "
                        + "reached it, or it never asked for one. Read its status (customStatus) before deciding again.");
                // The step check alone let two decisions sent at once both through: the first to claim the event is the only one sent.
                if (await OneTimeEventClaims.TryClaimAsync(store, state, eventName, payload, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false) is { } first)
                    return TypedResults.Problem(statusCode: 409, title: "Event already sent",
                        detail: $"eventName: {state.Name} {id} reads '{eventName}' once, and one was sent at {first.ClaimedAt:u}"
                            + (first.Payload is { } sent ? $" ({sent.GetRawText()})" : "") + ": this one was not sent. Read its status before deciding again.",
                        extensions: new Dictionary<string, object?> { ["field"] = "eventName", ["firstSentAt"] = first.ClaimedAt, ["firstPayload"] = first.Payload });
                return await RaiseClaimedAsync(client, store, state, eventName, payload, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Invalid instance id", "id", $"id: {ArgumentText.Of(e)}");
        }
        try
        {
            await client.RaiseEventAsync(id, eventName, payload, cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted($"{Prefix}/instances/{id}");
        }
        catch (KeyNotFoundException)
        {
            return NotFound(id);
        }
        catch (InvalidOperationException e)
        {
            return Problem(409, "Instance finished", "id", $"id: {e.Message}");
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Invalid request", e.ParamName ?? "id", ArgumentText.Of(e));
        }
    }

    // Raises a claimed one-time event; a failed raise gives the claim back so the sender can retry.
    private static async Task<Results<Accepted, ProblemHttpResult>> RaiseClaimedAsync(IOrchestrationClient client, IBlobStore store, OrchestrationState state,
        string eventName, JsonElement? payload, CancellationToken cancellationToken)
    {
        try
        {
            await client.RaiseEventAsync(state.InstanceId, eventName, payload, cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted($"{Prefix}/instances/{state.InstanceId}");
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
        {
            await OneTimeEventClaims.ReleaseAsync(store, state, eventName, CancellationToken.None).ConfigureAwait(false);
            return e is KeyNotFoundException ? NotFound(state.InstanceId) : Problem(409, "Instance finished", "id", $"id: {e.Message}");
        }
        catch
        {
            await OneTimeEventClaims.ReleaseAsync(store, state, eventName, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public static async Task<Results<Accepted, ProblemHttpResult>> TerminateAsync(string id, IOrchestrationClient client, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (ReasonProblem(reason) is { } invalid) return invalid;
        try
        {
            // A finished instance cannot be terminated: say so, as suspend / resume / rewind do, instead of a 202 that did nothing.
            if (await client.GetStateAsync(id, cancellationToken).ConfigureAwait(false) is { IsFinished: true } done)
                return TypedResults.Problem(statusCode: 409, title: "Instance state does not allow this",
                    detail: $"runtimeStatus: cannot terminate instance '{id}': it is {done.RuntimeStatus}; only a running, pending or suspended instance can be terminated.",
                    extensions: new Dictionary<string, object?> { ["runtimeStatus"] = done.RuntimeStatus.ToString(), ["field"] = "id" });
            await client.TerminateAsync(id, FreeText.OrNull(reason), cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted($"{Prefix}/instances/{id}");
        }
        catch (KeyNotFoundException)
        {
            return NotFound(id);
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Invalid instance id", "id", $"id: {ArgumentText.Of(e)}");
        }
    }

    public static Task<Results<Accepted, ProblemHttpResult>> SuspendAsync(string id, IOrchestrationClient client, string? reason = null, CancellationToken cancellationToken = default) =>
        ReasonProblem(reason) is { } invalid ? Task.FromResult<Results<Accepted, ProblemHttpResult>>(invalid) : ControlAsync(id, () => client.SuspendAsync(id, FreeText.OrNull(reason), cancellationToken));

    public static Task<Results<Accepted, ProblemHttpResult>> ResumeAsync(string id, IOrchestrationClient client, string? reason = null, CancellationToken cancellationToken = default) =>
        ReasonProblem(reason) is { } invalid ? Task.FromResult<Results<Accepted, ProblemHttpResult>>(invalid) : ControlAsync(id, () => client.ResumeAsync(id, FreeText.OrNull(reason), cancellationToken));

    public static Task<Results<Accepted, ProblemHttpResult>> RewindAsync(string id, IOrchestrationClient client, string? reason = null, CancellationToken cancellationToken = default) =>
        ReasonProblem(reason) is { } invalid ? Task.FromResult<Results<Accepted, ProblemHttpResult>>(invalid) : ControlAsync(id, () => client.RewindAsync(id, FreeText.OrNull(reason), cancellationToken));

    /// <summary>Suspend, resume, rewind: 202 + the status URL; 404 unknown id; 409 wrong state (naming it) or a concurrent change; 501 where the engine lacks it.</summary>
    private static async Task<Results<Accepted, ProblemHttpResult>> ControlAsync(string id, Func<Task> control)
    {
        try
        {
            await control().ConfigureAwait(false);
            return TypedResults.Accepted($"{Prefix}/instances/{id}");
        }
        catch (KeyNotFoundException)
        {
            return NotFound(id);
        }
        catch (InstanceStateException e)
        {
            return TypedResults.Problem(statusCode: 409, title: "Instance state does not allow this", detail: $"runtimeStatus: {e.Message}",
                extensions: new Dictionary<string, object?> { ["runtimeStatus"] = e.Status.ToString(), ["field"] = "id" });
        }
        catch (NotSupportedException e)
        {
            return TypedResults.Problem(statusCode: 501, title: "Not available on this engine", detail: e.Message);
        }
        catch (MLOps.Storage.BlobConditionFailedException)
        {
            // Two rewinds of one instance at once: the first checkpoint wins, the other sees a changed history.
            return Problem(409, "Instance changed concurrently", "id", $"id: instance '{id}' changed while this request ran; read its status and retry.");
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Invalid instance id", "id", $"id: {ArgumentText.Of(e)}");
        }
    }

    // Bound as text and parsed here, so "abc" gets a problem naming olderThanDays on both hosts (a typed int that fails
    // to bind is a bare 400 locally and no problem body on the Functions host).
    public static async Task<Results<Ok<PurgeResponse>, ProblemHttpResult>> PurgeAsync(IOrchestrationClient client, IBlobStore store, TimeProvider time, string? olderThanDays = null, CancellationToken cancellationToken = default)
    {
        var days = 30;
        if (olderThanDays is not null && (!int.TryParse(olderThanDays, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out days) || days is < 0 or > Pipeline.PurgeInput.MaxRetentionDays))
            return Problem(400, "Invalid retention", "olderThanDays", $"olderThanDays: must be a whole number of days from 0 to {Pipeline.PurgeInput.MaxRetentionDays}.");
        var olderThan = time.GetUtcNow().AddDays(-days);
        var (purged, artifacts) = await Pipeline.RunPurge.PurgeAsync(store, client, olderThan, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new PurgeResponse(olderThan, purged, artifacts.Versions, artifacts.Bytes));
    }

    /// <summary>Longest reason a terminate, suspend, resume or rewind records.</summary>
    public const int MaxReasonLength = 2000;

    // The reason is kept in the instance's history, logged by the engine and printed by `pipeline status`: one printable line.
    // Optional: a reason given blank (`?reason=`) is absent, and the engine records its default ("suspended", …), not "".
    private static ProblemHttpResult? ReasonProblem(string? reason) => JsonRequestBody.FreeTextProblem(("reason", reason, MaxReasonLength));

    private static ProblemHttpResult NotFound(string id) =>
        Problem(404, "Unknown instance", "id", $"id: {UnknownInstance.Text(TextClip.Clip(id, 200))}");

    private static ProblemHttpResult Problem(int status, string title, string field, string detail) => JsonRequestBody.Problem(status, title, field, detail);

    private static string FieldOf(string? path) => JsonRequestBody.FieldOf(path);
}

/// <param name="ArtifactsPurged">Model versions whose artifact files the purge deleted; <paramref name="ArtifactBytesFreed"/> their bytes.</param>
public sealed record PurgeResponse(DateTimeOffset OlderThan, int Purged, int ArtifactsPurged = 0, long ArtifactBytesFreed = 0);
