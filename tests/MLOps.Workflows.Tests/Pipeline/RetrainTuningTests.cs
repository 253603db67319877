using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>The pipeline's tune step: one trial per grid point fanned out, each candidate trained with its best trial.</summary>
public sealed class RetrainTuningTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static async Task<RetrainSummary> RunAsync(PipelineHarness h, RetrainInput input)
    {
        var engine = h.NewEngine();
        var state = await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, input)).InstanceId, Timeout);
        Assert.True(state.RuntimeStatus == RuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.Failure}");
        return state.Output!.Value.Deserialize<RetrainSummary>(WorkflowJson.Options)!;
    }

    [Fact]
    public async Task Tune_TrainsEachCandidateWithItsBestTrial()
    {
        await using var h = new PipelineHarness();

        var summary = await RunAsync(h, PipelineHarness.Input() with { Tune = true });

        // EASE: λ {12, 16, 24} × dropout {0, 0.2}; SAR: similarity {1, 2}; iALS: regularization {20, 25, 30}; popularity: none.
        Assert.Equal(6 + 2 + 3, h.Tuner.Trials.Count);
        Assert.Equal(["popularity", "sar(similarity=2)", "ease(dropout=0,lambda=24)", "ials(regularization=20)"], summary.Candidates.Select(c => c.Key));
        Assert.Equal(["sar", "ease", "ials"], summary.Tuning.Select(t => t.Candidate));
        var ease = summary.Tuning.Single(t => t.Candidate == "ease");
        Assert.Equal(FakeTuner.Score("ease", new Dictionary<string, double> { ["lambda"] = 24, ["dropout"] = 0 }), ease.BestScore);
        Assert.Equal(FakeTuner.Score("ease", new Dictionary<string, double> { ["lambda"] = 16, ["dropout"] = 0 }), ease.DefaultScore);
        Assert.Equal(6, ease.Trials.Count);
        // iALS scores the same everywhere: the tie goes to the first grid point.
        Assert.Equal("ials(regularization=20)", summary.Tuning.Single(t => t.Candidate == "ials").Picked);
        Assert.Equal(["refresh-features", "tune", "train"], summary.StepSeconds.Keys.Take(3));
        Assert.Contains(summary.Summary, line => line.StartsWith("tuning ease: 6 trials (", StringComparison.Ordinal)
            && line.Contains("picked ease(dropout=0,lambda=24), validation ndcg@10 0.3000; 0.2200 at the defaults", StringComparison.Ordinal));
    }

    /// <summary>`models show` listed the tuned version's parameters with nothing saying which ones tuning chose, or on what.</summary>
    [Fact]
    public async Task Tune_TheRegisteredVersionSaysWhatWasSearched_AndTheValidationScore()
    {
        await using var h = new PipelineHarness();

        var summary = await RunAsync(h, new RetrainInput { Candidates = [new("ease", new() { ["max_items"] = 500 })] });

        var ease = Assert.Single(summary.Tuning);
        Assert.Equal(["dropout", "lambda"], ease.Searched!.Keys);
        Assert.Equal([12, 16, 24], ease.Searched["lambda"]);
        var version = Assert.Single(await h.Registry.Versions());
        Assert.Equal("tuned dropout {0, 0.2} × lambda {12, 16, 24} in 6 trials on each user's 10 latest training interactions: validation ndcg@10 0.3000",
            version.Tuning);
    }

    [Fact]
    public async Task Tune_LeavesFixedParametersAlone_AndAnExplicitSearchReplacesTheDefaultSpace()
    {
        await using var h = new PipelineHarness();
        var input = new RetrainInput
        {
            Candidates =
            [
                new("ease", new() { ["lambda"] = 500 }),
                new("sar", Search: new() { ["neighbours"] = [50, 100] }),
            ],
        };

        var summary = await RunAsync(h, input);

        var trials = h.Tuner.Trials.ToList();
        Assert.Equal(2 + 2, trials.Count);
        Assert.All(trials.Where(t => t.Kind == "ease"), t => Assert.Equal(500, t.Parameters["lambda"]));
        Assert.Equal([0, 0.2], trials.Where(t => t.Kind == "ease").Select(t => t.Parameters["dropout"]).Order());
        Assert.Equal([50, 100], trials.Where(t => t.Kind == "sar").Select(t => t.Parameters["neighbours"]).Order());
        Assert.All(trials.Where(t => t.Kind == "sar"), t => Assert.False(t.Parameters.ContainsKey("similarity")));
        Assert.Equal("ease(dropout=0,lambda=500)", summary.Candidates[0].Key);
    }

    [Fact]
    public async Task NoTune_RunsNoTrial()
    {
        await using var h = new PipelineHarness();

        var summary = await RunAsync(h, PipelineHarness.Input());

        Assert.Empty(h.Tuner.Trials);
        Assert.Empty(summary.Tuning);
        Assert.DoesNotContain("tune", summary.StepSeconds.Keys);
        Assert.Equal(["popularity", "sar", "ease", "ials"], summary.Candidates.Select(c => c.Key));
    }

    /// <summary>
    /// An instance recorded before the tune step existed (its input has no "tune") replays without it: running trials its
    /// history does not hold would fail it as non-deterministic, e.g. a pipeline waiting for approval across the upgrade.
    /// </summary>
    [Fact]
    public async Task AnInputRecordedBeforeTheTuneStep_RunsWithoutIt()
    {
        await using var h = new PipelineHarness();
        var engine = h.NewEngine();
        var recorded = JsonDocument.Parse("""{"model":"recommender","trigger":"manual","candidates":[{"kind":"ease"}],"approvalTimeoutHours":24}""").RootElement;

        var state = await engine.WaitForCompletionAsync((await engine.StartAsync(OrchestrationNames.RetrainPipeline, recorded)).InstanceId, Timeout);

        Assert.True(state.RuntimeStatus == RuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.Failure}");
        var summary = state.Output!.Value.Deserialize<RetrainSummary>(WorkflowJson.Options)!;
        Assert.Empty(h.Tuner.Trials);
        Assert.Empty(summary.Tuning);
        Assert.Equal("ease", Assert.Single(summary.Candidates).Key);
        // A start in code writes the setting out, so it tunes.
        Assert.Contains("\"tune\":true", JsonSerializer.Serialize(new RetrainInput(), WorkflowJson.Options), StringComparison.Ordinal);
    }

    private sealed class UnscoredTuner : ICandidateTuner
    {
        public Task<TrialOutcome> RunTrialAsync(TrialRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new TrialOutcome(request.Kind, request.Parameters, null, 0, "not scored: the carve holds no test interaction"));
    }

    [Fact]
    public async Task Tune_WhenNoTrialIsScored_KeepsTheCandidateAsGiven_SayingWhy()
    {
        await using var h = new PipelineHarness(services => services.AddSingleton<ICandidateTuner, UnscoredTuner>());

        var summary = await RunAsync(h, new RetrainInput { Candidates = [new("ease")] });

        Assert.Equal("ease", Assert.Single(summary.Candidates).Key);
        var tuning = Assert.Single(summary.Tuning);
        Assert.Null(tuning.BestScore);
        Assert.Contains("tuning ease: 6 trials, kept as given (not scored: the carve holds no test interaction)", summary.Summary);
    }

    /// <summary>A NaN score compares false with everything: scored first, it was never beaten and was picked.</summary>
    [Fact]
    public void Pick_NeverTakesANaNScore()
    {
        var candidate = new CandidateConfig("ease");
        TrialOutcome Trial(double lambda, double? score) => new("ease", new() { ["lambda"] = lambda }, score, 1);

        var (picked, tuning) = PipelineTuning.Pick(candidate, [Trial(12, double.NaN), Trial(16, 0.1), Trial(24, null)]);
        var (kept, none) = PipelineTuning.Pick(candidate, [Trial(12, double.NaN)]);

        Assert.Equal("ease(lambda=16)", picked.Key);
        Assert.Equal(0.1, tuning.BestScore);
        Assert.Equal("ease", kept.Key);
        Assert.Null(none.BestScore);
        Assert.Equal("tuning ease: 1 trial, kept as given (no trial was scored)", PipelineTuning.Describe(none));
    }

    [Theory]
    [InlineData("""{"kind":"ease","search":{"lambda":[-1]}}""", "candidates[0].search.lambda")]
    [InlineData("""{"kind":"ease","search":{"lamda":[10]}}""", "candidates[0].search.lamda")]
    [InlineData("""{"kind":"ease","search":{"lambda":[]}}""", "candidates[0].search.lambda")]
    [InlineData("""{"kind":"ease","parameters":{"lambda":10},"search":{"lambda":[10,20]}}""", "candidates[0].search.lambda")]
    [InlineData("""{"kind":"ease","search":{}}""", "candidates[0].search")]
    [InlineData("""{"kind":"ials","search":{"factors":[8,16,32,64,128],"regularization":[1,2,4,8,16,32,64],"alpha":[1,2]}}""", "candidates[0].search")]
    // The same value twice is the same training run twice.
    [InlineData("""{"kind":"ease","search":{"lambda":[100,100]}}""", "candidates[0].search.lambda")]
    // tune:false trained the candidate at its defaults and dropped the search without a word.
    [InlineData("""{"kind":"ease","search":{"lambda":[100,300]}}""", "candidates[0].search", false)]
    // A candidate listed twice was tuned and trained twice, and came out twice in the summary.
    [InlineData("""{"kind":"sar"},{"kind":"sar"}""", "candidates[1]")]
    [InlineData("""{"kind":"ease","parameters":{"lambda":10,"dropout":0}},{"kind":"ease","parameters":{"dropout":0,"lambda":10}}""", "candidates[1]")]
    [InlineData("""{"kind":"ease","search":{"lambda":[1,2]}},{"kind":"sar"},{"kind":"ease","search":{"lambda":[2,1]}}""", "candidates[2]")]
    public void Search_BadInput_NamesTheField(string candidates, string field, bool tune = true)
    {
        var input = JsonSerializer.Deserialize<RetrainInput>($$"""{"tune":{{(tune ? "true" : "false")}},"candidates":[{{candidates}}]}""", WorkflowJson.Options)!;

        var problem = input.Validate();

        Assert.NotNull(problem);
        Assert.Equal(field, problem.Field);
    }

    [Fact]
    public void Search_WithinLimits_IsAccepted()
    {
        var input = JsonSerializer.Deserialize<RetrainInput>("""{"tune":true,"candidates":[{"kind":"ease","search":{"lambda":[100,300,500]}}]}""", WorkflowJson.Options)!;

        Assert.Null(input.Validate());
        Assert.Equal(3, PipelineTuning.Plan(input.Candidates![0]).Count);
    }

    [Fact]
    public void SameKind_WithOtherParametersOrSearch_IsNotARepeat()
    {
        var input = JsonSerializer.Deserialize<RetrainInput>("""
            {"candidates":[{"kind":"ease"},{"kind":"ease","parameters":{"lambda":500}},{"kind":"ease","search":{"lambda":[100,300]}},{"kind":"ease","search":{"lambda":[100,500]}}]}
            """, WorkflowJson.Options)!;

        Assert.Null(input.Validate());
    }
}
