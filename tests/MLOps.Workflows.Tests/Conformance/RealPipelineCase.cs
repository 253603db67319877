using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MLOps.Core.Data;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Conformance;

/// <summary>
/// The services of the real pipeline for one engine: the workflows' own wiring with no stand-in (the feature store,
/// the recommenders trainer, the registry with its CAS aliases, the drift checker), over a fresh folder store filled
/// with the same small seeded synthetic dataset (catalogue + events imported as <c>mlops demo</c> does).
/// </summary>
public static class RealPipelineServices
{
    /// <summary>
    /// Tiny on purpose (one retrain of the four default candidates is about a second of compute), with a flat catalogue
    /// (Zipf 0.2, default 1): under the trainer's leave-last-10-out window popularity beats every default candidate on
    /// the generator's default skew, even at demo size, so no first champion could pass the "beat popularity" gate.
    /// Here EASE beats it (ndcg@10 0.0865 vs 0.0679, 95% interval of the difference [+0.0021, +0.0346]; seeded).
    /// </summary>
    public static GeneratorOptions Data { get; } = new() { Users = 200, Items = 400, Events = 8_000, Days = 30, Seed = 11, ZipfExponent = 0.2 };

    public const string ServicesNote = "services";

    // Generated once per test process (deterministic from the seed); each engine imports it into its own store.
    private static readonly Lazy<Task<string>> Generated = new(() => Task.Run(() =>
    {
        var dir = TestEnvironment.NewTempFolder("conformance-generated");
        SyntheticGenerator.Generate(Data, dir);
        return dir;
    }));

    public static async Task<(WorkflowRegistry Registry, IServiceProvider Services)> CreateAsync(CaseProbe probe)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["MLOPS_STORE"] = TestEnvironment.NewTempFolder("conformance-real");
        builder.AddWorkflowDefinitions();
        builder.Services.AddSingleton(probe);
        var services = builder.Build().Services;

        var store = services.GetRequiredService<IBlobStore>();
        var dir = await Generated.Value;
        await new CatalogImporter(store).ImportAsync(CatalogImporter.FromFile(Path.Combine(dir, SyntheticGenerator.CatalogFileName)));
        await new EventIngestor(store).IngestAsync(
            EventSources.File(Path.Combine(dir, SyntheticGenerator.EventsFileName), "csv", ColumnMap.Default, RatingScale.Default));
        probe.Notes[ServicesNote] = services;
        return (WorkflowCatalog.Create(), services);
    }
}

/// <summary>The champion alias and its audit trail as the registry holds them after the case's runs.</summary>
public sealed record RegistryView(int Versions, AliasRecord? Champion, IReadOnlyList<AuditEntry> Audit, IReadOnlyList<string> DecisionOutcomes)
{
    public static async Task<RegistryView> ReadAsync(IServiceProvider services, string model, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<ModelRegistry>();
        var versions = await registry.ListVersionsAsync(model, cancellationToken);
        var alias = await registry.GetAliasAsync(model, ModelAliases.Champion, cancellationToken);
        var audit = await registry.GetHistoryAsync(model, ModelAliases.Champion, cancellationToken);
        var decisions = new List<string>();
        foreach (var v in versions)
            decisions.AddRange((await registry.GetDecisionsAsync(model, v.Version, cancellationToken)).Select(d => $"v{v.Version} {d.Outcome}"));
        return new RegistryView(versions.Count, alias?.Record, audit, decisions);
    }

    /// <summary>Everything but the audit times (wall clock of the promote call) and the runs' start times in their keys.</summary>
    public string Comparable() => string.Join('\n',
        new[] { $"versions {Versions}; champion v{Champion?.Version} seq {Champion?.Sequence} previous v{Champion?.PreviousVersion}" }
            .Concat(Audit.Select(a => $"audit {a.Sequence} {a.Action} {a.From}->{a.To} by {a.By} instance {a.Instance?.Split('@')[0]}@*: {a.Reason}"))
            .Concat(DecisionOutcomes));
}

/// <summary>
/// RetrainPipeline end to end with the real services on generated data, twice on the same store: the first run
/// promotes the first champion, the second retrains the same data and keeps it.
/// </summary>
public static partial class RealPipelineCase
{
    public const string Name = "RetrainPipeline_RealServices_GeneratedData_PromotesChampion";
    private const string Model = "recommender";
    // Fixed instance ids (each engine has its own store and history): the step keys, the registry's idempotency keys
    // and the promotion reason (which names the instance) are then the same on both engines and can be compared.
    private const string FirstId = "retrain-real-1";
    private const string SecondId = "retrain-real-2";
    private const string SecondRunNote = "second-run";
    private const string RegistryNote = "registry";

