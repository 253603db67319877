using MLOps.Drift.Prediction;
using MLOps.Registry;
using MLOps.Storage;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// The model registry behind the pipeline: the registry's promotion policy decides, a version is registered once per
/// step key (the registry's idempotency key), its decision is stored with it, and the champion alias moves by the
/// registry's compare-and-swap (audited) once per step key: a resumed promote step finds its own audit entry and moves nothing.
/// </summary>
public sealed class RegistryGateway(ModelRegistry registry, IBlobStore store, TimeProvider time) : IModelRegistryGateway
{
    public const string ArtifactFile = "model.mlrc";

    public async Task<ChampionRef?> GetChampionAsync(string model, CancellationToken cancellationToken)
    {
        var manifest = await registry.GetChampionAsync(model, cancellationToken).ConfigureAwait(false);
        if (manifest is null) return null;
        var file = manifest.Sizes.Keys.FirstOrDefault(k => k.EndsWith(".mlrc", StringComparison.Ordinal)) ?? ArtifactFile;
        return new ChampionRef(manifest.Version, manifest.Type, manifest.TrainingSnapshotId, ModelRegistry.ArtifactPath(model, manifest.Version, file));
    }

    public Task<PromotionVerdict> DecideAsync(string model, CandidateEvaluation best, ChampionRef? champion, CancellationToken cancellationToken)
    {
        var decision = PromotionPolicy.Evaluate(Comparison(best), registry.Options.Policy, time.GetUtcNow());
        return Task.FromResult(new PromotionVerdict(decision.Passed, string.Join("; ", decision.Reasons), decision.RequiresApproval,
            [.. decision.Evidence.Select(GateLine)]));
    }

