using System.Globalization;
using MLOps.Core;
using Microsoft.Extensions.Logging;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

public sealed record RetrainInput : IValidatableInput
{
    public string Model { get; init; } = "recommender";
    /// <summary>manual | schedule | drift (who started it, for the summary and the audit trail).</summary>
    public string Trigger { get; init; } = "manual";
    /// <summary>Why it was started: one printable line of at most <see cref="MaxReasonLength"/> characters.</summary>
    public string? Reason { get; init; }
    public const int MaxReasonLength = 2000;
    /// <summary>Candidate configurations trained in parallel; null: <see cref="RetrainPipeline.DefaultCandidates"/>.</summary>
    public List<CandidateConfig>? Candidates { get; init; }
    /// <summary>Wait for an "approval" event before publishing; null: what the registry's promotion policy says.</summary>
    public bool? RequireApproval { get; init; }
    public double ApprovalTimeoutHours { get; init; } = 24;
    private readonly bool _tune = true;

    /// <summary>Tune each candidate's parameters on a validation carve before training it (one trial per grid point, in parallel).</summary>
    public bool Tune
    {
        get => _tune;
        init
        {
            _tune = value;
            TuneRecorded = true;
        }
    }

    /// <summary>
    /// Whether the input as recorded says whether to tune (every start since the tune step writes it). An instance recorded
    /// before the step existed does not, and replays without it: its history holds no trials, and running them now would
    /// fail the replay as non-deterministic (a pipeline waiting for approval across the upgrade).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool TuneRecorded { get; private init; }

    private readonly bool _registerEveryRun = true;

    /// <summary>
    /// Register the best candidate in every run that reaches a decision, promoted or refused, its decision stored with it
    /// (before any approval wait); false: only a promoted one, after the approval. An input recorded before 2026-12-08 has
    /// no "registerEveryRun" and reads false: its history registers after the approval, and registering before it would
    /// fail the replay as non-deterministic (a pipeline waiting for approval across the upgrade).
    /// </summary>
    public bool RegisterEveryRun
    {
        get => _registerEveryRun;
        init
        {
            _registerEveryRun = value;
            RegisterEveryRunRecorded = true;
        }
    }

    /// <summary>Whether the input as recorded says <see cref="RegisterEveryRun"/> (every start since 2026-12-08 writes it out).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool RegisterEveryRunRecorded { get; private init; }

    public InputProblem? Validate()
    {
        if (ModelNames.Problem(Model) is { } model) return new("model", model);
        if (Trigger is not ("manual" or "schedule" or "drift")) return new("trigger", $"trigger must be manual, schedule or drift, not '{Trigger}'.");
        if (InputProblem.OfFreeText(Reason, "reason", MaxReasonLength) is { } reason) return reason;
        if (!double.IsFinite(ApprovalTimeoutHours) || ApprovalTimeoutHours is <= 0 or > 24 * 30)
            return new("approvalTimeoutHours", $"approvalTimeoutHours must be more than 0 and at most 720 (30 days), not {ApprovalTimeoutHours}.");
        if (Candidates is { Count: 0 }) return new("candidates", "candidates must name at least one model kind (or be left out for the defaults).");
        for (var i = 0; i < (Candidates?.Count ?? 0); i++)
        {
            var c = Candidates![i];
            if (!MLOps.Recommenders.ModelTrainer.Kinds.Contains(c.Kind))
                return new($"candidates[{i}].kind", $"unknown model kind '{c.Kind}' (known: {string.Join(", ", MLOps.Recommenders.ModelTrainer.Kinds)}).");
            if (c.Parameters?.FirstOrDefault(p => !double.IsFinite(p.Value)) is { Key: { } bad })
                return new($"candidates[{i}].parameters.{bad}", $"parameter '{bad}' must be a finite number.");
            // Names and ranges as training checks them: a typo failed three training attempts, then the pipeline.
            try
            {
                MLOps.Recommenders.ModelTrainer.CheckParameters(c.Kind, c.Parameters);
            }
            catch (ArgumentException e)
            {
                return new($"candidates[{i}].parameters", MLOps.Core.ArgumentText.Of(e));
            }
            // Without the tune step a search would be dropped without a word and the candidate trained at its defaults.
            if (c.Search is not null && !Tune)
                return new($"candidates[{i}].search", "search is given but tune is false (--no-tune): drop the search, or let the run tune.");
            if (SearchProblem(c) is { } search) return new($"candidates[{i}].search{search.Field}", search.Message);
            // A repeat is tuned and trained again for the same model, and shows twice in the summary.
            for (var j = 0; j < i; j++)
                if (SameCandidate(Candidates[j], c))
                    return new($"candidates[{i}]", $"candidates[{i}] repeats candidates[{j}] ({c.Key}): it would be tuned and trained twice for the same model.");
        }
        return null;
    }

