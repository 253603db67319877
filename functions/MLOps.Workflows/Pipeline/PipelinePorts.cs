using MLOps.Drift.Alerts;

namespace MLOps.Workflows.Pipeline;

// The services the pipeline's activities call, each behind a small interface: the feature store, the recommender
// trainer/evaluator, the model registry and the drift engine. WorkflowServices wires the real ones; tests use fakes.
// Every call takes the step's idempotency key (instance@run-start:step, see RunStepKey): calling twice with the same key has one effect.

/// <summary>A feature snapshot the pipeline trains on.</summary>
public sealed record FeatureSnapshotRef(string SnapshotId, DateTimeOffset Cutoff, long Events, int Users, int Items, bool Reused, double Seconds);

public interface IFeatureRefresher
{
    /// <summary>Builds (or reuses, when no new events arrived) the snapshot of everything accepted so far.</summary>
    Task<FeatureSnapshotRef> RefreshAsync(string stepKey, CancellationToken cancellationToken);
}

/// <summary>
/// One candidate configuration: a model kind and its parameters (missing ones take the defaults). When the run tunes, the
/// parameters not given are searched over <see cref="Search"/>, or the kind's default space (TuningSpaces.Default).
/// </summary>
public sealed record CandidateConfig(string Kind, Dictionary<string, double>? Parameters = null, Dictionary<string, double[]>? Search = null)
{
    public string Key => Parameters is not { Count: > 0 } p ? Kind
        : $"{Kind}({string.Join(",", p.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => FormattableString.Invariant($"{x.Key}={x.Value}")))})";
}

/// <summary>One tuning trial: a candidate's kind with one grid point of parameters, scored on the validation carve.</summary>
public sealed record TrialRequest(FeatureSnapshotRef Snapshot, string Kind, Dictionary<string, double> Parameters, string StepKey);

/// <summary>A trial's validation score (null when the carve holds no user to score, with <see cref="Note"/> saying why).</summary>
public sealed record TrialOutcome(string Kind, Dictionary<string, double> Parameters, double? Score, double Seconds, string? Note = null);

public interface ICandidateTuner
{
    /// <summary>
    /// Trains the trial's configuration on the run's training data less each user's latest interactions, and scores it
    /// (nDCG@10) on those: a validation carve cut the way the run cuts its held-out window, which tuning never sees.
    /// </summary>
    Task<TrialOutcome> RunTrialAsync(TrialRequest request, CancellationToken cancellationToken);
}

public sealed record TrainedCandidate(string Key, string Kind, Dictionary<string, double> Parameters, string ArtifactPath, string SnapshotId, double Seconds)
{
    /// <summary>How the tune step chose the parameters (<see cref="PipelineTuning.RegistryNote"/>); null when it did not tune them. Registered in the version's notes.</summary>
    public string? Tuning { get; init; }
    /// <summary>The seed the model was trained with (registered with it); null in histories recorded before 2026-12-07.</summary>
    public int? Seed { get; init; }
}

/// <summary>challenger − champion of one metric over the same users, with its paired-bootstrap interval.</summary>
public sealed record MetricInterval(string Metric, double Difference, double Lower, double Upper, double Confidence);

public sealed record CandidateEvaluation
{
    public required string Key { get; init; }
    /// <summary>The held-out window every model of this run is scored on (the champion too).</summary>
    public required string Window { get; init; }
    public int Users { get; init; }
    public required Dictionary<string, double> Metrics { get; init; }
    /// <summary>What the candidate was compared with: "champion vN", or "popularity" when there is no champion yet.</summary>
    public string Baseline { get; init; } = "none";
    /// <summary>The champion version compared with (null: the popularity baseline or nothing).</summary>
    public int? BaselineVersion { get; init; }
    public Dictionary<string, double>? ChampionMetrics { get; init; }
    public List<MetricInterval> VersusChampion { get; init; } = [];
    public double Seconds { get; init; }
    /// <summary>Blob of what the candidate recommends on the evaluation users (served-score, genre and popularity reference); registered with the version.</summary>
    public string? PredictionReferencePath { get; init; }
}

public sealed record ChampionRef(int Version, string Kind, string? SnapshotId, string? ArtifactPath);

public interface ICandidateTrainer
{
    Task<TrainedCandidate> TrainAsync(FeatureSnapshotRef snapshot, CandidateConfig candidate, string stepKey, CancellationToken cancellationToken);

    /// <summary>Scores the candidate and the champion (when there is one) on the same held-out window, paired per user.</summary>
    Task<CandidateEvaluation> EvaluateAsync(FeatureSnapshotRef snapshot, TrainedCandidate candidate, ChampionRef? champion, string stepKey, CancellationToken cancellationToken);
}

