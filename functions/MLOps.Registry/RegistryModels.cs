using System.Text.Json.Serialization;

namespace MLOps.Registry;

/// <summary>A metric with its confidence interval (bounds null when not computed).</summary>
public sealed record MetricValue(double Value, double? Lower = null, double? Upper = null);

/// <summary>What the trainer knows about a new version; the registry adds number, sizes and time.</summary>
public sealed record ModelVersionDraft
{
    /// <summary>Model kind, e.g. "ease", "ials", "popularity".</summary>
    public required string Type { get; init; }
    public Dictionary<string, object?> Parameters { get; init; } = [];
    /// <summary>The feature snapshot the model was trained on, and its point-in-time cutoff.</summary>
    public string? TrainingSnapshotId { get; init; }
    public DateTimeOffset? DataCutoff { get; init; }
    /// <summary>Offline metrics, e.g. "ndcg@10" with its bootstrap interval.</summary>
    public Dictionary<string, MetricValue> Metrics { get; init; } = [];
    public string? EvaluationWindow { get; init; }
    /// <summary>The random seed training used, so the version can be trained again to the same artifact; null when not recorded.</summary>
    public int? Seed { get; init; }
    /// <summary>Default: env MLOPS_CODE_VERSION, else the registry assembly's informational version.</summary>
    public string? CodeVersion { get; init; }
    /// <summary>The orchestration instance that produced it.</summary>
    public string? SourceInstance { get; init; }
    /// <summary>Registering twice with the same key returns the first version (idempotent activities).</summary>
    public string? IdempotencyKey { get; init; }
    public string? CreatedBy { get; init; }
    public string? Notes { get; init; }
    /// <summary>Every candidate of the run that produced the version, this one included, with its figures on the same window.</summary>
    public IReadOnlyList<RunCandidate>? RunCandidates { get; init; }
}

/// <summary>
/// One candidate of the pipeline run that registered a version: its key (kind and parameters), training seconds and
/// figures on the run's held-out window. Only the run's best is registered; the others are findable here.
/// </summary>
public sealed record RunCandidate(string Key, double TrainSeconds, Dictionary<string, double> Metrics);

/// <summary><c>models/&lt;name&gt;/versions/&lt;n&gt;/manifest.json</c>, written once after the artifact files.</summary>
public sealed record ModelVersionManifest
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Type { get; init; }
    public Dictionary<string, object?> Parameters { get; init; } = [];
    public string? TrainingSnapshotId { get; init; }
    public DateTimeOffset? DataCutoff { get; init; }
    public Dictionary<string, MetricValue> Metrics { get; init; } = [];
    public string? EvaluationWindow { get; init; }
    /// <summary>The random seed training used; null when the trainer did not record one (versions registered before 2026-12-07).</summary>
    public int? Seed { get; init; }
    public required string CodeVersion { get; init; }
    /// <summary>Artifact file name → bytes.</summary>
    public Dictionary<string, long> Sizes { get; init; } = [];
    /// <summary>Artifact file name → SHA-256 of its bytes (lowercase hex): a model trained again compares by digest. Empty before 2026-12-07.</summary>
    public Dictionary<string, string> Sha256 { get; init; } = [];
    public long TotalBytes { get; init; }
    public string? SourceInstance { get; init; }
    public string? IdempotencyKey { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? CreatedBy { get; init; }
    public string? Notes { get; init; }
    /// <summary>The run's candidates with their figures (<see cref="RunCandidate"/>); absent for versions registered outside a pipeline run or before 2026-12-08.</summary>
    public IReadOnlyList<RunCandidate>? RunCandidates { get; init; }
}

/// <summary>The alias names the registry knows.</summary>
public static class ModelAliases
{
    public const string Champion = "champion";
    public const string Challenger = "challenger";
    public const string Previous = "previous";
    public static readonly string[] All = [Champion, Challenger, Previous];

    public static string Normalize(string alias)
    {
        var a = alias.Trim().ToLowerInvariant();
        return All.Contains(a) ? a : throw new ArgumentException($"alias must be champion, challenger or previous, not '{alias}'.", nameof(alias));
    }
}

/// <summary>
/// <c>models/&lt;name&gt;/aliases/&lt;alias&gt;</c>: where an alias points, changed only by compare-and-swap on the blob ETag.
/// <see cref="Change"/> repeats the audit entry of the change that wrote it, so a crash between the swap and the
/// audit append is repaired by the next reader.
/// </summary>
public sealed record AliasRecord
{
    public required string Model { get; init; }
    public required string Alias { get; init; }
    public int? Version { get; init; }
    /// <summary>Champion only: the champion before this one (what rollback restores).</summary>
    public int? PreviousVersion { get; init; }
    public required long Sequence { get; init; }
    public required AuditEntry Change { get; init; }
}

