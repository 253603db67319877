using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using MLOps.Workflows.Pipeline;

namespace MLOps.Workflows.Tests.Pipeline;

// Store-backed fakes of the pipeline's ports: their effects live in the blob store, as the real services' do, so a
// "crash" of the engine loses nothing that was written and the tests can count effects afterwards.

public sealed class FakeFeatures(IBlobStore store) : IFeatureRefresher
{
    public async Task<FeatureSnapshotRef> RefreshAsync(string stepKey, CancellationToken cancellationToken)
    {
        var data = (await store.ReadAsync("fake/data-version", cancellationToken))?.Data.ToString() ?? "1";
        return new FeatureSnapshotRef($"s{data}", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), 1000, 10, 20, false, 0);
    }
}

public sealed class FakeTrainer(IBlobStore store) : ICandidateTrainer
{
    /// <summary>Score of a model kind trained on a snapshot; new data ("s2") makes ials better.</summary>
    public static double Score(string kind, string snapshot) => kind switch
    {
        "ease" => 0.40,
        "ials" => snapshot == "s1" ? 0.30 : 0.50,
        "sar" => 0.35,
        _ => 0.20,
    };

    public async Task<TrainedCandidate> TrainAsync(FeatureSnapshotRef snapshot, CandidateConfig candidate, string stepKey, CancellationToken cancellationToken)
    {
        var path = $"fake/candidates/{stepKey.Replace(':', '_')}";
        await store.WriteTextAsync(path, $"{candidate.Kind}@{snapshot.SnapshotId}", cancellationToken: cancellationToken);
        return new TrainedCandidate(candidate.Key, candidate.Kind, [], path, snapshot.SnapshotId, 0.1);
    }

    public async Task<CandidateEvaluation> EvaluateAsync(FeatureSnapshotRef snapshot, TrainedCandidate candidate, ChampionRef? champion, string stepKey, CancellationToken cancellationToken)
    {
        var score = Score(candidate.Kind, snapshot.SnapshotId);
        var versus = new List<MetricInterval>();
        if (champion is not null)
        {
            var trainedOn = (await store.ReadAsync(champion.ArtifactPath!, cancellationToken))!.Data.ToString().Split('@');
            var diff = Math.Round(score - Score(trainedOn[0], trainedOn[1]), 6);
            versus.Add(new MetricInterval("ndcg@10", diff, diff == 0 ? 0 : diff - 0.01, diff == 0 ? 0 : diff + 0.01, 0.95));
        }
        return new CandidateEvaluation { Key = candidate.Key, Window = "last 20 %", Users = 10, Metrics = new() { ["ndcg@10"] = score }, VersusChampion = versus };
    }
}

/// <summary>Validation scores planted per grid point: EASE is best at λ 24 without dropout, SAR with lift; every trial is recorded.</summary>
public sealed class FakeTuner : ICandidateTuner
{
    public System.Collections.Concurrent.ConcurrentBag<TrialRequest> Trials { get; } = [];

    public static double Score(string kind, IReadOnlyDictionary<string, double> p) => kind switch
    {
        "ease" => 0.30 - Math.Abs(p.GetValueOrDefault("lambda", 16) - 24) / 100 - p.GetValueOrDefault("dropout"),
        "sar" => 0.20 + p.GetValueOrDefault("similarity", 1) / 100,
        _ => 0.10,
    };

    public Task<TrialOutcome> RunTrialAsync(TrialRequest request, CancellationToken cancellationToken)
    {
        Trials.Add(request);
        return Task.FromResult(new TrialOutcome(request.Kind, request.Parameters, Score(request.Kind, request.Parameters), 0.01));
    }
}

public sealed record FakeVersion(int Version, string Kind, string ArtifactPath, string Key, string? Tuning = null)
{
    /// <summary>The stored decisions, oldest first: "promote", "await-approval" or "refuse: reason".</summary>
    public List<string> Decisions { get; init; } = [];
    public List<string>? RunCandidates { get; init; }
}
public sealed record FakeAudit(long Sequence, int? From, int To, string Reason);