    public static ConformanceCase Case { get; } = new(Name, DriveAsync, Check)
    {
        Setup = RealPipelineServices.CreateAsync,
        StartsFirst = true,
        Comparable = r => string.Join("\n---\n", Scrub(r.Final), Scrub(SecondRun(r)), Registry(r).Comparable()),
    };

    private static async Task<OrchestrationState> DriveAsync(CaseRun run)
    {
        var services = (IServiceProvider)run.Probe.Notes[RealPipelineServices.ServicesNote];
        // Default candidates (popularity, sar, ease, ials), the registry's own approval policy (none by default).
        var first = await RunAsync(run, FirstId);
        run.Probe.Notes[SecondRunNote] = await RunAsync(run, SecondId);
        run.Probe.Notes[RegistryNote] = await RegistryView.ReadAsync(services, Model, run.CancellationToken);
        return first;
    }

    private static async Task<OrchestrationState> RunAsync(CaseRun run, string instanceId)
    {
        await run.Client.StartAsync(OrchestrationNames.RetrainPipeline, new RetrainInput { Model = Model }, instanceId, run.CancellationToken);
        return await run.Client.WaitForCompletionAsync(instanceId, run.CancellationToken);
    }

    private static OrchestrationState SecondRun(CaseResult r) => (OrchestrationState)r.Probe.Notes[SecondRunNote];
    private static RegistryView Registry(CaseResult r) => (RegistryView)r.Probe.Notes[RegistryNote];

    private static void Check(CaseResult r)
    {
        var services = (IServiceProvider)r.Probe.Notes[RealPipelineServices.ServicesNote];
        Assert.Empty(PipelineServices.StandIns(services));
        Assert.IsType<FeatureStoreRefresher>(services.GetRequiredService<IFeatureRefresher>());
        Assert.IsType<RecommenderTrainer>(services.GetRequiredService<ICandidateTrainer>());
        Assert.IsType<RegistryGateway>(services.GetRequiredService<IModelRegistryGateway>());
        Assert.IsType<DriftGateway>(services.GetRequiredService<IDriftGateway>());

        Assert.True(r.Final.RuntimeStatus == RuntimeStatus.Completed, $"first run {r.Final.RuntimeStatus}: {r.Final.Failure}");
        var first = r.Output<RetrainSummary>();
        Assert.Equal(RealPipelineServices.Data.Events, first.Snapshot.Events);
        Assert.Null(first.ChampionBefore);
        // Each default kind, tuned where it has a space (popularity has none): the key names the parameters picked.
        Assert.Equal(RetrainPipeline.DefaultCandidates.Select(c => c.Kind), first.Candidates.Select(c => c.Key.Split('(')[0]));
        Assert.Equal(["sar", "ease", "ials"], first.Tuning.Select(t => t.Candidate));
        Assert.All(first.Tuning, t => Assert.Contains(first.Candidates, c => c.Key == t.Picked));
        Assert.All(first.Tuning, t => Assert.True(t.BestScore >= t.DefaultScore, $"{t.Candidate}: picked {t.BestScore} below the defaults' {t.DefaultScore}"));
        Assert.Equal(new RetrainDecision("promoted", first.Decision.Reason, 1, first.Best, true), first.Decision);
        Assert.StartsWith("ease(", first.Best, StringComparison.Ordinal); // the first model had to beat the popularity baseline
        Assert.All(first.Candidates, c => Assert.InRange(c.Metrics[RecommenderTrainer.PrimaryMetric], 0.0, 1.0));

        var secondState = SecondRun(r);
        Assert.True(secondState.RuntimeStatus == RuntimeStatus.Completed, $"second run {secondState.RuntimeStatus}: {secondState.Failure}");
        var second = WorkflowJson.FromElement<RetrainSummary>(secondState.Output)!;
        Assert.Equal(1, second.ChampionBefore);
        Assert.Equal("kept", second.Decision.Outcome);
        Assert.Equal(2, second.Decision.Version); // registered, refused: the champion alias stays on v1
        Assert.False(second.Decision.AliasChanged);
        Assert.True(second.Drift.HasReference); // the champion's training snapshot is now the drift reference

        // The registry: both runs' best, the champion alias on the first, one audited promotion by the first run.
        var registry = Registry(r);
        Assert.Equal(2, registry.Versions);
        Assert.Equal(1, registry.Champion?.Version);
        var promotion = Assert.Single(registry.Audit);
        Assert.Equal(("promote", (int?)null, (int?)1, 1L), (promotion.Action, promotion.From, promotion.To, promotion.Sequence));
        Assert.StartsWith(FirstId + "@", promotion.Instance, StringComparison.Ordinal); // the run: instance id and start time
        Assert.Equal((promotion.Sequence, promotion.Action, promotion.To, promotion.At), (registry.Champion!.Change.Sequence, registry.Champion.Change.Action, registry.Champion.Change.To, registry.Champion.Change.At));
        Assert.Equal(promotion.Sequence, registry.Champion?.Sequence);
        Assert.Equal(["v1 promote", "v2 refuse"], registry.DecisionOutcomes);

        // Two runs: everything twice, four candidates each, a registration each and one promotion in all.
        var candidates = RetrainPipeline.DefaultCandidates.Count;
        Assert.Equal(new SortedDictionary<string, int>(StringComparer.Ordinal)
        {
            [PipelineActivities.RefreshFeatures] = 2, [PipelineActivities.GetChampion] = 2,
            [PipelineActivities.RunTuningTrial] = 2 * RetrainPipeline.DefaultCandidates.Sum(c => PipelineTuning.Plan(c).Count),
            [PipelineActivities.TrainCandidate] = 2 * candidates, [PipelineActivities.EvaluateCandidate] = 2 * candidates,
            [PipelineActivities.CheckDrift] = 2, [PipelineActivities.DecidePromotion] = 2,
            [PipelineActivities.RegisterModel] = 2, [PipelineActivities.PromoteModel] = 1, [PipelineActivities.Notify] = 2,
        }, r.Counts.Activities);
    }

