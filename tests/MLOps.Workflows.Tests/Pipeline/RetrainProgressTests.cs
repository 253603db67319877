using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Storage;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// The pipeline's status names each candidate as it finishes training and evaluation: at 2M events the train step ran
/// 100 s (and evaluation 48 s) with one unchanging status line, so `pipeline run --wait` looked hung.
/// </summary>
public sealed class RetrainProgressTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>Trains as <see cref="FakeTrainer"/> does, but holds iALS's training and evaluation until released.</summary>
    private sealed class GatedTrainer(IBlobStore store) : ICandidateTrainer
    {
        private readonly FakeTrainer _inner = new(store);
        public TaskCompletionSource TrainGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource EvaluateGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<TrainedCandidate> TrainAsync(FeatureSnapshotRef snapshot, CandidateConfig candidate, string stepKey, CancellationToken cancellationToken)
        {
            if (candidate.Kind == "ials") await TrainGate.Task.WaitAsync(cancellationToken);
            return await _inner.TrainAsync(snapshot, candidate, stepKey, cancellationToken);
        }

        public async Task<CandidateEvaluation> EvaluateAsync(FeatureSnapshotRef snapshot, TrainedCandidate candidate, ChampionRef? champion, string stepKey, CancellationToken cancellationToken)
        {
            if (candidate.Kind == "ials") await EvaluateGate.Task.WaitAsync(cancellationToken);
            return await _inner.EvaluateAsync(snapshot, candidate, champion, stepKey, cancellationToken);
        }
    }

    [Fact]
    public async Task TrainAndEvaluate_ReportEachFinishedCandidate_WhileTheOthersRun()
    {
        await using var h = new PipelineHarness(services => services.AddSingleton<ICandidateTrainer, GatedTrainer>());
        var trainer = (GatedTrainer)h.Services.GetRequiredService<ICandidateTrainer>();
        var engine = h.NewEngine();
        var id = (await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input())).InstanceId;

        var training = await StatusAsync(engine, id, s => s.Step == "train" && s.Detail.Contains("3 of 4 trained", StringComparison.Ordinal));
        Assert.StartsWith("training 4 candidates in parallel: 3 of 4 trained (", training.Detail, StringComparison.Ordinal);
        foreach (var key in new[] { "popularity 0.1 s", "sar 0.1 s", "ease 0.1 s" }) Assert.Contains(key, training.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("ials", training.Detail, StringComparison.Ordinal);

        trainer.TrainGate.SetResult();
        var evaluating = await StatusAsync(engine, id, s => s.Step == "evaluate" && s.Detail.Contains("3 of 4 evaluated", StringComparison.Ordinal));
        Assert.Contains("ease ndcg@10 0.4000", evaluating.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("ials", evaluating.Detail, StringComparison.Ordinal);

        trainer.EvaluateGate.SetResult();
        var done = await engine.WaitForCompletionAsync(id, Timeout);
        var summary = done.Output!.Value.Deserialize<RetrainSummary>(WorkflowJson.Options)!;
        Assert.Equal("promoted", summary.Decision.Outcome);
        Assert.Equal(4, summary.Candidates.Count);
        // Once refreshed, the running pipeline names its snapshot, which keeps that record from the purge (PipelineSnapshots).
        Assert.Equal(summary.Snapshot.SnapshotId, training.Snapshot);
        Assert.Equal(summary.Snapshot.SnapshotId, PipelineSnapshots.SnapshotOf(done));
    }

    /// <summary>Scores as <see cref="FakeTuner"/> does, but holds iALS's trials until released.</summary>
    private sealed class GatedTuner : ICandidateTuner
    {
        private readonly FakeTuner _inner = new();
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<TrialOutcome> RunTrialAsync(TrialRequest request, CancellationToken cancellationToken)
        {
            if (request.Kind == "ials") await Gate.Task.WaitAsync(cancellationToken);
            return await _inner.RunTrialAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task Tune_ReportsTrialsDonePerCandidate_SoTheSlowOneShows()
    {
        await using var h = new PipelineHarness(services => services.AddSingleton<ICandidateTuner, GatedTuner>());
        var tuner = (GatedTuner)h.Services.GetRequiredService<ICandidateTuner>();
        var engine = h.NewEngine();
        var id = (await engine.StartAsync(OrchestrationNames.RetrainPipeline, PipelineHarness.Input() with { Tune = true })).InstanceId;

        var tuning = await StatusAsync(engine, id, s => s.Step == "tune" && s.Detail.Contains("8 of 11 done", StringComparison.Ordinal));
        Assert.Equal("tuning 3 candidates: 11 trials on each user's 10 latest training interactions: 8 of 11 done (sar 2/2, ease 6/6, ials 0/3)", tuning.Detail);

        tuner.Gate.SetResult();
        Assert.Equal(RuntimeStatus.Completed, (await engine.WaitForCompletionAsync(id, Timeout)).RuntimeStatus);
    }

    private static async Task<PipelineStatus> StatusAsync(EmbeddedOrchestrationEngine engine, string id, Func<PipelineStatus, bool> until)
    {
        var timeout = Timeout;
        PipelineStatus? last = null;
        while (!timeout.IsCancellationRequested)
        {
            if ((await engine.GetStateAsync(id))?.CustomStatus is { ValueKind: JsonValueKind.Object } status
                && (last = status.Deserialize<PipelineStatus>(WorkflowJson.Options)) is { } current && until(current))
                return current;
            await Task.Delay(20);
        }
        throw new TimeoutException($"The status never matched; last: {last}");
    }
}