    // Same kind, parameters and searched values (in any order): the same trials and the same trained model.
    private static bool SameCandidate(CandidateConfig a, CandidateConfig b)
    {
        static bool SameParameters(Dictionary<string, double>? x, Dictionary<string, double>? y) =>
            (x?.Count ?? 0) == (y?.Count ?? 0) && (x ?? []).All(p => y!.TryGetValue(p.Key, out var v) && v == p.Value);
        static bool SameSearch(Dictionary<string, double[]>? x, Dictionary<string, double[]>? y) =>
            (x is null) == (y is null) && (x is null || (x.Count == y!.Count && x.All(p => y.TryGetValue(p.Key, out var v) && v.ToHashSet().SetEquals(p.Value))));
        return a.Kind == b.Kind && SameParameters(a.Parameters, b.Parameters) && SameSearch(a.Search, b.Search);
    }

    // A search names parameters the kind knows, with values it accepts, none of them also fixed, and a grid worth training.
    private static (string Field, string Message)? SearchProblem(CandidateConfig c)
    {
        if (c.Search is null) return null;
        if (c.Search.Count == 0) return ("", "search must name at least one parameter (or be left out for the kind's default space).");
        var points = 1L;
        foreach (var (name, values) in c.Search)
        {
            if (values is not { Length: > 0 }) return ($".{name}", $"search '{name}' must list at least one value.");
            if (c.Parameters?.ContainsKey(name) == true) return ($".{name}", $"'{name}' is both fixed in parameters and searched: keep one.");
            foreach (var value in values)
            {
                if (!double.IsFinite(value)) return ($".{name}", $"search '{name}' values must be finite numbers.");
                if (values.Count(v => v == value) > 1)
                    return ($".{name}", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"search '{name}' lists {value} twice: each value is a training run."));
                try
                {
                    var trial = new Dictionary<string, double>(c.Parameters ?? [], StringComparer.Ordinal) { [name] = value };
                    MLOps.Recommenders.ModelTrainer.CheckParameters(c.Kind, trial);
                }
                catch (ArgumentException e)
                {
                    return ($".{name}", MLOps.Core.ArgumentText.Of(e));
                }
            }
            points *= values.Length;
        }
        return points > PipelineTuning.MaxTrialsPerCandidate
            ? ("", $"search spans {points} grid points; at most {PipelineTuning.MaxTrialsPerCandidate} per candidate (each is a training run).")
            : null;
    }
}

/// <summary>The payload of the "approval" event (`mlops pipeline approve|reject ID`).</summary>
public sealed record ApprovalDecision(bool Approved, string? By = null, string? Comment = null) : IValidatableInput
{
    /// <summary>Who decided and why go into the summary, the notification (logged by the host) and the registry's audit: one printable line each.</summary>
    public InputProblem? Validate() =>
        InputProblem.OfFreeText(By, "by", 200) ?? InputProblem.OfFreeText(Comment, "comment", 2000);

    /// <summary>A blank name or comment (a script's unset variable) is absent: "approved by a reviewer", never "by  :  ".</summary>
    public ApprovalDecision WithoutBlanks() => this with { By = FreeText.OrNull(By), Comment = FreeText.OrNull(Comment) };
}

/// <summary>
/// The custom status: the step, progress, while a person must decide the evidence to decide on, and once the features are
/// refreshed the snapshot the run trains on (what keeps its record from the purge, <see cref="PipelineSnapshots"/>).
/// </summary>
public sealed record PipelineStatus(string Step, int Done, int Total, string Detail, List<string>? Evidence = null, string? Snapshot = null);

public sealed record CandidateResult(string Key, double TrainSeconds, Dictionary<string, double> Metrics, List<MetricInterval> VersusChampion);

public sealed record RetrainDecision(string Outcome, string Reason, int? Version, string? Candidate, bool AliasChanged);

