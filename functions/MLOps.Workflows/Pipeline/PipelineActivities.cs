using Microsoft.Extensions.DependencyInjection;
using MLOps.Workflows.Orchestration;

namespace MLOps.Workflows.Pipeline;

/// <summary>The pipeline's activities: each a few lines over one port, idempotent by the step key it is given.</summary>
public static class PipelineActivities
{
    public const string RefreshFeatures = nameof(RefreshFeatures);
    public const string GetChampion = nameof(GetChampion);
    public const string RunTuningTrial = nameof(RunTuningTrial);
    public const string TrainCandidate = nameof(TrainCandidate);
    public const string EvaluateCandidate = nameof(EvaluateCandidate);
    public const string CheckDrift = nameof(CheckDrift);
    public const string DecidePromotion = nameof(DecidePromotion);
    public const string RegisterModel = nameof(RegisterModel);
    public const string PromoteModel = nameof(PromoteModel);
    public const string RecordRejection = nameof(RecordRejection);
    public const string Notify = nameof(Notify);
    public const string StartRetrain = nameof(StartRetrain);
    public const string PurgeHistory = nameof(PurgeHistory);
    public const string PurgeArtifacts = nameof(PurgeArtifacts);

    public static void Register(WorkflowRegistry registry)
    {
        registry
            .AddActivity<IFeatureRefresher, string, FeatureSnapshotRef>(RefreshFeatures, (features, key, _, ct) => features.RefreshAsync(key, ct))
            .AddActivity<IModelRegistryGateway, string, ChampionLookup>(GetChampion, async (models, model, _, ct) =>
                new ChampionLookup(await models.GetChampionAsync(model, ct).ConfigureAwait(false)))
            .AddActivity<ICandidateTuner, TrialRequest, TrialOutcome>(RunTuningTrial, (tuner, r, _, ct) => tuner.RunTrialAsync(r, ct))
            .AddActivity<ICandidateTrainer, TrainRequest, TrainedCandidate>(TrainCandidate, (trainer, r, _, ct) =>
                trainer.TrainAsync(r.Snapshot, r.Candidate, r.StepKey, ct))
            .AddActivity<ICandidateTrainer, EvaluateRequest, CandidateEvaluation>(EvaluateCandidate, (trainer, r, _, ct) =>
                trainer.EvaluateAsync(r.Snapshot, r.Candidate, r.Champion, r.StepKey, ct))
            .AddActivity<IDriftGateway, string, DriftSummary>(CheckDrift, (drift, key, _, ct) => drift.CheckAsync(key, ct))
            .AddActivity<IModelRegistryGateway, DecideRequest, PromotionVerdict>(DecidePromotion, (models, r, _, ct) =>
                models.DecideAsync(r.Model, r.Best, r.Champion, ct))
            .AddActivity<IModelRegistryGateway, RegisterRequest, int>(RegisterModel, (models, r, _, ct) =>
                models.RegisterAsync(r.Model, r.Candidate, r.Evaluation, r.Snapshot, r.StepKey, ct, r.Details))
            .AddActivity<IModelRegistryGateway, RejectionRequest, bool>(RecordRejection, (models, r, _, ct) =>
                models.RecordRejectionAsync(r.Model, r.Version, r.Reason, ct))
            .AddActivity<IModelRegistryGateway, PromoteModelRequest, PromotionOutcome>(PromoteModel, (models, r, _, ct) =>
                models.PromoteAsync(r.Model, r.Version, r.Reason, r.ApprovedBy, r.StepKey, ct))
            .AddActivity<IPipelineNotifier, NotifyRequest, bool>(Notify, async (notifier, r, _, ct) =>
            {
                await notifier.NotifyAsync(r.StepKey, r.Subject, r.Body, ct).ConfigureAwait(false);
                return true;
            })
            .AddActivity<RetrainInput, RetrainStart>(StartRetrain, (services, _, input, ct) =>
                RetrainStarter.StartAsync(services.GetRequiredService<IOrchestrationClient>(), services.GetRequiredService<MLOps.Storage.IBlobStore>(), input, ct))
            .AddActivity<DateTime, int>(PurgeHistory, async (services, _, olderThan, ct) =>
            {
                var cutoff = new DateTimeOffset(DateTime.SpecifyKind(olderThan, DateTimeKind.Utc));
                return await RunPurge.PurgeHistoryAsync(services.GetRequiredService<MLOps.Storage.IBlobStore>(), services.GetRequiredService<IOrchestrationClient>(), cutoff, ct).ConfigureAwait(false);
            })
            .AddActivity<DateTime, ArtifactRetentionResult>(PurgeArtifacts, (services, _, olderThan, ct) =>
                ModelArtifactRetention.PurgeAsync(services.GetRequiredService<MLOps.Storage.IBlobStore>(), services.GetRequiredService<IOrchestrationClient>(),
                    new DateTimeOffset(DateTime.SpecifyKind(olderThan, DateTimeKind.Utc)), ct));
    }
}