    /// <summary>
    /// The summary both engines must agree on, to full precision: everything except what measures the wall clock.
    /// Left out: the snapshot's id and cutoff (the feature store cuts off at the time of the refresh and names the
    /// snapshot after that second and the batches' ETags, which are file times), its build seconds, the step and
    /// training and tuning seconds, the top-k latency guardrail, the drift report's and alerts' ids (time of the check), and the same values in the text lines.
    /// </summary>
    public static string Scrub(OrchestrationState state)
    {
        var summary = JsonNode.Parse(state.Output?.GetRawText() ?? "null")?.AsObject();
        if (summary is null) return $"{state.RuntimeStatus}: {state.Failure?.ErrorMessage}";
        var snapshot = summary["snapshot"]!.AsObject();
        foreach (var name in new[] { "snapshotId", "cutoff", "seconds" }) snapshot.Remove(name);
        summary.Remove("stepSeconds");
        foreach (var trial in summary["tuning"]!.AsArray().SelectMany(t => t!["trials"]!.AsArray())) trial!.AsObject().Remove("seconds");
        foreach (var candidate in summary["candidates"]!.AsArray())
        {
            candidate!.AsObject().Remove("trainSeconds");
            // The top-k latency guardrail is a timing too (GuardrailMetrics.LatencyP95).
            candidate["metrics"]?.AsObject().Remove(GuardrailMetrics.LatencyP95);
            candidate["championMetrics"]?.AsObject().Remove(GuardrailMetrics.LatencyP95);
        }
        var drift = summary["drift"]!.AsObject();
        drift.Remove("reportId");
        foreach (var alert in drift["alerts"]!.AsArray()) alert!.AsObject().Remove("id");
        var lines = summary["summary"]!.AsArray();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i]!.GetValue<string>();
            lines[i] = line.StartsWith("features: ", StringComparison.Ordinal)
                ? Cutoff().Replace(SnapshotId().Replace(line, "snapshot * ("), "cutoff *")
                : TuningSeconds().Replace(TrainedIn().Replace(line, "; trained in * s"), "trials (* s)");
        }
        // Snapshot ids also appear inside texts (the drift check's "not judged" note names the champion's snapshot).
        return SnapshotIdInText().Replace(summary.ToJsonString(), "fs-*");
    }

    [GeneratedRegex(@"fs-\d{8}T\d{6}Z-[0-9a-f]+")]
    private static partial Regex SnapshotIdInText();

    [GeneratedRegex(@"snapshot \S+ \(")]
    private static partial Regex SnapshotId();

    [GeneratedRegex(@"cutoff [0-9-]+ [0-9:]+Z")]
    private static partial Regex Cutoff();

    [GeneratedRegex(@"trials? \([0-9.]+ s of training\)")]
    private static partial Regex TuningSeconds();

    [GeneratedRegex(@"; trained in [0-9.]+ s")]
    private static partial Regex TrainedIn();
}