/// <summary>What a person reads when the pipeline ends: what was trained, scores with intervals, the decision and why.</summary>
public sealed record RetrainSummary
{
    public required string InstanceId { get; init; }
    public required string Model { get; init; }
    public required string Trigger { get; init; }
    public required FeatureSnapshotRef Snapshot { get; init; }
    public int? ChampionBefore { get; init; }
    public string? EvaluationWindow { get; init; }
    /// <summary>Each tuned candidate's trials and pick (empty when the run did not tune).</summary>
    public List<CandidateTuning> Tuning { get; init; } = [];
    public required List<CandidateResult> Candidates { get; init; }
    public string? Best { get; init; }
    public required DriftSummary Drift { get; init; }
    public required RetrainDecision Decision { get; init; }
    public ApprovalDecision? Approval { get; init; }
    /// <summary>Seconds per step, from the orchestration's own (replay-safe) clock.</summary>
    public required Dictionary<string, double> StepSeconds { get; init; }
    public required List<string> Summary { get; init; }
}

/// <summary>
/// refresh features → train candidates (fan-out) → evaluate each against the champion on the same held-out window
/// (fan-out) → drift check → promotion decision (registry gates) and registration of the best candidate with it, promoted
/// or not → optional approval event that times out to "rejected" (recorded on the version) → publish (champion alias swap,
/// only when the gates and the approval pass) → notify.
/// </summary>
public static class RetrainPipeline
{
    public const string ApprovalEvent = "approval";
    /// <summary>The custom status step while the pipeline waits for <see cref="ApprovalEvent"/> (the only step that reads it).</summary>
    public const string AwaitingApprovalStep = "awaiting-approval";
    public static readonly RetryPolicy Retry = new(3, TimeSpan.FromSeconds(2));
    private const int Steps = 8;

    public static IReadOnlyList<CandidateConfig> DefaultCandidates { get; } =
        [new("popularity"), new("sar"), new("ease"), new("ials")];