public sealed class FakeRegistry(IBlobStore store) : IModelRegistryGateway
{
    public async Task<ChampionRef?> GetChampionAsync(string model, CancellationToken cancellationToken)
    {
        if (await store.ReadJsonAsync<FakeVersion>("fake/models/champion", cancellationToken: cancellationToken) is not { } c) return null;
        return new ChampionRef(c.Value.Version, c.Value.Kind, null, c.Value.ArtifactPath);
    }

    public async Task<PromotionVerdict> DecideAsync(string model, CandidateEvaluation best, ChampionRef? champion, CancellationToken cancellationToken)
    {
        var approval = await store.ExistsAsync("fake/require-approval", cancellationToken);
        return champion is null ? new PromotionVerdict(true, "no champion yet", approval, ["gate better ndcg@10: 0.2 vs 0 (challenger > popularity): pass"])
            : best.VersusChampion[0].Lower > 0 ? new PromotionVerdict(true, "better with confidence", approval)
            : new PromotionVerdict(false, "not better than the champion with confidence", approval);
    }

    public async Task<int> RegisterAsync(string model, TrainedCandidate candidate, CandidateEvaluation evaluation, FeatureSnapshotRef snapshot, string stepKey,
        CancellationToken cancellationToken, RegistrationDetails? details = null)
    {
        foreach (var existing in await Versions())
            if (existing.Key == stepKey) return existing.Version;
        var verdict = await DecideAsync(model, evaluation, await GetChampionAsync(model, cancellationToken), cancellationToken);
        // The decision as the real gateway stores it with the version: refused, awaiting approval, or passed.
        var decision = !verdict.Promote ? $"refuse: {verdict.Reason}" : details?.RequireApproval == true ? "await-approval" : "promote";
        for (var n = 1; ; n++)
        {
            var version = new FakeVersion(n, candidate.Kind, candidate.ArtifactPath, stepKey, candidate.Tuning)
            {
                Decisions = [decision], RunCandidates = details?.RunCandidates?.Select(c => c.Key).ToList(),
            };
            if (await store.TryCreateAsync($"fake/models/versions/{n:D4}", BinaryData.FromObjectAsJson(version, StoreJson.Options), cancellationToken))
                return n;
        }
    }

    public async Task<bool> RecordRejectionAsync(string model, int version, string reason, CancellationToken cancellationToken)
    {
        var path = $"fake/models/versions/{version:D4}";
        var current = (await store.ReadJsonAsync<FakeVersion>(path, cancellationToken: cancellationToken))!.Value;
        if (current.Value.Decisions[^1] == $"refuse: {reason}") return true;
        await store.WriteJsonAsync(path, current.Value with { Decisions = [.. current.Value.Decisions, $"refuse: {reason}"] }, WriteCondition.Match(current.ETag), cancellationToken: cancellationToken);
        return true;
    }

    public async Task<List<FakeVersion>> Versions() =>
        [.. (await Task.WhenAll((await store.ListAllAsync("fake/models/versions/")).Select(b => store.ReadJsonAsync<FakeVersion>(b.Path)))).Select(r => r!.Value.Value)];

    public async Task<List<FakeAudit>> Audit() =>
        [.. (await Task.WhenAll((await store.ListAllAsync("fake/models/audit/")).Select(b => store.ReadJsonAsync<FakeAudit>(b.Path)))).Select(r => r!.Value.Value)];