    public async Task<int> RegisterAsync(string model, TrainedCandidate candidate, CandidateEvaluation evaluation, FeatureSnapshotRef snapshot, string stepKey,
        CancellationToken cancellationToken, RegistrationDetails? details = null)
    {
        details ??= new RegistrationDetails();
        var bytes = (await store.ReadAsync(candidate.ArtifactPath, cancellationToken).ConfigureAwait(false))?.Data
            ?? throw new InvalidDataException($"Candidate artifact '{candidate.ArtifactPath}' is missing.");
        var metrics = evaluation.Metrics.ToDictionary(m => m.Key, m =>
        {
            if (evaluation.VersusChampion.FirstOrDefault(v => v.Metric == m.Key) is not { } interval) return new MetricValue(m.Value, null, null);
            var champion = ChampionValue(m.Value, interval);
            // Sums of 6-decimal figures, rounded back to 6: stored as 0.1361, not 0.13610000000000003.
            return new MetricValue(m.Value, Math.Round(champion + interval.Lower, 6), Math.Round(champion + interval.Upper, 6));
        }, StringComparer.Ordinal);
        var manifest = await registry.RegisterAsync(model, new ModelVersionDraft
        {
            Type = candidate.Kind,
            Parameters = candidate.Parameters.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
            TrainingSnapshotId = snapshot.SnapshotId,
            DataCutoff = snapshot.Cutoff,
            Metrics = metrics,
            EvaluationWindow = evaluation.Window,
            Seed = candidate.Seed,
            SourceInstance = stepKey[..Math.Max(0, stepKey.LastIndexOf(':'))],
            IdempotencyKey = stepKey,
            CreatedBy = details.CreatedBy,
            Notes = $"candidate {candidate.Key}, baseline {evaluation.Baseline}{(candidate.Tuning is { } tuning ? $"; {tuning}" : "")}"
                + await SameArtifactNoteAsync(model, evaluation.BaselineVersion, bytes, cancellationToken).ConfigureAwait(false),
            RunCandidates = details.RunCandidates?.Select(c => new RunCandidate(c.Key, c.TrainSeconds, c.Metrics)).ToList(),
        }, await FilesAsync(bytes, evaluation, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        // The decision is stored as the run will act on it: a run that waits for a person stores "await-approval".
        var policy = details.RequireApproval ? registry.Options.Policy with { RequireApproval = true } : null;
        if ((await registry.GetDecisionsAsync(model, manifest.Version, cancellationToken).ConfigureAwait(false)).Count == 0)
            await registry.EvaluateAsync(model, manifest.Version, Comparison(evaluation), policy, cancellationToken).ConfigureAwait(false);
        return manifest.Version;
    }

    /// <summary>
    /// "; model.mlrc identical to champion vN's (SHA-256 …)" when the run trained the champion's artifact byte for byte (a
    /// run on unchanged data does): said, not deduplicated, so every run's record stays; retention deletes the copy's files.
    /// </summary>
    private async Task<string> SameArtifactNoteAsync(string model, int? championVersion, BinaryData artifact, CancellationToken cancellationToken)
    {
        if (championVersion is not { } v || await registry.GetVersionAsync(model, v, cancellationToken).ConfigureAwait(false) is not { } champion) return "";
        var sha = ModelRegistry.Sha256Of(artifact);
        return champion.Sha256.GetValueOrDefault(ArtifactFile) == sha ? $"; {ArtifactFile} identical to champion v{v}'s (SHA-256 {sha[..12]}…)" : "";
    }

    public async Task<bool> RecordRejectionAsync(string model, int version, string reason, CancellationToken cancellationToken)
    {
        await registry.RecordRejectionAsync(model, version, reason, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The artifact, and beside it the evaluation's prediction reference when the trainer wrote one (drift reads it from there).</summary>
    private async Task<Dictionary<string, BinaryData>> FilesAsync(BinaryData artifact, CandidateEvaluation evaluation, CancellationToken cancellationToken)
    {
        var files = new Dictionary<string, BinaryData>(StringComparer.Ordinal) { [ArtifactFile] = artifact };
        if (evaluation.PredictionReferencePath is { } path)
            files[PredictionReference.FileName] = (await store.ReadAsync(path, cancellationToken).ConfigureAwait(false))?.Data
                ?? throw new InvalidDataException($"The candidate's prediction reference '{path}' is missing.");
        return files;
    }

    public async Task<PromotionOutcome> PromoteAsync(string model, int version, string reason, string? approvedBy, string stepKey, CancellationToken cancellationToken)
    {
        // The step's own audit entry, not the alias's current value, says whether this step already ran: after an on-call
        // rollback the champion is no longer this version, and a resumed step must not undo the person's decision. The
        // step's marker names the one entry its change would be (read instead of the whole, ever-growing log): the sequence
        // after the champion as read, held by IfMatch so the change cannot land at another sequence.
        var instance = stepKey[..Math.Max(0, stepKey.LastIndexOf(':'))];
        var markerPath = PromotionMarkerPath(stepKey);
        bool Mine(AuditEntry? e) => e is { Action: "promote" } && e.To == version && e.Instance == instance;
        if (await store.ReadJsonAsync<PromotionMarker>(markerPath, cancellationToken: cancellationToken).ConfigureAwait(false) is { Value: var marker })
        {
            if (Mine(await registry.GetAuditEntryAsync(model, ModelAliases.Champion, marker.Sequence, cancellationToken).ConfigureAwait(false)))
                return new PromotionOutcome(true);
        }
        // No marker: a first run, or a step that ran under a build without markers and resumes across the upgrade. Its
        // change, if it made one, is among the champion's latest entries (an on-call rollback since would be one more).
        else if ((await registry.GetLatestAuditEntriesAsync(model, ModelAliases.Champion, LegacyLookBack, cancellationToken).ConfigureAwait(false)).Any(Mine))
            return new PromotionOutcome(true);
        var current = await registry.GetAliasAsync(model, ModelAliases.Champion, cancellationToken).ConfigureAwait(false);
        // Another execution of this step (delivered twice) changed the champion since the marker was read: the marker must
        // name that change, not the sequence after it, which a later change (an on-call rollback) would take.
        if (current is { Record: var record } && Mine(record.Change))
        {
            await store.WriteJsonAsync(markerPath, new PromotionMarker(record.Sequence), cancellationToken: cancellationToken).ConfigureAwait(false);
            return new PromotionOutcome(true);
        }
        await store.WriteJsonAsync(markerPath, new PromotionMarker((current?.Record.Sequence ?? 0) + 1), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await registry.PromoteAsync(model, version, new MLOps.Registry.PromoteRequest
            {
                By = "pipeline", Reason = reason, Instance = instance, UseStoredDecision = true, ApprovedBy = approvedBy, IfMatch = current?.ETag,
            }, cancellationToken).ConfigureAwait(false);
            return new PromotionOutcome(result.Changed);
        }
        catch (PromotionRefusedException refused)
        {
            // Retrying cannot change the evidence: the run ends "kept" with the registry's reason and still notifies.
            return new PromotionOutcome(false, refused.Message);
        }
    }

    /// <summary>Where a promote step notes the champion sequence its change takes (one blob per step key).</summary>
    internal static string PromotionMarkerPath(string stepKey) => PipelineScratch.PathOf(PipelineScratch.Promotions, stepKey, ".json");

    private sealed record PromotionMarker(long Sequence);

    /// <summary>How many of the champion's latest entries a step without a marker searches for its own promotion.</summary>
    private const int LegacyLookBack = 3;

    /// <summary>
    /// The guardrails compared: against a champion all of them; against the popularity baseline (first model) only the
    /// catalogue ones — the first model must beat popularity on the primary metric (docs/registry.md), and popularity's
    /// constant top-k is trivially fast and hard to beat for users with little history, so latency and cold-start quality would
    /// refuse every first model for being a personalized one.
    /// </summary>
    private static string[] Guardrails(bool againstChampion) => againstChampion
        ? ["coverage", "novelty", "diversity", GuardrailMetrics.ColdStartNdcg, GuardrailMetrics.LatencyP95]
        : ["coverage", "novelty", "diversity"];

    /// <summary>"guardrail coverage: 0.1536 vs champion 0.2663 (>= 0.2397 (at most 10 % lower)): FAIL", one gate's evidence row.</summary>
    internal static string GateLine(EvidenceRow row)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var figures = row.Champion is { } champion && row.Challenger is { } challenger
            ? string.Create(c, $"{challenger:0.####} vs {champion:0.####}")
            : row.Lower is { } lower && row.Upper is { } upper ? string.Create(c, $"difference {row.Difference:+0.####;-0.####} [{lower:+0.####;-0.####}, {upper:+0.####;-0.####}]") : "";
        return $"gate {row.Check} {row.Metric}: {figures} ({row.Rule}): {(row.Passed ? "pass" : "FAIL")}";
    }

    /// <summary>The champion's value of a metric: the candidate's less their paired difference (candidate − champion).</summary>
    private static double ChampionValue(double candidate, MetricInterval versus) => candidate - versus.Difference;

    private static ModelComparison Comparison(CandidateEvaluation e)
    {
        var primary = e.VersusChampion.FirstOrDefault(v => v.Metric == RecommenderTrainer.PrimaryMetric);
        var value = e.Metrics.GetValueOrDefault(RecommenderTrainer.PrimaryMetric);
        var guardrails = new Dictionary<string, GuardrailValues>(StringComparer.Ordinal);
        if (e.ChampionMetrics is { } baseline)
            foreach (var name in Guardrails(e.BaselineVersion is not null))
                if (baseline.TryGetValue(name, out var b) && e.Metrics.TryGetValue(name, out var c)) guardrails[name] = new GuardrailValues(b, c);
        return new ModelComparison
        {
            ChampionVersion = e.BaselineVersion,
            Baseline = e.BaselineVersion is null ? "popularity" : "champion",
            EvaluationWindow = e.Window,
            PrimaryMetric = RecommenderTrainer.PrimaryMetric,
            Challenger = value,
            Champion = primary is null ? 0 : Math.Round(ChampionValue(value, primary), 6),
            DifferenceLower = primary?.Lower ?? 0,
            DifferenceUpper = primary?.Upper ?? 0,
            Users = e.Users,
            BootstrapSamples = primary is null ? 0 : 1000,
            Guardrails = guardrails,
        };
    }
}