    public static async Task<RetrainSummary> RunAsync(IOrchestrationContext context, RetrainInput? input)
    {
        input ??= new RetrainInput();
        var log = context.CreateReplaySafeLogger("MLOps.Workflows.RetrainPipeline");
        var steps = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = context.CurrentUtcDateTime;
        void Lap(string step)
        {
            steps[step] = Math.Round((context.CurrentUtcDateTime - clock).TotalSeconds, 3);
            clock = context.CurrentUtcDateTime;
        }
        string? snapshotId = null;
        void Status(string step, int done, string detail, List<string>? evidence = null) => context.SetCustomStatus(new PipelineStatus(step, done, Steps, detail, evidence, snapshotId));

        Status("refresh-features", 0, "refreshing the feature store from new events");
        var snapshot = await context.CallActivityAsync<FeatureSnapshotRef>(PipelineActivities.RefreshFeatures, context.RunStepKey("refresh"), Retry);
        snapshotId = snapshot.SnapshotId;
        var champion = (await context.CallActivityAsync<ChampionLookup>(PipelineActivities.GetChampion, input.Model, Retry)).Champion;
        Lap("refresh-features");
        log.LogInformation("snapshot {Snapshot}: {Events} events; champion {Champion}", snapshot.SnapshotId, snapshot.Events, champion?.Version);

        List<CandidateConfig> candidates = input.Candidates is { Count: > 0 } c ? [.. c] : [.. DefaultCandidates];
        var tuning = new List<CandidateTuning>();
        var tuningOf = new Dictionary<int, CandidateTuning>();
        if (input.Tune && input.TuneRecorded && await TuneAsync(context, snapshot, candidates, Status) is { } tuned)
        {
            foreach (var (i, candidate, result) in tuned)
            {
                candidates[i] = candidate;
                tuning.Add(result);
                tuningOf[i] = result;
            }
            Lap("tune");
        }

        var training = $"training {candidates.Count} candidates in parallel";
        Status("train", 2, training);
        // Each finished candidate is reported as it lands: at 2M events the step ran 100 s with one status line.
        var trainedSoFar = new List<string>();
        var trained = await Task.WhenAll(candidates.Select(async (candidate, i) =>
        {
            var result = await context.CallActivityAsync<TrainedCandidate>(
                PipelineActivities.TrainCandidate, new TrainRequest(snapshot, candidate, context.RunStepKey($"train-{i}")), Retry);
            trainedSoFar.Add(string.Create(CultureInfo.InvariantCulture, $"{result.Key} {result.Seconds:0.0} s"));
            Status("train", 2, $"{training}: {trainedSoFar.Count} of {candidates.Count} trained ({string.Join(", ", trainedSoFar)})");
            return result;
        }));
        Lap("train");

        var evaluating = $"evaluating {trained.Length} candidates against {(champion is null ? "no champion" : $"champion v{champion.Version}")}";
        Status("evaluate", 3, evaluating);
        var evaluatedSoFar = new List<string>();
        var evaluations = await Task.WhenAll(trained.Select(async (candidate, i) =>
        {
            var result = await context.CallActivityAsync<CandidateEvaluation>(
                PipelineActivities.EvaluateCandidate, new EvaluateRequest(snapshot, candidate, champion, context.RunStepKey($"evaluate-{i}")), Retry);
            evaluatedSoFar.Add(result.Metrics.FirstOrDefault() is { Key: { } metric } primary
                ? string.Create(CultureInfo.InvariantCulture, $"{result.Key} {metric} {primary.Value:0.0000}") : result.Key);
            Status("evaluate", 3, $"{evaluating}: {evaluatedSoFar.Count} of {trained.Length} evaluated ({string.Join(", ", evaluatedSoFar)})");
            return result;
        }));
        Lap("evaluate");

        Status("drift-check", 4, "checking drift against the champion's training data");
        var drift = await context.CallActivityAsync<DriftSummary>(PipelineActivities.CheckDrift, context.RunStepKey("drift"), Retry);
        Lap("drift-check");

        // The best candidate: highest primary metric on the held-out window (the gates then judge it against the champion).
        var best = Enumerable.Range(0, evaluations.Length)
            .OrderByDescending(i => evaluations[i].Metrics.Values.FirstOrDefault())
            .ThenBy(i => evaluations[i].Key, StringComparer.Ordinal)
            .First();
        Status("decide", 5, $"applying the promotion gates to {evaluations[best].Key}");
        var verdict = await context.CallActivityAsync<PromotionVerdict>(PipelineActivities.DecidePromotion,
            new DecideRequest(input.Model, evaluations[best], champion), Retry);
        ApprovalDecision? approval = null;
        var outcome = verdict.Promote ? "promoted" : "kept";
        var reason = verdict.Reason;
        var awaitsApproval = verdict.Promote && (input.RequireApproval ?? verdict.RequiresApproval);
        var results = trained.Select((t, i) => new CandidateResult(t.Key, t.Seconds, evaluations[i].Metrics, evaluations[i].VersusChampion)).ToList();
        // The version's notes say which parameters tuning chose: the registry otherwise lists them all alike.
        var registered = tuningOf.TryGetValue(best, out var tunedBest) ? trained[best] with { Tuning = PipelineTuning.RegistryNote(tunedBest) } : trained[best];
        Task<int> RegisterAsync() => context.CallActivityAsync<int>(PipelineActivities.RegisterModel,
            new RegisterRequest(input.Model, registered, evaluations[best], snapshot, context.RunStepKey("register"))
            {
                Details = new RegistrationDetails { RequireApproval = awaitsApproval, RunCandidates = results },
            }, Retry);
        int? version = null;
        if (input.RegisterEveryRun && input.RegisterEveryRunRecorded)
        {
            // Registered whatever the gates say, its decision stored with it: `models list` then answers what a run that kept
            // the champion trained and why it was refused. Only the champion alias waits for the gates (and the approval).
            Status("decide", 5, $"registering {evaluations[best].Key} with its decision ({(verdict.Promote ? "gates pass" : "refused")})");
            version = await RegisterAsync();
        }
        Lap("decide");
        if (awaitsApproval)
        {
            // The reviewer decides on this: the custom status carries the evidence (and the version, once registered).
            var evidence = Describe(snapshot, champion, tuning, trained, evaluations, drift,
                new RetrainDecision("awaiting approval", verdict.Reason, version, evaluations[best].Key, false));
            // The runbook has the reviewer check the guardrails before approving, so they are here with the rest.
            evidence.InsertRange(evidence.Count - 1, verdict.Gates ?? []);
            Status(AwaitingApprovalStep, 5, $"waiting up to {input.ApprovalTimeoutHours} h for '{ApprovalEvent}' on {context.InstanceId}", evidence);
            try
            {
                approval = (await context.WaitForExternalEvent<ApprovalDecision>(ApprovalEvent, TimeSpan.FromHours(input.ApprovalTimeoutHours))).WithoutBlanks();
                var comment = approval.Comment is { } text ? $": {text}" : "";
                if (approval.Approved) reason = $"{verdict.Reason}; approved by {approval.By ?? "a reviewer"}{comment}";
                else
                {
                    outcome = "rejected";
                    reason = $"rejected by {approval.By ?? "a reviewer"}{comment}";
                }
            }
            catch (TaskCanceledException)
            {
                outcome = "rejected";
                reason = $"no approval within {input.ApprovalTimeoutHours} h";
            }
            Lap("approval");
            // The version stood awaiting approval: it now stands refused, with the reviewer's reason (or the timeout).
            if (outcome == "rejected" && version is { } rejected)
                await context.CallActivityAsync<bool>(PipelineActivities.RecordRejection, new RejectionRequest(input.Model, rejected, reason), Retry);
        }

        var changed = false;
        var swapRefused = false;
        if (outcome == "promoted")
        {
            Status("publish", 6, $"{(version is null ? "registering " + evaluations[best].Key + " and swapping" : "swapping")} the champion alias");
            version ??= await RegisterAsync();
            var promotion = await context.CallActivityAsync<PromotionOutcome>(PipelineActivities.PromoteModel,
                new PromoteModelRequest(input.Model, version.Value, $"{reason} (pipeline {context.InstanceId})", approval?.Approved == true ? approval.By ?? "approver" : null, context.RunStepKey("promote")), Retry);
            changed = promotion.Changed;
            if (promotion.Refused is { } refused)
            {
                outcome = "kept";
                swapRefused = true;
                reason = $"not promoted: {refused}";
            }
        }
        Lap("publish");

        var decision = new RetrainDecision(outcome, reason, version, evaluations[best].Key, changed);
        // One line per run with the decision: a promotion the registry refused, or a rejection, is a Warning an alert can
        // catch (traces | where severityLevel >= 2 and customDimensions.Outcome != ""), with the instance and version.
        log.Log(outcome == "rejected" || swapRefused ? LogLevel.Warning : LogLevel.Information,
            "RetrainPipeline {InstanceId} decided {Outcome} for {Model}: best {Candidate}, version {Version}: {Reason}",
            context.InstanceId, outcome, input.Model, evaluations[best].Key, version, reason);
        var summary = new RetrainSummary
        {
            InstanceId = context.InstanceId, Model = input.Model, Trigger = input.Trigger, Snapshot = snapshot, ChampionBefore = champion?.Version,
            EvaluationWindow = evaluations[best].Window,
            Candidates = results,
            Best = evaluations[best].Key, Drift = drift, Decision = decision, Approval = approval, StepSeconds = steps,
            Tuning = tuning,
            Summary = Describe(snapshot, champion, tuning, trained, evaluations, drift, decision),
        };
        Status("notify", 7, "notifying");
        await context.CallActivityAsync<bool>(PipelineActivities.Notify,
            new NotifyRequest(context.RunStepKey("notify"), $"{input.Model}: {outcome} ({evaluations[best].Key})", string.Join('\n', summary.Summary)), Retry);
        Lap("notify");
        Status("done", Steps, $"{outcome}: {reason}");
        return summary with { StepSeconds = steps };
    }