/// <summary>An alias as read: the record and the ETag to pass back for a compare-and-swap.</summary>
public sealed record AliasState(AliasRecord Record, string ETag);

/// <summary>One line of the append-only audit log <c>models/&lt;name&gt;/audit/&lt;alias&gt;/&lt;sequence&gt;.json</c>.</summary>
public sealed record AuditEntry
{
    public required string Model { get; init; }
    public required string Alias { get; init; }
    /// <summary>1, 2, 3… per alias; entry n's <see cref="From"/> is entry n−1's <see cref="To"/>.</summary>
    public required long Sequence { get; init; }
    /// <summary>promote | rollback | set | clear.</summary>
    public required string Action { get; init; }
    public int? From { get; init; }
    public int? To { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>Who: a user, "key:&lt;id&gt;" for an API key, or "instance:&lt;id&gt;" for an orchestration.</summary>
    public required string By { get; init; }
    public string? Instance { get; init; }
    public string? Reason { get; init; }
    public string? ApprovedBy { get; init; }
    public bool Forced { get; init; }
    /// <summary>The promotion decision (evidence table) the change relied on, when there was one.</summary>
    public PromotionDecision? Evidence { get; init; }
}

/// <summary>The outcome of a successful alias change.</summary>
public sealed record AliasChangeResult(AuditEntry Entry, string ETag, bool Changed);

/// <summary>What a promotion call carries besides the version.</summary>
public sealed record PromoteRequest
{
    public required string By { get; init; }
    public string? Reason { get; init; }
    public string? Instance { get; init; }
    /// <summary>Compare-and-swap against this champion ETag (else against the ETag read at the start of the call).</summary>
    public string? IfMatch { get; init; }
    /// <summary>Evidence; when given and not passed the promotion is refused unless <see cref="Force"/>.</summary>
    public PromotionDecision? Decision { get; init; }
    /// <summary>Use the latest decision stored with the version (what the CLI and API do).</summary>
    public bool UseStoredDecision { get; init; }
    public string? ApprovedBy { get; init; }
    /// <summary>Promote even without (passing) evidence; recorded in the audit.</summary>
    public bool Force { get; init; }
}

public sealed record RollbackRequest
{
    public required string By { get; init; }
    public string? Reason { get; init; }
    public string? Instance { get; init; }
    public string? IfMatch { get; init; }
    /// <summary>
    /// Roll back only while this version is the champion (CLI <c>--if-champion</c>, HTTP <c>ifChampion</c>): a rollback
    /// swaps champion and previous, so a second engineer rolling back the same bad version would undo the first one's.
    /// </summary>
    public int? ExpectedChampion { get; init; }
}

/// <summary>A model and where its aliases point.</summary>
public sealed record ModelSummary
{
    public required string Model { get; init; }
    public Dictionary<string, AliasView> Aliases { get; init; } = [];
    public IReadOnlyList<ModelVersionManifest> Versions { get; init; } = [];
    /// <summary>Each version's standing (<see cref="VersionStandings"/>), oldest first; null unless asked for (it reads every version's decisions).</summary>
    public IReadOnlyList<VersionStanding>? Standings { get; init; }
}

/// <summary>Where an alias points and the change that put it there: since when, who, what, why and who approved it.</summary>
public sealed record AliasView(int? Version, string ETag, DateTimeOffset ChangedAt, string By, long Sequence,
    string? Action = null, string? Reason = null, string? ApprovedBy = null, bool Forced = false);

public class RegistryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The model or version does not exist (HTTP 404, CLI exit 2).</summary>
public sealed class RegistryNotFoundException(string message) : RegistryException(message);

/// <summary>
/// Someone else changed the alias first (compare-and-swap lost), or a precondition the caller gave no longer holds:
/// HTTP 409 whose <c>field</c> is <see cref="Field"/> (<c>ifChampion</c>, else <c>If-Match</c>), CLI exit 1.
/// </summary>
public sealed class RegistryConflictException(string message, Exception? inner = null, string? field = null) : RegistryException(message, inner)
{
    /// <summary>The request field whose precondition failed; null: the alias's ETag (<c>If-Match</c>).</summary>
    public string? Field { get; } = field;
}

/// <summary>
/// The version's artifact files were purged (<see cref="ArtifactPurge"/>): no alias may name it, forced or not.
/// HTTP 409 naming <c>version</c>, CLI exit 2; the message names <c>mlops models reproduce</c>.
/// </summary>
public sealed class ArtifactPurgedException(string message) : RegistryException(message);

/// <summary>The promotion policy refused (or evidence is missing/stale): HTTP 422, CLI exit 1; carries the evidence.</summary>
public sealed class PromotionRefusedException(string message, PromotionDecision? decision) : RegistryException(message)
{
    [JsonIgnore] public PromotionDecision? Decision { get; } = decision;
}
