using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Features.Tests;

public sealed class RegistryTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private const string Model = "recommender";

    private static async Task<ModelRegistry> RegistryWithVersionsAsync(IBlobStore store, int count)
    {
        var registry = new ModelRegistry(store);
        for (var v = 1; v <= count; v++)
            await registry.RegisterAsync(Model, new ModelVersionDraft
            {
                Type = "ease", Parameters = new() { ["lambda"] = 100 + v }, TrainingSnapshotId = "fs-test",
                Metrics = new() { ["ndcg@10"] = new MetricValue(0.3 + v / 1000.0, 0.29, 0.31) }, SourceInstance = $"run-{v}",
            }, new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes(new byte[10 * v]) }, Ct);
        return registry;
    }

    [Fact]
    public async Task Register_AssignsNumbers_RecordsSizes_AndIsIdempotentByKey()
    {
        var store = TestEnvironment.NewFolderStore("reg");
        var registry = await RegistryWithVersionsAsync(store, 2);
        var versions = await registry.ListVersionsAsync(Model, Ct);
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal(20, versions[1].TotalBytes);
        Assert.Equal(20, (await registry.ReadArtifactAsync(Model, 2, "model.bin", Ct))!.ToArray().Length);

        var draft = new ModelVersionDraft { Type = "ials", IdempotencyKey = "run-9/train" };
        var a = await registry.RegisterAsync(Model, draft, new Dictionary<string, BinaryData>(), Ct);
        var b = await registry.RegisterAsync(Model, draft, new Dictionary<string, BinaryData>(), Ct);
        Assert.Equal(3, a.Version);
        Assert.Equal(a.Version, b.Version);
        Assert.Equal(3, (await registry.ListVersionsAsync(Model, Ct)).Count);
    }

    /// <summary>
    /// A process killed after claiming a version number but before writing its manifest (the commit point): the
    /// repeat with the same idempotency key finishes that version instead of claiming the next number.
    /// </summary>
    [Fact]
    public async Task Register_RepeatAfterCrashBeforeManifest_FinishesTheClaimedVersion_NoGap()
    {
        var store = TestEnvironment.NewFolderStore("reg-crash");
        var registry = new ModelRegistry(store);
        var draft = new ModelVersionDraft { Type = "ease", IdempotencyKey = "run-1:register" };
        var files = new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes(new byte[16]) };
        await registry.RegisterAsync(Model, draft, files, Ct);
        Assert.True(await store.DeleteAsync($"models/{Model}/versions/1/manifest.json", cancellationToken: Ct)); // the state the crash leaves

        var repeat = await registry.RegisterAsync(Model, draft, files, Ct);
        var other = await registry.RegisterAsync(Model, new ModelVersionDraft { Type = "sar", IdempotencyKey = "run-2:register" }, files, Ct);

        Assert.Equal(1, repeat.Version);
        Assert.Equal(2, other.Version);
        Assert.Equal([1, 2], (await registry.ListVersionsAsync(Model, Ct)).Select(v => v.Version));
    }

    /// <summary>
    /// Five rounds: a stale caller overwriting "previous" (fixed: the projection only moves forward) showed in 4 of 6
    /// loaded runs of 40 rounds, so one round alone would seldom catch a regression.
    /// </summary>
    [Theory]
    [InlineData(1), InlineData(2), InlineData(3), InlineData(4), InlineData(5)]
    public async Task FiftyConcurrentPromotions_AuditHasEveryWinnerOnce_InAnUnbrokenChain(int round)
    {
        _ = round;
        var store = TestEnvironment.NewFolderStore("race");
        var registry = await RegistryWithVersionsAsync(store, 50);
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 50).Select(v => Task.Run(async () =>
        {
            try
            {
                var r = await registry.PromoteAsync(Model, v, new PromoteRequest { By = $"caller-{v}", Force = true, Reason = "race" }, Ct);
                return (v, ok: true, entry: r.Entry, error: (string?)null);
            }
            catch (RegistryConflictException e)
            {
                return (v, ok: false, entry: (AuditEntry?)null, error: e.Message);
            }
        })));

        var winners = outcomes.Where(o => o.ok).ToList();
        Assert.NotEmpty(winners);
        Assert.All(outcomes.Where(o => !o.ok), o => Assert.Contains("conflict", o.error));
        var audit = (await registry.GetHistoryAsync(Model, ModelAliases.Champion, Ct)).OrderBy(e => e.Sequence).ToList();
        Assert.True(winners.Count == audit.Count,
            $"{winners.Count} winners (v:seq {string.Join(" ", winners.OrderBy(w => w.entry!.Sequence).Select(w => $"{w.v}:{w.entry!.Sequence}"))}), " +
            $"{audit.Count} audit entries (seq:to {string.Join(" ", audit.Select(e => $"{e.Sequence}:{e.To}"))}); " +
            $"losers: {string.Join(" | ", outcomes.Where(o => !o.ok).Select(o => o.error).Distinct().Take(3))}");
        Assert.Equal(winners.Select(w => w.v).Order(), audit.Select(e => e.To!.Value).Order());
        Assert.Equal(Enumerable.Range(1, audit.Count).Select(i => (long)i), audit.Select(e => e.Sequence));
        Assert.Null(audit[0].From);
        for (var i = 1; i < audit.Count; i++) Assert.Equal(audit[i - 1].To, audit[i].From);
        var champion = await registry.GetAliasAsync(Model, ModelAliases.Champion, Ct);
        Assert.Equal(audit[^1].To, champion!.Record.Version);
        Assert.Equal(audit[^1].From, (await registry.GetAliasAsync(Model, ModelAliases.Previous, Ct))?.Record.Version);
    }

    [Fact]
    public async Task Rollback_RestoresPreviousChampion_AndHistoryShowsBothMoves()
    {
        var store = TestEnvironment.NewFolderStore("rollback");
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var registry = new ModelRegistry(store, clock);
        var seed = await RegistryWithVersionsAsync(store, 2);
        _ = seed;
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "alice", Force = true }, Ct);
        clock.Now = clock.Now.AddHours(1);
        await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "alice", Force = true }, Ct);
        clock.Now = clock.Now.AddHours(1);
        var rolled = await registry.RollbackAsync(Model, new RollbackRequest { By = "bob", Reason = "bad CTR" }, Ct);

        Assert.Equal(2, rolled.Entry.From);
        Assert.Equal(1, rolled.Entry.To);
        Assert.Equal(1, (await registry.GetChampionAsync(Model, Ct))!.Version);
        var history = await registry.GetHistoryAsync(Model, ModelAliases.Champion, Ct);
        Assert.Equal(["promote", "promote", "rollback"], history.Select(e => e.Action));
        Assert.Equal("bob", history[^1].By);
        Assert.Equal(2, await registry.GetVersionAtAsync(Model, ModelAliases.Champion, clock.Now.AddMinutes(-30), Ct));
        Assert.Equal(1, await registry.GetVersionAtAsync(Model, ModelAliases.Champion, clock.Now, Ct));
        Assert.Null(await registry.GetVersionAtAsync(Model, ModelAliases.Champion, clock.Now.AddDays(-1), Ct));
    }

    /// <summary>
    /// Two on-call engineers roll back the same bad champion, one after the other: a rollback swaps champion and previous,
    /// so the second silently undid the first (v2 → v1 → v2, both exit 0). Naming the champion one means to roll back
    /// (<see cref="RollbackRequest.ExpectedChampion"/>, CLI <c>--if-champion</c>) makes the second a conflict that says who moved it.
    /// </summary>
    [Fact]
    public async Task Rollback_OfAChampionThatIsNoLongerTheOneNamed_IsAConflict_AndChangesNothing()
    {
        var store = TestEnvironment.NewFolderStore("rollback-race");
        var registry = await RegistryWithVersionsAsync(store, 2);
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "alice", Force = true }, Ct);
        await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "alice", Force = true }, Ct);

        var first = await registry.RollbackAsync(Model, new RollbackRequest { By = "ana", Reason = "CTR down", ExpectedChampion = 2 }, Ct);
        Assert.Equal(1, first.Entry.To);
        var second = await Assert.ThrowsAsync<RegistryConflictException>(() =>
            registry.RollbackAsync(Model, new RollbackRequest { By = "ben", Reason = "CTR down", ExpectedChampion = 2 }, Ct));
        Assert.StartsWith("conflict: the champion of 'recommender' is v1, not v2", second.Message, StringComparison.Ordinal);
        Assert.Contains("rollback by ana", second.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await registry.GetChampionAsync(Model, Ct))!.Version);
        Assert.Equal(["promote", "promote", "rollback"], (await registry.GetHistoryAsync(Model, ModelAliases.Champion, Ct)).Select(e => e.Action));
    }

    /// <summary>
    /// Two instances whose clocks disagree: the second promotion is stamped five minutes before the first. An alias's
    /// history follows its sequence (the order the compare-and-swap chain enforced), not the clocks.
    /// </summary>
    [Fact]
    public async Task History_FollowsEachAliasSequence_WhenInstanceClocksDisagree()
    {
        var store = TestEnvironment.NewFolderStore("reg-skew");
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await RegistryWithVersionsAsync(store, 3);
        var registry = new ModelRegistry(store, clock);
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "a", Force = true }, Ct);
        clock.Now = clock.Now.AddMinutes(-5); // the next call runs on an instance five minutes behind
        await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "b", Force = true }, Ct);
        await registry.PromoteAsync(Model, 3, new PromoteRequest { By = "c", Force = true }, Ct);

        var champion = await registry.GetHistoryAsync(Model, ModelAliases.Champion, Ct);
        var all = await registry.GetHistoryAsync(Model, cancellationToken: Ct);

        Assert.Equal([1, 2, 3], champion.Select(e => e.To));
        Assert.Equal([1L, 2L, 3L], champion.Select(e => e.Sequence));
        Assert.Equal([1, 2, 3], all.Where(e => e.Alias == ModelAliases.Champion).Select(e => e.To));
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    /// <summary>Promoting the champion again is a no-op (no audit entry), not a refusal over evidence about the champion before it.</summary>
    [Fact]
    public async Task Promote_TheChampionAgain_ChangesNothing_WithoutEvidence()
    {
        var store = TestEnvironment.NewFolderStore("reg-again");
        var registry = await RegistryWithVersionsAsync(store, 2);
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "a", Force = true }, Ct);
        var again = await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "b", UseStoredDecision = true }, Ct);
        Assert.False(again.Changed);
        Assert.Single(await registry.GetHistoryAsync(Model, "champion", Ct));
        // The gates still hold for any other version.
        await Assert.ThrowsAsync<PromotionRefusedException>(() => registry.PromoteAsync(Model, 2, new PromoteRequest { By = "b", UseStoredDecision = true }, Ct));
    }

    [Fact]
    public async Task Promote_WithStaleETag_IsAConflict()
    {
        var store = TestEnvironment.NewFolderStore("etag");
        var registry = await RegistryWithVersionsAsync(store, 3);
        var first = await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "a", Force = true }, Ct);
        await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "b", Force = true, IfMatch = first.ETag }, Ct);
        await Assert.ThrowsAsync<RegistryConflictException>(() => registry.PromoteAsync(Model, 3, new PromoteRequest { By = "c", Force = true, IfMatch = first.ETag }, Ct));
        Assert.Equal(2, (await registry.GetChampionAsync(Model, Ct))!.Version);
    }

    [Fact]
    public async Task Promote_RefusesWorseOrInsignificantChallengers_WithEvidence()
    {
        var store = TestEnvironment.NewFolderStore("policy");
        var registry = await RegistryWithVersionsAsync(store, 4);
        await registry.PromoteAsync(Model, 1, new PromoteRequest { By = "a", Force = true }, Ct);

        var worse = await registry.EvaluateAsync(Model, 2, new ModelComparison { ChampionVersion = 1, Champion = 0.30, Challenger = 0.28, DifferenceLower = -0.03, DifferenceUpper = -0.01 }, cancellationToken: Ct);
        Assert.Equal("refuse", worse.Outcome);
        var refused = await Assert.ThrowsAsync<PromotionRefusedException>(() => registry.PromoteAsync(Model, 2, new PromoteRequest { By = "a", UseStoredDecision = true }, Ct));
        Assert.Contains("does not beat", refused.Message);
        Assert.Contains(refused.Decision!.Evidence, r => r.Check == "better" && !r.Passed);

        var insignificant = await registry.EvaluateAsync(Model, 3, new ModelComparison { ChampionVersion = 1, Champion = 0.30, Challenger = 0.305, DifferenceLower = -0.002, DifferenceUpper = 0.012 }, cancellationToken: Ct);
        Assert.False(insignificant.Passed);
        var refused2 = await Assert.ThrowsAsync<PromotionRefusedException>(() => registry.PromoteAsync(Model, 3, new PromoteRequest { By = "a", UseStoredDecision = true }, Ct));
        Assert.Contains("not significantly", refused2.Message);
        Assert.Contains(refused2.Decision!.Evidence, r => r.Check == "confidence" && !r.Passed && r.Lower == -0.002);

        var good = await registry.EvaluateAsync(Model, 4, new ModelComparison { ChampionVersion = 1, Champion = 0.30, Challenger = 0.33, DifferenceLower = 0.01, DifferenceUpper = 0.05 }, cancellationToken: Ct);
        Assert.True(good.Passed);
        var promoted = await registry.PromoteAsync(Model, 4, new PromoteRequest { By = "a", UseStoredDecision = true }, Ct);
        Assert.Equal(4, promoted.Entry.To);
        Assert.NotNull(promoted.Entry.Evidence);
        Assert.Equal(1, (await registry.GetChampionAsync(Model, Ct))!.Version == 4 ? 1 : 0);
    }

    /// <summary>Evidence from before the first champion was against the popularity baseline: said so, not "v(none)".</summary>
    [Fact]
    public async Task Promote_EvidenceFromBeforeAnyChampion_AfterOneWasPromoted_NamesTheBaseline()
    {
        var store = TestEnvironment.NewFolderStore("stale-first");
        var registry = await RegistryWithVersionsAsync(store, 2);
        await registry.EvaluateAsync(Model, 1, new ModelComparison { ChampionVersion = null, Champion = 0.20, Challenger = 0.33, DifferenceLower = 0.01, DifferenceUpper = 0.05 }, cancellationToken: Ct);
        await registry.PromoteAsync(Model, 2, new PromoteRequest { By = "a", Force = true }, Ct);

        var refused = await Assert.ThrowsAsync<PromotionRefusedException>(() => registry.PromoteAsync(Model, 1, new PromoteRequest { By = "a", UseStoredDecision = true }, Ct));

        Assert.Contains("version 1's evidence compares it with the popularity baseline (there was no champion), but the champion is now v2", refused.Message);
    }

    [Fact]
    public void Policy_GuardrailDrop_BeyondTolerance_Refuses()
    {
        var decision = PromotionPolicy.Evaluate(new ModelComparison
        {
            Champion = 0.30, Challenger = 0.34, DifferenceLower = 0.02, DifferenceUpper = 0.06,
            Guardrails = new() { ["coverage"] = new GuardrailValues(0.40, 0.30), ["latency_p95_ms"] = new GuardrailValues(10, 12) },
        });
        Assert.False(decision.Passed);
        Assert.Contains(decision.Evidence, r => r.Metric == "coverage" && !r.Passed);
        Assert.Contains(decision.Evidence, r => r.Metric == "latency_p95_ms" && r.Passed);
        Assert.Contains(decision.Reasons, r => r.Contains("coverage"));
    }

    [Theory]
    [InlineData(0.4, 2.3, true)]   // 475 % slower but within the 2 ms slack: timer noise at this scale
    [InlineData(0.4, 2.5, false)]  // beyond the slack
    [InlineData(20, 29, true)]     // within 50 %
    [InlineData(20, 31, false)]    // beyond 50 % (10 ms > 2 ms slack)
    public void Policy_LatencyGuardrail_AllowsTheLargerOfToleranceAndSlack(double champion, double challenger, bool passes)
    {
        var decision = PromotionPolicy.Evaluate(new ModelComparison
        {
            Champion = 0.30, Challenger = 0.34, DifferenceLower = 0.02, DifferenceUpper = 0.06,
            Guardrails = new() { ["latency_p95_ms"] = new GuardrailValues(champion, challenger), ["coldstart_ndcg@10"] = new GuardrailValues(0.10, 0.095) },
        });
        Assert.Equal(passes, decision.Passed);
        Assert.Contains(decision.Evidence, r => r.Metric == "coldstart_ndcg@10" && r.Passed);
    }

    [Fact]
    public void Policy_RequiringApproval_AwaitsApproval_AndPromoteNeedsApprover()
    {
        var decision = PromotionPolicy.Evaluate(new ModelComparison { Champion = 0.3, Challenger = 0.35, DifferenceLower = 0.01, DifferenceUpper = 0.08 },
            new PromotionPolicyOptions { RequireApproval = true });
        Assert.True(decision.Passed);
        Assert.Equal("await-approval", decision.Outcome);
    }

    [Fact]
    public async Task Promote_StoredEvidenceFromBeforeApprovalWasRequired_StillNeedsAnApprover()
    {
        var store = TestEnvironment.NewFolderStore("reg-approval-now");
        var before = await RegistryWithVersionsAsync(store, 2);
        await before.PromoteAsync(Model, 1, new PromoteRequest { By = "a", Force = true }, Ct);
        var evidence = await before.EvaluateAsync(Model, 2, new ModelComparison { ChampionVersion = 1, Champion = 0.30, Challenger = 0.33, DifferenceLower = 0.01, DifferenceUpper = 0.05 }, cancellationToken: Ct);
        Assert.Equal("promote", evidence.Outcome); // stored while no approval was required

        var now = new ModelRegistry(store, options: Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Policy = new PromotionPolicyOptions { RequireApproval = true } }));
        var refused = await Assert.ThrowsAsync<PromotionRefusedException>(() => now.PromoteAsync(Model, 2, new PromoteRequest { By = "b", UseStoredDecision = true }, Ct));
        Assert.Contains("requires a person's approval", refused.Message);
        Assert.Equal(1, (await now.GetChampionAsync(Model, Ct))!.Version);

        var approved = await now.PromoteAsync(Model, 2, new PromoteRequest { By = "b", UseStoredDecision = true, ApprovedBy = "oncall" }, Ct);
        Assert.Equal(2, approved.Entry.To);

        // A first promotion through the library, without evidence, meets the policy too.
        var fresh = new ModelRegistry(TestEnvironment.NewFolderStore("reg-approval-first"), options: Microsoft.Extensions.Options.Options.Create(new RegistryOptions { Policy = new PromotionPolicyOptions { RequireApproval = true } }));
        await fresh.RegisterAsync(Model, new ModelVersionDraft { Type = "ease", TrainingSnapshotId = "fs-test" }, new Dictionary<string, BinaryData> { ["model.bin"] = BinaryData.FromBytes(new byte[4]) }, Ct);
        var first = await Assert.ThrowsAsync<PromotionRefusedException>(() => fresh.PromoteAsync(Model, 1, new PromoteRequest { By = "lib" }, Ct));
        Assert.Contains("has no evidence but the policy requires a person's approval", first.Message);
    }

    [Fact]
    public void PairedBootstrap_SeparatesAClearWinnerFromNoise()
    {
        var random = new Random(7);
        var champion = Enumerable.Range(0, 500).Select(_ => random.NextDouble()).ToArray();
        var better = champion.Select(v => v + 0.05 + (random.NextDouble() - 0.5) * 0.1).ToArray();
        var same = champion.Select(v => v + (random.NextDouble() - 0.5) * 0.1).ToArray();
        Assert.True(ModelComparison.FromPerUser("ndcg@10", champion, better).DifferenceLower > 0);
        var noise = ModelComparison.FromPerUser("ndcg@10", champion, same);
        Assert.True(noise.DifferenceLower < 0 && noise.DifferenceUpper > 0);
        Assert.Equal(noise, ModelComparison.FromPerUser("ndcg@10", champion, same) with { Guardrails = noise.Guardrails });
    }

    [Fact]
    public void PromotionGate_ReadsTheEvaluationsBootstrap_SoBothReportOneInterval()
    {
        var random = new Random(11);
        var champion = Enumerable.Range(0, 300).Select(_ => random.NextDouble()).ToArray();
        var challenger = champion.Select(v => v + (random.NextDouble() - 0.45) * 0.2).ToArray();
        var gate = ModelComparison.FromPerUser("ndcg@10", champion, challenger, samples: 400, seed: 5);
        var evaluation = MLOps.Recommenders.Evaluation.Bootstrap.PairedDifference(
            "ndcg@10", challenger.Zip(champion, (c, b) => c - b).ToArray(), 400, 0.95, 5);
        Assert.Equal((evaluation.Lower, evaluation.Upper), (gate.DifferenceLower, gate.DifferenceUpper));
        Assert.True(gate.DifferenceLower < gate.DifferenceUpper);
    }
}