    /// <summary>
    /// Fans one trial out per grid point of every candidate that has something to tune, then picks each candidate's best;
    /// null when no candidate has (popularity and content only, or every searched parameter fixed).
    /// </summary>
    private static async Task<List<(int Index, CandidateConfig Candidate, CandidateTuning Tuning)>?> TuneAsync(IOrchestrationContext context,
        FeatureSnapshotRef snapshot, List<CandidateConfig> candidates, Action<string, int, string, List<string>?> status)
    {
        var plans = candidates.Select(PipelineTuning.Plan).ToList();
        var total = plans.Sum(p => p.Count);
        if (total == 0) return null;
        var tuned = plans.Count(p => p.Count > 0);
        var tuning = $"tuning {tuned} candidate{(tuned == 1 ? "" : "s")}: {total} trials on each user's {RecommenderTrainer.HoldOut} latest training interactions";
        status("tune", 1, tuning, null);
        var done = 0;
        // Per candidate too, so the slow one shows ("ease 6/6, ials 1/3"): an iALS trial at 2M events takes ~10 s, an EASE one ~2 s.
        var doneOf = new int[candidates.Count];
        string PerCandidate() => string.Join(", ", Enumerable.Range(0, candidates.Count).Where(i => plans[i].Count > 0)
            .Select(i => $"{candidates[i].Kind} {doneOf[i]}/{plans[i].Count}"));
        var results = await Task.WhenAll(plans.SelectMany((plan, i) => plan.Select((parameters, j) => (i, j, parameters))).Select(async t =>
        {
            var result = await context.CallActivityAsync<TrialOutcome>(PipelineActivities.RunTuningTrial,
                new TrialRequest(snapshot, candidates[t.i].Kind, t.parameters, context.RunStepKey($"tune-{t.i}-{t.j}")), Retry);
            doneOf[t.i]++;
            status("tune", 1, $"{tuning}: {++done} of {total} done ({PerCandidate()})", null);
            return (t.i, result);
        }));
        return [.. Enumerable.Range(0, candidates.Count).Where(i => plans[i].Count > 0).Select(i =>
        {
            var (candidate, result) = PipelineTuning.Pick(candidates[i], [.. results.Where(r => r.i == i).Select(r => r.result)]);
            return (i, candidate, result);
        })];
    }

