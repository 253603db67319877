using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Storage;
using MLOps.Workflows;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>mlops pipeline run|status|approve|reject|resume|list|terminate|suspend|rewind|purge</c> over the embedded runner.</summary>
public static class PipelineCommand
{
    public static Command Create()
    {
        var group = new Command("pipeline", "Run and manage orchestrations (RetrainPipeline, DriftMonitor, Purge) on the embedded runner.");
        group.Subcommands.Add(Run());
        group.Subcommands.Add(Status());
        group.Subcommands.Add(Decide("approve", approved: true));
        group.Subcommands.Add(Decide("reject", approved: false));
        group.Subcommands.Add(Resume());
        group.Subcommands.Add(List());
        group.Subcommands.Add(Terminate());
        group.Subcommands.Add(PipelineControls.Suspend());
        group.Subcommands.Add(PipelineControls.Rewind());
        group.Subcommands.Add(Purge());
        return group;
    }

    /// <summary>A service provider with the store, the workflows and the services their activities call (no hosted services run).</summary>
    internal static ServiceProvider BuildServices(CliContext context)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddCliEnvironment();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(Environment.GetEnvironmentVariable("MLOPS_DEBUG") is "1" ? LogLevel.Debug : LogLevel.Warning);
        builder.Services.AddSingleton(context.Store);
        builder.AddMLOpsCore(context.StoreSpec);
        builder.AddWorkflows(runSchedules: false);
        return builder.Services.BuildServiceProvider();
    }

    private static Command Run()
    {
        var wait = new Option<bool>("--wait") { Description = "Run the instance here and wait for it to finish (else it is recorded and `serve` or `pipeline resume` runs it)." };
        var name = new Option<string>("--orchestration") { Description = "RetrainPipeline | DriftMonitor | Purge.", DefaultValueFactory = _ => OrchestrationNames.RetrainPipeline };
        var input = new Option<string?>("--input") { Description = "The orchestration's input as JSON (e.g. '{\"requireApproval\":true}')." };
        var approval = new Option<bool>("--require-approval") { Description = "RetrainPipeline: wait for `pipeline approve|reject ID` before publishing." };
        var candidates = new Option<string?>("--candidates") { Description = "RetrainPipeline: model kinds to train, comma-separated (default popularity,sar,ease,ials)." };
        var noTune = new Option<bool>("--no-tune") { Description = "RetrainPipeline: train each candidate with its given parameters, without the tune step." };
        var id = new Option<string?>("--instance-id") { Description = "Instance id (a singleton: a running instance with this id is returned, not restarted)." };
        var command = new Command("run", "Start an orchestration (RetrainPipeline by default).") { wait, name, input, approval, candidates, noTune, id };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            await using var services = BuildServices(context);
            var engine = services.GetRequiredService<EmbeddedOrchestrationEngine>();
            var registry = services.GetRequiredService<WorkflowRegistry>();
            var orchestration = context.Parse.GetValue(name)!;
            if (!registry.HasOrchestrator(orchestration))
                throw new CliUsageException($"--orchestration must be one of {string.Join(", ", registry.Orchestrators.Select(o => o.Name).Order(StringComparer.Ordinal))}, not '{orchestration}'.");
            object? payload = ParseInput(context.Parse.GetValue(input));
            if (orchestration == OrchestrationNames.RetrainPipeline)
            {
                var retrain = payload is JsonElement e ? (RetrainInput?)ReadInput(e, typeof(RetrainInput)) ?? new RetrainInput() : new RetrainInput();
                if (context.Parse.GetValue(approval)) retrain = retrain with { RequireApproval = true };
                if (context.Parse.GetValue(noTune)) retrain = retrain with { Tune = false };
                if (context.Parse.GetValue(candidates) is { Length: > 0 } list)
                {
                    // Both would be one list replacing the other: --input's candidates (and their parameters and searches) were dropped silently.
                    if (retrain.Candidates is { Count: > 0 })
                        throw new CliUsageException("--candidates and --input's \"candidates\" both name the candidates: give them once (--input for parameters or searches).");
                    retrain = retrain with { Candidates = [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => new CandidateConfig(k))] };
                }
                payload = retrain;
            }
            var typed = payload is JsonElement element ? ReadInput(element, registry.GetOrchestrator(orchestration).InputType) : payload;
            if (typed is IValidatableInput validatable && validatable.Validate() is { } problem)
                throw new CliUsageException($"invalid {orchestration} input, {problem.Field}: {problem.Message}");
            // A retrain of an empty store can only fail (three retries of its first step later): say so now.
            if (orchestration == OrchestrationNames.RetrainPipeline) await EventsRequired.CheckAsync(context.Store, "to train on", cancellationToken).ConfigureAwait(false);
            engine.RunStartedInstances = context.Parse.GetValue(wait);
            var start = await engine.StartAsync(orchestration, payload, context.Parse.GetValue(id), cancellationToken).ConfigureAwait(false);
            var started = (await engine.GetStateAsync(start.InstanceId, cancellationToken).ConfigureAwait(false))!;
            context.Log.WriteLine(start.AlreadyRunning
                ? $"{orchestration} {start.InstanceId} already exists and is {started.RuntimeStatus.ToString().ToLowerInvariant()}; not starting another"
                : $"started {orchestration} {start.InstanceId}");
            if (!context.Parse.GetValue(wait))
            {
                if (!start.AlreadyRunning) context.Log.WriteLine("recorded; `mlops serve` or `mlops pipeline resume` runs it (or use --wait)");
                context.Result(new { instanceId = started.InstanceId, runtimeStatus = started.RuntimeStatus, alreadyRunning = start.AlreadyRunning }, c => c.WriteLine(started.InstanceId));
                return ExitCodes.Done;
            }
            // Instances this one starts (DriftMonitor's retrain) are only recorded: this process exits when its own
            // instance ends, and would otherwise abandon them half-run. `serve` or `pipeline resume` runs them.
            engine.RunStartedInstances = false;
            // Only the named instance runs here: resuming the whole store ran every unfinished instance and abandoned them
            // mid-run when this one ended.
            if (start.AlreadyRunning) engine.RunInstance(start.InstanceId);
            var state = await WaitWithProgressAsync(context.Log, engine, start.InstanceId, cancellationToken).ConfigureAwait(false);
            foreach (var other in await engine.ListAsync([RuntimeStatus.Pending, RuntimeStatus.Running], cancellationToken).ConfigureAwait(false))
                if (other.InstanceId != start.InstanceId)
                    context.Log.WriteLine($"{other.Name} {other.InstanceId} is {other.RuntimeStatus.ToString().ToLowerInvariant()}: `mlops serve` or `mlops pipeline resume` runs it");
            WriteResult(context, state);
            return state.RuntimeStatus == RuntimeStatus.Completed ? ExitCodes.Done : ExitCodes.Failed;
        });
        return command;
    }

    private static object? ReadInput(JsonElement input, Type type)
    {
        try { return WorkflowJson.FromElement(input, type); }
        catch (JsonException e) { throw new CliUsageException($"--input is not a valid input of this orchestration: {MLOps.Core.Http.JsonRequestBody.FieldOf(e.Path)}: {MLOps.Core.Http.JsonRequestBody.WrongValue(type, e)}."); }
    }

    private static object? ParseInput(string? json)
    {
        if (json is null) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"--input is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Waits for the instance, printing each change of its custom status (step, progress) to <paramref name="log"/> (stderr).</summary>
    internal static async Task<OrchestrationState> WaitWithProgressAsync(IAnsiConsole log, EmbeddedOrchestrationEngine engine, string id, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var reads = new ProgressReads(log, engine);
        var last = "";
        var completion = engine.WaitForCompletionAsync(id, cancellationToken);
        while (true)
        {
            if (await reads.TryGetStateAsync(id, cancellationToken).ConfigureAwait(false) is (true, var state))
            {
                var status = ProgressOf(state);
                if (status != last)
                {
                    WriteProgress(log, clock.Elapsed, status);
                    foreach (var line in state?.CustomStatus is { } cs ? PipelineStatusText.Evidence(cs) ?? [] : []) log.MarkupLineInterpolated($"         {line}");
                    last = status;
                }
            }
            if (completion.IsCompleted)
            {
                if (!reads.FailedToRead(id, completion)) return await completion.ConfigureAwait(false);
                // The wait reads the state too: a read that failed there is not the end of the instance either.
                completion = WaitAgainAsync();
            }
            await Task.WhenAny(completion, Task.Delay(250, cancellationToken)).ConfigureAwait(false);
        }

        async Task<OrchestrationState> WaitAgainAsync()
        {
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            return await engine.WaitForCompletionAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// While <paramref name="work"/> runs, one stderr line per resumed instance whenever its step changes ("12.3s r1: [2/8]
    /// train: …"), as <c>pipeline run --wait</c> prints for its one instance: a resumed retrain runs for minutes.
    /// </summary>
    internal static async Task<T> WithProgressAsync<T>(IAnsiConsole log, EmbeddedOrchestrationEngine engine, IReadOnlyList<string> ids, Task<T> work,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var reads = new ProgressReads(log, engine);
        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            foreach (var id in ids)
            {
                if (await reads.TryGetStateAsync(id, cancellationToken).ConfigureAwait(false) is not (true, var state)) continue;
                var status = ProgressOf(state);
                if (status.Length > 0 && last.GetValueOrDefault(id) != status)
                {
                    WriteProgress(log, clock.Elapsed, $"{id}: {status}");
                    last[id] = status;
                }
            }
            if (work.IsCompleted) return await work.ConfigureAwait(false);
            await Task.WhenAny(work, Task.Delay(250, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What the progress lines of <c>run --wait</c> and <c>resume</c> show of an instance: its pipeline progress when its
    /// custom status has one, else its runtime status ("" when there is no such instance).
    /// </summary>
    private static string ProgressOf(OrchestrationState? state) =>
        PipelineStatusText.Progress(state?.CustomStatus) ?? state?.RuntimeStatus.ToString() ?? "";

    /// <summary>One progress line on stderr: the seconds since the verb began waiting, then <paramref name="text"/>.</summary>
    private static void WriteProgress(IAnsiConsole log, TimeSpan elapsed, string text) =>
        log.MarkupLineInterpolated($"[grey]{elapsed.TotalSeconds,6:0.0}s[/] {text}");

    private static readonly JsonSerializerOptions HumanJson = new(StoreJson.Indented) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IEnumerable<string> DescribeDriftMonitor(DriftMonitorResult result)
    {
        yield return result.Drift.Describe();
        foreach (var alert in result.Drift.Alerts) yield return $"  {alert.Severity} {alert.Feature}: {alert.Message}";
        yield return result.RetrainSkippedBecause is { } skipped ? $"retrain: not started: {skipped}"
            : result.RetrainInstanceId is { } id ? $"retrain: {(result.RetrainAlreadyRunning ? "already running" : "started")} {id}"
            : result.Drift.Critical ? "retrain: not requested" : "retrain: not needed (no critical drift)";
    }

    internal static void WriteResult(CliContext context, OrchestrationState state) =>
        context.Result(new { instanceId = state.InstanceId, runtimeStatus = state.RuntimeStatus, output = state.Output, failure = state.Failure }, console =>
        {
            console.MarkupLineInterpolated($"[bold]{state.Name} {state.InstanceId}: {state.RuntimeStatus}[/]");
            WriteOutcome(console, state);
        });

    /// <summary>An instance's output (its summary lines when it has them) and failure, for a person.</summary>
    private static void WriteOutcome(IAnsiConsole console, OrchestrationState state)
    {
        if (state.Output is { } output && output.ValueKind == JsonValueKind.Object && output.TryGetProperty("summary", out var lines) && lines.ValueKind == JsonValueKind.Array)
            foreach (var line in lines.EnumerateArray()) console.WriteLine("  " + line.GetString());
        else if (state.Name == OrchestrationNames.DriftMonitor && state.Output is { ValueKind: JsonValueKind.Object } monitor)
            foreach (var line in DescribeDriftMonitor(WorkflowJson.FromElement<DriftMonitorResult>(monitor)!)) console.WriteLine("  " + line);
        // Readable text, not \u0027 for every apostrophe: this is for a person (--json keeps the stored encoding).
        else if (state.Output is { } other) console.WriteLine(JsonSerializer.Serialize(other, HumanJson));
        if (state.Output is { } o && o.ValueKind == JsonValueKind.Object && o.TryGetProperty("stepSeconds", out var steps))
            console.WriteLine("  step seconds: " + string.Join(", ", steps.EnumerateObject().Select(p => $"{p.Name} {p.Value.GetDouble():0.0}")));
        if (state.Failure is { } f) console.WriteLine($"  failed: {f.ErrorType}: {f.ErrorMessage}");
    }

    private static Command Status()
    {
        var id = new Argument<string>("ID") { Description = "Instance id." };
        var history = new Option<bool>("--history") { Description = "Include the recorded history events." };
        var command = new Command("status", "Show an instance: runtime status, custom status (step, progress) and output.") { id, history };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            await using var services = BuildServices(context);
            var engine = services.GetRequiredService<EmbeddedOrchestrationEngine>();
            var record = await engine.GetRecordAsync(context.Parse.GetValue(id)!, cancellationToken).ConfigureAwait(false)
                ?? throw new CliUsageException(UnknownInstance.Text(context.Parse.GetValue(id)!));
            var state = record.ToState();
            context.Result(new
            {
                state.InstanceId, state.Name, state.RuntimeStatus, state.CreatedAt, state.LastUpdatedAt, state.CustomStatus, state.Output, state.Failure,
                History = context.Parse.GetValue(history) ? record.History : null,
            }, console =>
            {
                console.MarkupLineInterpolated($"[bold]{state.Name} {state.InstanceId}: {state.RuntimeStatus}[/] (created {state.CreatedAt:u}, updated {state.LastUpdatedAt:u})");
                if (state.CustomStatus is { } cs)
                {
                    console.WriteLine("  status: " + PipelineStatusText.Line(cs));
                    foreach (var line in PipelineStatusText.Evidence(cs) ?? []) console.WriteLine("    " + line);
                }
                if (context.Parse.GetValue(history))
                    foreach (var e in record.History) console.WriteLine($"  {e.Timestamp:HH:mm:ss.fff} {e.Type} {e.TaskId} {e.Name}");
                WriteOutcome(console, state); // the header line is the one above, with its times
            });
            return ExitCodes.Done;
        });
        return command;
    }

    private static Command Decide(string verb, bool approved)
    {
        var id = new Argument<string>("ID") { Description = "Instance id of a RetrainPipeline waiting for approval." };
        var by = new Option<string?>("--by") { Description = "Who decides (recorded in the summary; default: $MLOPS_USER, else $USER)." };
        var comment = new Option<string?>("--comment") { Description = "Why." };
        var command = new Command(verb, $"{(approved ? "Approve" : "Reject")} the promotion a RetrainPipeline waits for (raises its 'approval' event).") { id, by, comment };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            await using var services = BuildServices(context);
            var engine = services.GetRequiredService<EmbeddedOrchestrationEngine>();
            engine.RunStartedInstances = false;
            var instance = context.Parse.GetValue(id)!;
            var decision = new ApprovalDecision(approved, CliActor.Resolve(context.Parse.GetValue(by), Environment.UserName), context.Parse.GetValue(comment));
            if (decision.Validate() is { } invalid) throw new CliUsageException($"--{invalid.Field}: {invalid.Message}");
            await ApprovalGuard.EnsureUndecidedAsync(engine, instance, verb, cancellationToken).ConfigureAwait(false);
            var claimed = await ApprovalGuard.ClaimAsync(engine, context.Store, instance, verb, decision, cancellationToken).ConfigureAwait(false);
            try
            {
                await engine.RaiseEventAsync(instance, RetrainPipeline.ApprovalEvent, decision, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Not sent: give the claim back so the decision can be sent again.
                if (claimed is not null)
                    await OneTimeEventClaims.ReleaseAsync(context.Store, claimed, RetrainPipeline.ApprovalEvent, CancellationToken.None).ConfigureAwait(false);
                if (e is KeyNotFoundException) throw new CliUsageException(e.Message);
                // A finished instance takes no more events: a valid request the state does not allow (HTTP 409).
                if (e is InvalidOperationException) throw new CliConflictException(e.Message);
                throw;
            }
            context.Result(new { instanceId = instance, @event = RetrainPipeline.ApprovalEvent, approved },
                console => console.WriteLine($"{(approved ? "approved" : "rejected")} {instance}; the instance continues where it runs (serve, or `pipeline resume`)"));
            return ExitCodes.Done;
        });
        return command;
    }

    private static Command Resume()
    {
        var id = new Argument<string?>("ID") { Description = "A suspended instance to resume (without it: finish every unfinished instance).", Arity = ArgumentArity.ZeroOrOne };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the instance's history)." };
        var wait = new Option<bool>("--wait") { Description = "With ID: run the resumed instance here and wait for it to finish." };
        var command = new Command("resume", "Without ID: finish every unfinished instance (replaying its history), then exit; instances left waiting for an event "
            + "are listed, suspended ones stay suspended. With ID: resume that suspended instance.") { id, reason, wait };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            if (context.Parse.GetValue(id) is { } one) return await PipelineControls.ResumeOneAsync(context, one, context.Parse.GetValue(reason), context.Parse.GetValue(wait), cancellationToken).ConfigureAwait(false);
            if (context.Parse.GetValue(reason) is not null || context.Parse.GetValue(wait)) throw new CliUsageException("--reason and --wait need an instance ID (`pipeline resume ID`).");
            await using var services = BuildServices(context);
            var engine = services.GetRequiredService<EmbeddedOrchestrationEngine>();
            var report = await engine.ResumeAllAsync(cancellationToken).ConfigureAwait(false);
            var resumed = report.Resumed;
            context.Log.WriteLine(resumed.Count == 0 ? "nothing to resume here" : $"resuming {resumed.Count}: {string.Join(", ", resumed)}");
            foreach (var held in report.RunningElsewhere)
                context.Log.WriteLine($"{held.InstanceId}: runs in another process ({held.Holder}); not resumed here");
            var waiting = await WithProgressAsync(context.Log, engine, resumed, engine.WaitUntilQuietAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            var states = new List<OrchestrationState>();
            foreach (var id in resumed)
                if (await engine.GetStateAsync(id, cancellationToken).ConfigureAwait(false) is { } s) states.Add(s);
            context.Result(new
            {
                resumed,
                instances = states.Select(s => new { instanceId = s.InstanceId, name = s.Name, runtimeStatus = s.RuntimeStatus }),
                waiting,
                runningElsewhere = report.RunningElsewhere.Select(h => new { instanceId = h.InstanceId, holder = h.Holder }),
            }, console =>
            {
                foreach (var s in states) console.WriteLine($"{s.InstanceId} {s.Name}: {s.RuntimeStatus}");
                foreach (var w in waiting)
                    console.WriteLine(states.Find(s => s.InstanceId == w)?.RuntimeStatus == RuntimeStatus.Suspended
                        ? $"{w}: suspended (`pipeline resume {w}` continues it)"
                        : $"{w}: waiting for an event or a timer (approve/reject it, or let `serve` run it)");
            });
            return states.Any(s => s.RuntimeStatus == RuntimeStatus.Failed) ? ExitCodes.Failed : ExitCodes.Done;
        });
        return command;
    }

    private static Command List()
    {
        var top = CliPaging.Top();
        var next = CliPaging.Continue();
        var command = new Command("list", "List instances, newest first.") { top, next };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var (size, after) = CliPaging.Read(context, top, next, InstancePaging.Scope);
            await using var services = BuildServices(context);
            var page = InstancePaging.Page(await services.GetRequiredService<IOrchestrationClient>().ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false), size, after);
            var states = page.Items;
            context.Result(states.Select(s => new { s.InstanceId, s.Name, s.RuntimeStatus, s.CreatedAt, s.LastUpdatedAt, s.CustomStatus }), console =>
            {
                var table = new Table().AddColumns("instance", "name", "status", "created", "step");
                foreach (var s in states)
                    table.AddRow(Markup.Escape(s.InstanceId), s.Name, s.RuntimeStatus.ToString(), s.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
                        Markup.Escape(s.Step ?? ""));
                if (states.Count == 0)
                    console.WriteLine(after is null ? "no orchestration instances (`mlops pipeline run` starts one)" : "no more instances after that token (they were purged meanwhile)");
                else console.Write(table);
            });
            // The --json document is an array: the token goes to stderr only, so its shape is kept.
            CliPaging.SayNext(page.Next, states.Count);
            return ExitCodes.Done;
        });
        return command;
    }

    private static Command Terminate()
    {
        var id = new Argument<string>("ID") { Description = "A Pending, Running or Suspended instance." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the instance's history)." };
        var command = new Command("terminate", "Stop an instance (it ends Terminated at its next step).") { id, reason };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            FreeText.Check(context.Parse.GetValue(reason), "--reason", OrchestrationApi.MaxReasonLength);
            await using var services = BuildServices(context);
            var engine = services.GetRequiredService<EmbeddedOrchestrationEngine>();
            engine.RunStartedInstances = false;
            // As the API: a finished instance cannot be terminated (suspend / rewind say the same of wrong states).
            if (await engine.GetStateAsync(context.Parse.GetValue(id)!, cancellationToken).ConfigureAwait(false) is { IsFinished: true } done)
                throw new CliConflictException($"cannot terminate instance '{done.InstanceId}': it is {done.RuntimeStatus}; only a running, pending or suspended instance can be terminated.");
            try
            {
                await engine.TerminateAsync(context.Parse.GetValue(id)!, FreeText.OrNull(context.Parse.GetValue(reason)), cancellationToken).ConfigureAwait(false);
            }
            catch (KeyNotFoundException e)
            {
                throw new CliUsageException(e.Message);
            }
            context.Result(new { instanceId = context.Parse.GetValue(id), terminated = true }, c => c.WriteLine($"termination requested for {context.Parse.GetValue(id)}"));
            return ExitCodes.Done;
        });
        return command;
    }

    private static Command Purge()
    {
        var days = new Option<int>("--older-than-days") { Description = "Purge finished instances last updated this many days ago or earlier.", DefaultValueFactory = _ => 30 };
        var command = new Command("purge", "Delete the history of finished instances older than the retention (running ones are kept).") { days };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var n = context.Parse.GetValue(days);
            if (n is < 0 or > PurgeInput.MaxRetentionDays) throw new CliUsageException($"--older-than-days must be a whole number of days from 0 to {PurgeInput.MaxRetentionDays}, not {n}.");
            await using var services = BuildServices(context);
            var olderThan = DateTimeOffset.UtcNow.AddDays(-n);
            var client = services.GetRequiredService<IOrchestrationClient>();
            var (purged, artifacts) = await RunPurge.PurgeAsync(context.Store, client, olderThan, cancellationToken).ConfigureAwait(false);
            context.Result(new { olderThan, purged, artifactsPurged = artifacts.Versions, artifactBytesFreed = artifacts.Bytes }, c =>
                c.WriteLine($"purged {purged} instance(s) last updated before {olderThan:u}; artifacts of {artifacts.Versions} model version(s) purged, {artifacts.Bytes:N0} bytes freed"));
            return ExitCodes.Done;
        });
        return command;
    }
}