    public async Task<PromotionOutcome> PromoteAsync(string model, int version, string reason, string? approvedBy, string stepKey, CancellationToken cancellationToken)
    {
        // As the real registry refuses when the champion moved while the run waited (its evidence is against another champion).
        if (await store.ReadAsync("fake/refuse-promotion", cancellationToken) is { } refusal) return new PromotionOutcome(false, refusal.Data.ToString());
        var target = (await Versions()).Single(v => v.Version == version);
        var current = await store.ReadJsonAsync<FakeVersion>("fake/models/champion", cancellationToken: cancellationToken);
        if (current?.Value.Version == version) return new PromotionOutcome(false);
        await store.WriteJsonAsync("fake/models/champion", target, current is { } c ? WriteCondition.Match(c.ETag) : WriteCondition.CreateOnly, cancellationToken: cancellationToken);
        var sequence = (await store.ListAllAsync("fake/models/audit/", cancellationToken)).Count + 1;
        await store.WriteJsonAsync($"fake/models/audit/{sequence:D4}", new FakeAudit(sequence, current?.Value.Version, version, reason), WriteCondition.CreateOnly, cancellationToken: cancellationToken);
        return new PromotionOutcome(true);
    }
}

public sealed class FakeDrift(IBlobStore store) : IDriftGateway
{
    public async Task<DriftSummary> CheckAsync(string stepKey, CancellationToken cancellationToken)
    {
        var hasChampion = await store.ExistsAsync("fake/models/champion", cancellationToken);
        var critical = await store.ExistsAsync("fake/drift-critical", cancellationToken);
        return new DriftSummary(hasChampion, critical, critical ? 3 : 0, 8,
            critical ? [new DriftAlertRef("alert-1", "critical", "genre", "genre mix drifted (PSI 0.4)")] : []);
    }
}

public sealed class PipelineHarness : IAsyncDisposable
{
    private readonly List<EmbeddedOrchestrationEngine> _engines = [];
    private EmbeddedOrchestrationEngine? _current;

    /// <param name="configure">Replaces fakes after the defaults are registered (the last registration wins).</param>
    public PipelineHarness(Action<IServiceCollection>? configure = null)
    {
        Store = TestEnvironment.NewFolderStore("pipeline");
        var services = new ServiceCollection();
        services.AddSingleton<IBlobStore>(Store);
        services.AddSingleton<IFeatureRefresher, FakeFeatures>();
        services.AddSingleton<ICandidateTrainer, FakeTrainer>();
        services.AddSingleton<FakeTuner>();
        services.AddSingleton<ICandidateTuner>(sp => sp.GetRequiredService<FakeTuner>());
        services.AddSingleton<FakeRegistry>();
        services.AddSingleton<IModelRegistryGateway>(sp => sp.GetRequiredService<FakeRegistry>());
        services.AddSingleton<IDriftGateway, FakeDrift>();
        services.AddSingleton<IPipelineNotifier>(sp => new BlobNotifier(Store, Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<BlobNotifier>.Instance));
        services.AddSingleton<IOrchestrationClient>(_ => _current!);
        configure?.Invoke(services);
        Services = services.BuildServiceProvider();
    }

    public FolderBlobStore Store { get; }
    public ServiceProvider Services { get; }
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero));
    public FakeRegistry Registry => Services.GetRequiredService<FakeRegistry>();
    public FakeTuner Tuner => Services.GetRequiredService<FakeTuner>();

    /// <summary>The four default kinds, untuned (the tune step has its own tests: these keep the candidates' keys plain).</summary>
    public static RetrainInput Input(bool? approval = null) => new() { Candidates = [new("popularity"), new("sar"), new("ease"), new("ials")], RequireApproval = approval, Tune = false };

    public EmbeddedOrchestrationEngine NewEngine(Func<string, bool>? crashAt = null)
    {
        _current = new EmbeddedOrchestrationEngine(Store, WorkflowCatalog.Create(), Services, Time,
            new WorkflowOptions { InboxPollInterval = TimeSpan.FromMilliseconds(20), MaxConcurrentActivities = 4 }) { CrashAt = crashAt };
        _engines.Add(_current);
        return _current;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var engine in _engines) await engine.DisposeAsync();
        await Services.DisposeAsync();
    }
}