    private static List<string> Describe(FeatureSnapshotRef snapshot, ChampionRef? champion, List<CandidateTuning> tuning, TrainedCandidate[] trained,
        CandidateEvaluation[] evaluations, DriftSummary drift, RetrainDecision decision)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(c, $"features: snapshot {snapshot.SnapshotId} ({snapshot.Events} events, {snapshot.Users} users, {snapshot.Items} items, cutoff {snapshot.Cutoff:u}{(snapshot.Reused ? ", reused: no new events" : "")})"),
            champion is null ? "champion: none yet" : $"champion: v{champion.Version} ({champion.Kind})",
            $"held-out window: {evaluations.FirstOrDefault()?.Window}",
        };
        lines.AddRange(tuning.Select(PipelineTuning.Describe));
        for (var i = 0; i < trained.Length; i++)
        {
            var e = evaluations[i];
            var primary = e.Metrics.FirstOrDefault();
            var versus = e.VersusChampion.FirstOrDefault() is { } v
                ? string.Create(c, $"; vs {e.Baseline} {v.Difference:+0.0000;-0.0000} [{v.Lower:+0.0000;-0.0000}, {v.Upper:+0.0000;-0.0000}] ({v.Confidence:P0} paired bootstrap)")
                : "";
            lines.Add(string.Create(c, $"candidate {e.Key}: {primary.Key} {primary.Value:0.0000}{versus}; trained in {trained[i].Seconds:0.0} s"));
        }
        lines.Add(drift.Describe());
        // A promoted version is named with the outcome; any other the run registered is named after the reason.
        lines.Add(decision.Version is not { } version ? $"decision: {decision.Outcome} — {decision.Reason}"
            : decision.Outcome == "promoted" ? $"decision: promoted v{version} — {decision.Reason}"
            : $"decision: {decision.Outcome} — {decision.Reason} (registered as v{version}{(decision.Outcome == "awaiting approval" ? "" : ", not promoted")})");
        return lines;
    }
}

public sealed record ChampionLookup(ChampionRef? Champion);
public sealed record TrainRequest(FeatureSnapshotRef Snapshot, CandidateConfig Candidate, string StepKey);
public sealed record EvaluateRequest(FeatureSnapshotRef Snapshot, TrainedCandidate Candidate, ChampionRef? Champion, string StepKey);
public sealed record DecideRequest(string Model, CandidateEvaluation Best, ChampionRef? Champion);
public sealed record RegisterRequest(string Model, TrainedCandidate Candidate, CandidateEvaluation Evaluation, FeatureSnapshotRef Snapshot, string StepKey)
{
    /// <summary>Null in histories recorded before 2026-12-08.</summary>
    public RegistrationDetails? Details { get; init; }
}
public sealed record RejectionRequest(string Model, int Version, string Reason);
public sealed record PromoteModelRequest(string Model, int Version, string Reason, string? ApprovedBy, string StepKey);
public sealed record NotifyRequest(string StepKey, string Subject, string Body);
