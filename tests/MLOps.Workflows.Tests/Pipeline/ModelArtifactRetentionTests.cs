using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;
using MLOps.Workflows.Pipeline;
using MLOps.Workflows.Tests.Embedded;

namespace MLOps.Workflows.Tests.Pipeline;

/// <summary>
/// Retention of model versions' artifacts (every pipeline run registers its best candidate, so a daily run on unchanged
/// data stored a copy of the champion each day, deleted by nothing): an old refused or unevaluated version that no alias
/// ever named loses its artifact files and keeps its record; every other version keeps everything.
/// </summary>
public sealed class ModelArtifactRetentionTests
{
    private const string Model = "recs";
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static Task<ModelVersionManifest> RegisterAsync(ModelRegistry registry, string bytes, string? instance = null) =>
        registry.RegisterAsync(Model, new ModelVersionDraft { Type = "ease", SourceInstance = instance },
            new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromString(bytes) }, Timeout);

    /// <summary>A decision the gates refuse: the challenger scores below the champion.</summary>
    internal static Task<PromotionDecision> RefuseAsync(ModelRegistry registry, int version, string model = Model) =>
        registry.EvaluateAsync(model, version, new ModelComparison { Champion = 0.14, Challenger = 0.13, DifferenceLower = -0.02, DifferenceUpper = -0.005 }, cancellationToken: Timeout);

    [Fact]
    public async Task Purge_DeletesOldRefusedAndUnevaluatedArtifactsNoAliasEverNamed_KeepsRecordsAndEverythingElse()
    {
        await using var h = new EngineHarness(TestWorkflows.Registry(r => r
            .AddOrchestrator<string, bool>("Deciding", (context, _) => context.WaitForExternalEvent<bool>("go", TimeSpan.FromDays(30)))));
        await using var engine = h.NewEngine();
        var deciding = await engine.StartAsync("Deciding", "k");
        await engine.WaitUntilQuietAsync(Timeout);
        var registry = new ModelRegistry(h.Store);
        await RegisterAsync(registry, "champion");                                        // v1: champion
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "test", Force = true }, Timeout);
        await RegisterAsync(registry, "refused-12345");                                   // v2: refused, never aliased
        await RefuseAsync(registry, 2);
        await RegisterAsync(registry, "unevaluated");                                     // v3: no decision, never aliased
        await RegisterAsync(registry, "was-challenger");                                  // v4: refused, but was challenger once
        await registry.SetChallengerAsync(Model, 4, "test", cancellationToken: Timeout);
        await registry.SetChallengerAsync(Model, 1, "test", cancellationToken: Timeout);
        await RefuseAsync(registry, 4);
        // v5: its run has not decided yet (the pipeline records the instance as its step keys' prefix, "<id>@<run start>").
        await RegisterAsync(registry, "still-deciding", $"{deciding.InstanceId}@20261208T002641.767Z");

        // Within the retention (registered after the cutoff) nothing goes.
        var none = await RunPurge.PurgeAsync(h.Store, engine, DateTimeOffset.UtcNow.AddDays(-1), Timeout);
        Assert.Equal(new ArtifactRetentionResult(0, 0), none.Artifacts);

        var (_, artifacts) = await RunPurge.PurgeAsync(h.Store, engine, DateTimeOffset.UtcNow.AddDays(1), Timeout);

        Assert.Equal(new ArtifactRetentionResult(2, "refused-12345".Length + "unevaluated".Length), artifacts);
        foreach (var v in new[] { 2, 3 })
        {
            Assert.Null(await registry.ReadArtifactAsync(Model, v, "model.bin", Timeout));
            Assert.NotNull(await registry.GetVersionAsync(Model, v, Timeout));
            Assert.NotNull(await registry.GetArtifactPurgeAsync(Model, v, Timeout));
        }
        Assert.Single(await registry.GetDecisionsAsync(Model, 2, Timeout));
        foreach (var v in new[] { 1, 4, 5 })
        {
            Assert.NotNull(await registry.ReadArtifactAsync(Model, v, "model.bin", Timeout));
            Assert.Null(await registry.GetArtifactPurgeAsync(Model, v, Timeout));
        }

        // No alias may name a purged version, forced or not; a second purge finds nothing more.
        var refused = await Assert.ThrowsAsync<ArtifactPurgedException>(() => registry.PromoteAsync(Model, 2, new PromoteRequest { By = "test", Force = true }, Timeout));
        Assert.Contains("models reproduce 2", refused.Message);
        await Assert.ThrowsAsync<ArtifactPurgedException>(() => registry.SetChallengerAsync(Model, 3, "test", cancellationToken: Timeout));
        Assert.Equal(1, (await registry.GetAliasAsync(Model, ModelAliases.Champion, Timeout))!.Record.Version);
        Assert.Equal(new ArtifactRetentionResult(0, 0), (await RunPurge.PurgeAsync(h.Store, engine, DateTimeOffset.UtcNow.AddDays(1), Timeout)).Artifacts);
    }

    /// <summary>
    /// A promote that checked the version before the purge marked it and swaps the alias after: the purge reads the
    /// aliases again once marked, finds the version named, and keeps its artifact (and removes the mark).
    /// </summary>
    [Fact]
    public async Task PurgeArtifact_AnAliasReachedBetweenTheMarkAndTheDelete_KeepsTheArtifact()
    {
        var inner = TestEnvironment.NewFolderStore("artifact-race");
        var setup = new ModelRegistry(inner);
        await RegisterAsync(setup, "one");
        await RegisterAsync(setup, "two");
        // The concurrent caller read the version before the mark existed: its view never shows the mark.
        var stale = new ModelRegistry(new HidingStore(inner, ModelRegistry.ArtifactPurgePath(Model, 2)));
        var racing = new ModelRegistry(new AfterCreate(inner, ModelRegistry.ArtifactPurgePath(Model, 2),
            () => stale.SetChallengerAsync(Model, 2, "racer", cancellationToken: Timeout)));

        Assert.Null(await racing.PurgeArtifactAsync(Model, 2, "test", Timeout));

        Assert.Equal(2, (await setup.GetAliasAsync(Model, ModelAliases.Challenger, Timeout))!.Record.Version);
        Assert.NotNull(await setup.ReadArtifactAsync(Model, 2, "model.bin", Timeout));
        Assert.Null(await setup.GetArtifactPurgeAsync(Model, 2, Timeout));
    }

    private sealed class HidingStore(IBlobStore inner, string hidden) : DelegatingBlobStore(inner)
    {
        public override Task<BlobContent?> ReadAsync(string path, CancellationToken cancellationToken = default) =>
            path == hidden ? Task.FromResult<BlobContent?>(null) : base.ReadAsync(path, cancellationToken);
    }

    /// <summary>Runs <paramref name="then"/> right after <paramref name="path"/> is written.</summary>
    private sealed class AfterCreate(IBlobStore inner, string path, Func<Task> then) : DelegatingBlobStore(inner)
    {
        public override async Task<BlobETag> WriteAsync(string p, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
        {
            var etag = await base.WriteAsync(p, content, condition, cancellationToken);
            if (p == path) await then();
            return etag;
        }
    }
}