/// <summary>What a registration records besides the candidate and its evaluation.</summary>
public sealed record RegistrationDetails
{
    /// <summary>The run waits for a person before promoting: the stored decision says "await-approval" whatever the policy says.</summary>
    public bool RequireApproval { get; init; }
    /// <summary>Every candidate of the run with its figures (the registered one included): the others are not registered.</summary>
    public List<CandidateResult>? RunCandidates { get; init; }
    /// <summary>Who registered it: "pipeline", or the CLI user for <c>mlops train</c>.</summary>
    public string CreatedBy { get; init; } = "pipeline";
}

/// <summary>What the promote step did: <see cref="Changed"/> when this step moved the alias; <see cref="Refused"/> says why it could not.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(PromotionOutcomeJson))]
public sealed record PromotionOutcome(bool Changed, string? Refused = null);

/// <summary>What the registry's gates say about the best candidate.</summary>
/// <param name="Gates">
/// One line per gate the policy checked ("guardrail coverage: 0.1536 vs champion 0.2663, rule >= 0.2397 …: pass"), so a
/// reviewer sees the guardrails before approving; null in histories recorded before it existed.
/// </param>
public sealed record PromotionVerdict(bool Promote, string Reason, bool RequiresApproval, IReadOnlyList<string>? Gates = null);

public interface IModelRegistryGateway
{
    Task<ChampionRef?> GetChampionAsync(string model, CancellationToken cancellationToken);

    Task<PromotionVerdict> DecideAsync(string model, CandidateEvaluation best, ChampionRef? champion, CancellationToken cancellationToken);

    /// <summary>
    /// Registers the candidate as a new version once per key, with its promotion decision stored beside it; a repeat
    /// returns the version made the first time.
    /// </summary>
    Task<int> RegisterAsync(string model, TrainedCandidate candidate, CandidateEvaluation evaluation, FeatureSnapshotRef snapshot, string stepKey,
        CancellationToken cancellationToken, RegistrationDetails? details = null);

    /// <summary>
    /// Records that a version whose gates passed was turned down by its reviewer (or not approved in time): its standing
    /// becomes refused with <paramref name="reason"/>. Idempotent: a repeat with the same reason records nothing more.
    /// </summary>
    Task<bool> RecordRejectionAsync(string model, int version, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Points the champion alias at <paramref name="version"/> (compare-and-swap) once per step key: a repeat of a step
    /// that already promoted reports its change and moves nothing, even if a person rolled it back since. A promotion the
    /// registry's gates refuse now (the champion moved while the run waited for approval) is an outcome, not an error.
    /// </summary>
    Task<PromotionOutcome> PromoteAsync(string model, int version, string reason, string? approvedBy, string stepKey, CancellationToken cancellationToken);
}

public sealed record DriftAlertRef(string Id, string Severity, string Feature, string Message)
{
    /// <summary>The alert's kind (null in histories recorded before it was carried).</summary>
    public string? Kind { get; init; }

    /// <summary>Critical, and of a kind retraining can answer: a stalled ingestion (freshness) pages but cannot be trained away.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool CallsForRetrain => string.Equals(Severity, "critical", StringComparison.OrdinalIgnoreCase) && Kind != AlertKind.Freshness;
}

public sealed record DriftSummary(bool HasReference, bool DatasetDrift, int DriftedFeatures, int Features, List<DriftAlertRef> Alerts)
{
    /// <summary>The drift engine's own verdict that the champion should be retrained (critical drift against a real reference).</summary>
    public bool RetrainRecommended { get; init; }
    public string? ReportId { get; init; }
    /// <summary>Why the window was not judged (e.g. it holds no events newer than the champion's training snapshot).</summary>
    public string? Note { get; init; }

    /// <summary>Critical drift against a real reference: the champion's training data. Without a champion, never.</summary>
    public bool Critical => HasReference && (RetrainRecommended || Alerts.Exists(a => a.CallsForRetrain));

    /// <summary>One line for a person: not judged and why, no reference, or how much drifted.</summary>
    public string Describe() => Note is { } note ? $"drift: {note}"
        : HasReference
            ? $"drift: {DriftedFeatures}/{Features} features drifted{(DatasetDrift ? " (dataset drift)" : "")}, {Alerts.Count} alert(s)"
            : "drift: no reference yet (no champion)";
}

public interface IDriftGateway
{
    /// <summary>Drift of the latest window against the champion's training snapshot; no champion, no reference, no alert.</summary>
    Task<DriftSummary> CheckAsync(string stepKey, CancellationToken cancellationToken);
}

public interface IPipelineNotifier
{
    Task NotifyAsync(string stepKey, string subject, string body, CancellationToken cancellationToken);
}
