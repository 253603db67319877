using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MLOps.Core;
using MLOps.Storage;

namespace MLOps.Registry;

/// <summary>
/// The model registry (docs/registry.md): immutable versions under <c>models/&lt;name&gt;/versions/&lt;n&gt;/</c>,
/// aliases changed only by compare-and-swap on their blob's ETag, and an append-only audit log per alias whose
/// entry n is written only by the caller whose swap produced sequence n — so the log has no gaps, no duplicates
/// and each entry's "from" is the previous entry's "to", however many callers race.
/// </summary>
public sealed partial class ModelRegistry
{
    public const string DefaultModel = "recommender";

    private readonly IBlobStore _store;
    private readonly TimeProvider _time;
    private readonly RegistryOptions _options;
    private readonly AliasNotifier? _notifier;

    public ModelRegistry(IBlobStore store, TimeProvider? time = null, IOptions<RegistryOptions>? options = null, AliasNotifier? notifier = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        _options = options?.Value ?? new RegistryOptions();
        _notifier = notifier;
    }

    public RegistryOptions Options => _options;

    public static string ModelPrefix(string model) => $"{StoreLayout.Models}{ValidateName(model)}/";
    public static string VersionPrefix(string model, int version) => $"{ModelPrefix(model)}versions/{version}/";
    public static string ManifestPath(string model, int version) => VersionPrefix(model, version) + "manifest.json";
    public static string ArtifactPath(string model, int version, string file) => VersionPrefix(model, version) + "artifact/" + ValidateFile(file);
    public static string AliasPath(string model, string alias) => $"{ModelPrefix(model)}aliases/{ModelAliases.Normalize(alias)}";
    public static string AuditPath(string model, string alias, long sequence) => $"{ModelPrefix(model)}audit/{ModelAliases.Normalize(alias)}/{sequence:D8}.json";

    // ---------------------------------------------------------------- versions

    /// <summary>
    /// Registers a new version: claims the next number (create-only), writes the artifact files, then the manifest
    /// (the commit point). With an <see cref="ModelVersionDraft.IdempotencyKey"/> already registered, returns that version.
    /// </summary>
    public async Task<ModelVersionManifest> RegisterAsync(string model, ModelVersionDraft draft, IReadOnlyDictionary<string, BinaryData> files, CancellationToken cancellationToken = default)
    {
        ValidateName(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(draft.Type);
        foreach (var file in files.Keys) ValidateFile(file);
        if (draft.IdempotencyKey is { } key)
        {
            var existing = (await ListVersionsAsync(model, cancellationToken).ConfigureAwait(false)).FirstOrDefault(v => v.IdempotencyKey == key);
            if (existing is not null) return existing;
        }

        // A repeat after a crash between the claim and the manifest finishes the version it claimed, rather than
        // claiming a second number and leaving the first a gap (the kill test found this in the publish step).
        var version = (draft.IdempotencyKey is { } claimKey ? await FindUnfinishedClaimAsync(model, claimKey, cancellationToken).ConfigureAwait(false) : null)
            ?? await ClaimVersionAsync(model, draft.IdempotencyKey, cancellationToken).ConfigureAwait(false);
        foreach (var (file, data) in files)
            await _store.WriteAsync(ArtifactPath(model, version, file), data, cancellationToken: cancellationToken).ConfigureAwait(false);
        var sizes = files.ToDictionary(f => f.Key, f => (long)f.Value.ToMemory().Length, StringComparer.Ordinal);
        var manifest = new ModelVersionManifest
        {
            Model = model,
            Version = version,
            Type = draft.Type,
            Parameters = draft.Parameters,
            TrainingSnapshotId = draft.TrainingSnapshotId,
            DataCutoff = draft.DataCutoff,
            Metrics = draft.Metrics,
            EvaluationWindow = draft.EvaluationWindow,
            Seed = draft.Seed,
            CodeVersion = draft.CodeVersion ?? CodeVersion,
            Sizes = sizes,
            Sha256 = files.ToDictionary(f => f.Key, f => Sha256Of(f.Value), StringComparer.Ordinal),
            TotalBytes = sizes.Values.Sum(),
            SourceInstance = draft.SourceInstance,
            IdempotencyKey = draft.IdempotencyKey,
            CreatedAt = _time.GetUtcNow(),
            CreatedBy = draft.CreatedBy,
            Notes = draft.Notes,
            RunCandidates = draft.RunCandidates,
        };
        await _store.WriteJsonAsync(ManifestPath(model, version), manifest, WriteCondition.CreateOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>A file's digest as <see cref="ModelVersionManifest.Sha256"/> records it (lowercase hex), so a file made again compares with it.</summary>
    public static string Sha256Of(BinaryData file) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.ToMemory().Span));

    /// <summary>The code version recorded when the draft names none: env MLOPS_CODE_VERSION, else the assembly's informational version.</summary>
    public static string CodeVersion { get; } =
        Environment.GetEnvironmentVariable("MLOPS_CODE_VERSION") is { Length: > 0 } v ? v
        : typeof(ModelRegistry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private sealed record VersionClaim(DateTimeOffset ClaimedAt, string? IdempotencyKey);

    /// <summary>The version a claim with this idempotency key reserved but never committed (no manifest), if any.</summary>
    private async Task<int?> FindUnfinishedClaimAsync(string model, string key, CancellationToken cancellationToken)
    {
        var committed = (await ListVersionNumbersAsync(model, "manifest.json", cancellationToken).ConfigureAwait(false)).ToHashSet();
        foreach (var n in (await ListVersionNumbersAsync(model, "claim.json", cancellationToken).ConfigureAwait(false)).Where(n => !committed.Contains(n)).Order())
            if ((await _store.ReadJsonAsync<VersionClaim>(VersionPrefix(model, n) + "claim.json", cancellationToken: cancellationToken).ConfigureAwait(false))?.Value.IdempotencyKey == key)
                return n;
        return null;
    }

    private async Task<int> ClaimVersionAsync(string model, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var next = (await ListVersionNumbersAsync(model, "claim.json", cancellationToken).ConfigureAwait(false)).DefaultIfEmpty(0).Max() + 1;
        for (var attempt = 0; attempt < 1000; attempt++, next++)
        {
            var claim = BinaryData.FromObjectAsJson(new VersionClaim(_time.GetUtcNow(), idempotencyKey), StoreJson.Options);
            if (await _store.TryCreateAsync(VersionPrefix(model, next) + "claim.json", claim, cancellationToken).ConfigureAwait(false)) return next;
        }
        throw new RegistryConflictException($"Could not claim a version number for model '{model}'.");
    }

    private async Task<List<int>> ListVersionNumbersAsync(string model, string marker, CancellationToken cancellationToken)
    {
        var prefix = ModelPrefix(model) + "versions/";
        var numbers = new List<int>();
        await foreach (var blob in _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var rest = blob.Path[prefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash > 0 && rest[(slash + 1)..] == marker && int.TryParse(rest[..slash], out var n)) numbers.Add(n);
        }
        return numbers;
    }

    public async Task<ModelVersionManifest?> GetVersionAsync(string model, int version, CancellationToken cancellationToken = default) =>
        (await _store.ReadJsonAsync<ModelVersionManifest>(ManifestPath(model, version), cancellationToken: cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>Every committed version (manifest written), oldest first.</summary>
    public async Task<IReadOnlyList<ModelVersionManifest>> ListVersionsAsync(string model, CancellationToken cancellationToken = default)
    {
        var list = new List<ModelVersionManifest>();
        foreach (var n in (await ListVersionNumbersAsync(model, "manifest.json", cancellationToken).ConfigureAwait(false)).Order())
            if (await GetVersionAsync(model, n, cancellationToken).ConfigureAwait(false) is { } m) list.Add(m);
        return list;
    }

    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var blob in _store.ListAsync(StoreLayout.Models, cancellationToken).ConfigureAwait(false))
        {
            var rest = blob.Path[StoreLayout.Models.Length..];
            var slash = rest.IndexOf('/');
            if (slash > 0) names.Add(rest[..slash]);
        }
        return [.. names];
    }

    /// <summary>An artifact file of a version, or null when absent.</summary>
    public async Task<BinaryData?> ReadArtifactAsync(string model, int version, string file, CancellationToken cancellationToken = default) =>
        (await _store.ReadAsync(ArtifactPath(model, version, file), cancellationToken).ConfigureAwait(false))?.Data;

    public Task<BlobReadStream?> OpenArtifactAsync(string model, int version, string file, CancellationToken cancellationToken = default) =>
        _store.OpenReadAsync(ArtifactPath(model, version, file), cancellationToken);

    // ---------------------------------------------------------------- aliases

    public async Task<AliasState?> GetAliasAsync(string model, string alias, CancellationToken cancellationToken = default)
    {
        var found = await _store.ReadJsonAsync<AliasRecord>(AliasPath(model, alias), cancellationToken: cancellationToken).ConfigureAwait(false);
        return found is { } f ? new AliasState(f.Value, f.ETag.Value) : null;
    }

    /// <summary>The version the alias points to, or null.</summary>
    public async Task<ModelVersionManifest?> GetAliasedVersionAsync(string model, string alias, CancellationToken cancellationToken = default)
    {
        var state = await GetAliasAsync(model, alias, cancellationToken).ConfigureAwait(false);
        return state?.Record.Version is { } v ? await GetVersionAsync(model, v, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>The champion's manifest (what serving loads), or null before the first promotion.</summary>
    public Task<ModelVersionManifest?> GetChampionAsync(string model = DefaultModel, CancellationToken cancellationToken = default) =>
        GetAliasedVersionAsync(model, ModelAliases.Champion, cancellationToken);

    public async Task<ModelSummary> GetModelAsync(string model, CancellationToken cancellationToken = default)
    {
        var versions = await ListVersionsAsync(model, cancellationToken).ConfigureAwait(false);
        var aliases = new Dictionary<string, AliasView>();
        foreach (var alias in ModelAliases.All)
            if (await GetAliasAsync(model, alias, cancellationToken).ConfigureAwait(false) is { } s)
                aliases[alias] = new AliasView(s.Record.Version, s.ETag, s.Record.Change.At, s.Record.Change.By, s.Record.Sequence,
                    s.Record.Change.Action, s.Record.Change.Reason, s.Record.Change.ApprovedBy, s.Record.Change.Forced);
        if (versions.Count == 0 && aliases.Count == 0) throw new RegistryNotFoundException($"Model '{model}' has no versions.");
        return new ModelSummary { Model = model, Aliases = aliases, Versions = versions };
    }

    /// <summary>Points the challenger alias at a version (compare-and-swap, audited).</summary>
    public Task<AliasChangeResult> SetChallengerAsync(string model, int version, string by, string? reason = null, string? instance = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(model, ModelAliases.Challenger, null, async current =>
        {
            await RequireVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
            await RequireArtifactAsync(model, version, cancellationToken).ConfigureAwait(false);
            return new Planned("set", version, null, by, instance, reason, null, null, false);
        }, cancellationToken);

    /// <summary>
    /// Makes <paramref name="version"/> the champion (the old champion becomes "previous"). The gates: with a decision
    /// (given, or the latest stored one when <see cref="PromoteRequest.UseStoredDecision"/>) that did not pass, or one
    /// against a different champion, or one awaiting approval without <see cref="PromoteRequest.ApprovedBy"/>, the
    /// call is refused unless forced. Losing the compare-and-swap throws <see cref="RegistryConflictException"/>.
    /// </summary>
    public async Task<AliasChangeResult> PromoteAsync(string model, int version, PromoteRequest request, CancellationToken cancellationToken = default)
    {
        await RequireVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
        await RequireArtifactAsync(model, version, cancellationToken).ConfigureAwait(false);
        var decision = request.Decision;
        if (decision is null && request.UseStoredDecision)
            decision = (await GetDecisionsAsync(model, version, cancellationToken).ConfigureAwait(false)).LastOrDefault();

        var result = await ChangeAsync(model, ModelAliases.Champion, request.IfMatch, current =>
        {
            var from = current?.Version;
            // Promoting the champion again changes nothing (ChangeAsync returns Changed: false), so its gates do not apply:
            // its evidence was against the champion before it and would only produce a confusing refusal.
            if (!request.Force && from != version)
            {
                if (decision is null && (from is not null || request.UseStoredDecision))
                    throw new PromotionRefusedException($"version {version} has no promotion evidence against the current champion" +
                        (from is null ? "" : $" (v{from})") + "; evaluate it first or force the promotion", null);
                if (decision is not null)
                {
                    if (!decision.Passed) throw new PromotionRefusedException($"version {version} is refused: {string.Join("; ", decision.Reasons)}", decision);
                    if (from is not null && decision.Comparison.ChampionVersion != from)
                        throw new PromotionRefusedException($"version {version}'s evidence compares it with {(decision.Comparison.ChampionVersion is { } then ? $"v{then}" : "the popularity baseline (there was no champion)")}, but the champion is now v{from}, so its gates no longer say anything: retrain (the pipeline evaluates against the current champion) or force the promotion with a reason (recorded as forced)", decision);
                }
                // The policy in force now also counts, with or without evidence: evidence stored before approval was
                // required, or a first promotion made without any, must not skip it.
                if ((decision?.RequiresApproval == true || _options.Policy.RequireApproval) && string.IsNullOrWhiteSpace(request.ApprovedBy))
                    throw new PromotionRefusedException($"version {version} {(decision is null ? "has no evidence" : "passed the gates")} but the policy requires a person's approval", decision);
            }
            return Task.FromResult(new Planned("promote", version, from, request.By, request.Instance, request.Reason, request.ApprovedBy, decision, request.Force));
        }, cancellationToken).ConfigureAwait(false);

        if (result.Changed)
        {
            await ProjectPreviousAsync(model, cancellationToken).ConfigureAwait(false);
            await ClearChallengerIfAsync(model, version, result.Entry, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>One call: the champion goes back to the previous champion (and "previous" to the one rolled back). Audited.</summary>
    public async Task<AliasChangeResult> RollbackAsync(string model, RollbackRequest request, CancellationToken cancellationToken = default)
    {
        var result = await ChangeAsync(model, ModelAliases.Champion, request.IfMatch, current =>
        {
            if (current?.Version is not { } from) throw new RegistryNotFoundException($"model '{model}' has no champion to roll back");
            if (request.ExpectedChampion is { } expected && expected != from)
                throw new RegistryConflictException($"conflict: the champion of '{model}' is v{from}, not v{expected}: {current.Change.Action} by {current.Change.By} "
                    + $"at {current.Change.At:u}{(current.Change.Reason is { Length: > 0 } why ? $" (\"{why}\")" : "")} (audit #{current.Sequence}); nothing rolled back", field: "ifChampion");
            if (current.PreviousVersion is not { } to) throw new RegistryNotFoundException($"model '{model}' has no previous champion to roll back to");
            return Task.FromResult(new Planned("rollback", to, from, request.By, request.Instance, request.Reason, null, null, false));
        }, cancellationToken).ConfigureAwait(false);
        await ProjectPreviousAsync(model, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private sealed record Planned(string Action, int? To, int? PreviousVersion, string By, string? Instance, string? Reason, string? ApprovedBy, PromotionDecision? Evidence, bool Forced);

    /// <summary>The compare-and-swap every alias change goes through, then the audit append and the notification.</summary>
    private async Task<AliasChangeResult> ChangeAsync(string model, string alias, string? ifMatch, Func<AliasRecord?, Task<Planned>> plan, CancellationToken cancellationToken)
    {
        var path = AliasPath(model, alias);
        var current = await _store.ReadJsonAsync<AliasRecord>(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current is { } c) await EnsureAuditedAsync(c.Value, cancellationToken).ConfigureAwait(false);
        if (ifMatch is not null && (current is null || current.Value.ETag.Value != ifMatch))
            throw new RegistryConflictException($"conflict: the {alias} of '{model}' changed since it was read (ETag {ifMatch} is no longer current)");
        var record = current?.Value;
        var planned = await plan(record).ConfigureAwait(false);
        if (record is not null && record.Version == planned.To && planned.Action != "rollback")
            return new AliasChangeResult(record.Change, current!.Value.ETag.Value, Changed: false);

        var sequence = (record?.Sequence ?? 0) + 1;
        var entry = new AuditEntry
        {
            Model = model, Alias = alias, Sequence = sequence, Action = planned.Action,
            From = record?.Version, To = planned.To, At = _time.GetUtcNow(), By = planned.By, Instance = planned.Instance,
            Reason = planned.Reason, ApprovedBy = planned.ApprovedBy, Forced = planned.Forced, Evidence = planned.Evidence,
        };
        var next = new AliasRecord
        {
            Model = model, Alias = alias, Version = planned.To, Sequence = sequence, Change = entry,
            PreviousVersion = alias == ModelAliases.Champion ? record?.Version : null,
        };
        BlobETag etag;
        try
        {
            etag = await _store.WriteJsonAsync(path, next, current is { } e ? WriteCondition.Match(e.ETag) : WriteCondition.CreateOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BlobConditionFailedException ex)
        {
            throw new RegistryConflictException($"conflict: another change to the {alias} of '{model}' won (it was at sequence {sequence - 1}); read it again and retry", ex);
        }
        await EnsureAuditedAsync(next, cancellationToken).ConfigureAwait(false);
        _notifier?.Publish(entry);
        return new AliasChangeResult(entry, etag.Value, Changed: true);
    }

    /// <summary>Writes the audit entry of the change that produced <paramref name="record"/> if it is missing (create-only, so exactly once).</summary>
    private async Task EnsureAuditedAsync(AliasRecord record, CancellationToken cancellationToken)
    {
        var path = AuditPath(record.Model, record.Alias, record.Sequence);
        if (await _store.ExistsAsync(path, cancellationToken).ConfigureAwait(false)) return;
        await _store.TryCreateAsync(path, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(record.Change, StoreJson.Options)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps <c>aliases/previous</c> equal to the champion's previous version. A projection that only moves forward:
    /// each record names the champion sequence it follows, and a caller holding an older champion never overwrites a
    /// newer projection (a stale caller once did, and "previous" lagged the champion after a 50-caller race).
    /// </summary>
    private async Task ProjectPreviousAsync(string model, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var champion = await _store.ReadJsonAsync<AliasRecord>(AliasPath(model, ModelAliases.Champion), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (champion is not { } ch) return;
            var previous = await _store.ReadJsonAsync<AliasRecord>(AliasPath(model, ModelAliases.Previous), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (previous is { } p && FollowedChampionSequence(p.Value) >= ch.Value.Sequence) return;
            var entry = new AuditEntry
            {
                Model = model, Alias = ModelAliases.Previous, Sequence = (previous?.Value.Sequence ?? 0) + 1, Action = "set",
                From = previous?.Value.Version, To = ch.Value.PreviousVersion, At = _time.GetUtcNow(), By = ch.Value.Change.By,
                Instance = $"{ChampionProjectionPrefix}{ch.Value.Sequence}", Reason = $"follows champion change {ch.Value.Sequence} ({ch.Value.Change.Action})",
            };
            var next = new AliasRecord { Model = model, Alias = ModelAliases.Previous, Version = entry.To, Sequence = entry.Sequence, Change = entry };
            try
            {
                if (previous is { } pp) await EnsureAuditedAsync(pp.Value, cancellationToken).ConfigureAwait(false);
                await _store.WriteJsonAsync(AliasPath(model, ModelAliases.Previous), next,
                    previous is { } e ? WriteCondition.Match(e.ETag) : WriteCondition.CreateOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
                await EnsureAuditedAsync(next, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (BlobConditionFailedException) { } // another caller moved it: look again
        }
        throw new RegistryConflictException($"conflict: the champion of '{model}' changed, but its previous alias could not follow it in 1,000 attempts; any later change repairs it");
    }

    private const string ChampionProjectionPrefix = "champion:";

    /// <summary>The champion sequence a "previous" record follows (0 for a record written another way).</summary>
    private static long FollowedChampionSequence(AliasRecord previous) =>
        previous.Change.Instance is { } instance && instance.StartsWith(ChampionProjectionPrefix, StringComparison.Ordinal)
        && long.TryParse(instance.AsSpan(ChampionProjectionPrefix.Length), out var sequence) ? sequence : 0;

    private async Task ClearChallengerIfAsync(string model, int version, AuditEntry cause, CancellationToken cancellationToken)
    {
        try
        {
            var challenger = await GetAliasAsync(model, ModelAliases.Challenger, cancellationToken).ConfigureAwait(false);
            if (challenger?.Record.Version != version) return;
            await ChangeAsync(model, ModelAliases.Challenger, challenger.ETag, _ => Task.FromResult(
                new Planned("clear", null, null, cause.By, cause.Instance, $"v{version} became champion", null, null, false)), cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryConflictException) { }
    }

    private async Task RequireVersionAsync(string model, int version, CancellationToken cancellationToken)
    {
        if (!await _store.ExistsAsync(ManifestPath(model, version), cancellationToken).ConfigureAwait(false))
            throw new RegistryNotFoundException($"model '{model}' has no version {version}");
    }

    /// <summary>An alias may only name a version whose artifact is still there: serving would find nothing to load.</summary>
    private async Task RequireArtifactAsync(string model, int version, CancellationToken cancellationToken)
    {
        if (await GetArtifactPurgeAsync(model, version, cancellationToken).ConfigureAwait(false) is { } purged)
            throw new ArtifactPurgedException($"version {version}'s artifact was purged on {purged.PurgedAt:u} ({purged.Reason}); "
                + $"`mlops models reproduce {version}` trains it again from its record; register that to promote it");
    }

    // ---------------------------------------------------------------- audit and decisions

    /// <summary>The audit log, oldest first (all aliases, or one).</summary>
    public async Task<IReadOnlyList<AuditEntry>> GetHistoryAsync(string model, string? alias = null, CancellationToken cancellationToken = default)
    {
        foreach (var a in ModelAliases.All) await AuditedAliasAsync(model, a, cancellationToken).ConfigureAwait(false);
        var prefix = ModelPrefix(model) + "audit/" + (alias is null ? "" : ModelAliases.Normalize(alias) + "/");
        var entries = new List<AuditEntry>();
        await foreach (var blob in _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            if (await _store.ReadJsonAsync<AuditEntry>(blob.Path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } e) entries.Add(e.Value);
        return AuditOrder(entries);
    }

    /// <summary>
    /// One audit entry of an alias (null: no change with that sequence yet). The alias's latest change is audited first, as
    /// every reader repairs it, so a change whose swap was written but whose entry was not is found too.
    /// </summary>
    public async Task<AuditEntry?> GetAuditEntryAsync(string model, string alias, long sequence, CancellationToken cancellationToken = default)
    {
        await AuditedAliasAsync(model, alias, cancellationToken).ConfigureAwait(false);
        return await ReadAuditEntryAsync(model, alias, sequence, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The alias's latest <paramref name="count"/> audit entries, newest first (fewer when its log is shorter).</summary>
    public async Task<IReadOnlyList<AuditEntry>> GetLatestAuditEntriesAsync(string model, string alias, int count, CancellationToken cancellationToken = default)
    {
        if (await AuditedAliasAsync(model, alias, cancellationToken).ConfigureAwait(false) is not { } latest) return [];
        var entries = new List<AuditEntry>();
        for (var sequence = latest.Sequence; sequence > Math.Max(0, latest.Sequence - count); sequence--)
            if (await ReadAuditEntryAsync(model, alias, sequence, cancellationToken).ConfigureAwait(false) is { } e) entries.Add(e);
        return entries;
    }

    /// <summary>The alias's record (null: never set), its latest change audited first, as every audit reader repairs it.</summary>
    private async Task<AliasRecord?> AuditedAliasAsync(string model, string alias, CancellationToken cancellationToken)
    {
        if (await _store.ReadJsonAsync<AliasRecord>(AliasPath(model, alias), cancellationToken: cancellationToken).ConfigureAwait(false) is not { } r) return null;
        await EnsureAuditedAsync(r.Value, cancellationToken).ConfigureAwait(false);
        return r.Value;
    }

    private async Task<AuditEntry?> ReadAuditEntryAsync(string model, string alias, long sequence, CancellationToken cancellationToken) =>
        (await _store.ReadJsonAsync<AuditEntry>(AuditPath(model, alias, sequence), cancellationToken: cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>
    /// Oldest first. Within one alias the sequence is the truth (its compare-and-swap chain set it), whatever the clocks of
    /// the instances that wrote the entries said; between aliases only the clocks can order them. So the entries are laid
    /// out by time, and each alias's slots are then filled with its own entries in sequence order.
    /// </summary>
    internal static List<AuditEntry> AuditOrder(IEnumerable<AuditEntry> entries)
    {
        var byTime = entries.OrderBy(e => e.At).ThenBy(e => e.Alias, StringComparer.Ordinal).ThenBy(e => e.Sequence).ToList();
        var bySequence = byTime.GroupBy(e => e.Alias, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Queue<AuditEntry>(g.OrderBy(e => e.Sequence)), StringComparer.Ordinal);
        return byTime.Select(e => bySequence[e.Alias].Dequeue()).ToList();
    }

    /// <summary>Which version the alias pointed to at <paramref name="at"/> (null: none yet).</summary>
    public async Task<int?> GetVersionAtAsync(string model, string alias, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var history = await GetHistoryAsync(model, alias, cancellationToken).ConfigureAwait(false);
        return history.Where(e => e.At <= at).OrderBy(e => e.Sequence).LastOrDefault()?.To;
    }

    /// <summary>Evaluates the policy and stores the decision with the challenger version.</summary>
    public async Task<PromotionDecision> EvaluateAsync(string model, int version, ModelComparison comparison, PromotionPolicyOptions? policy = null, CancellationToken cancellationToken = default)
    {
        await RequireVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
        var decision = PromotionPolicy.Evaluate(comparison with { ChallengerVersion = version }, policy ?? _options.Policy, _time.GetUtcNow());
        return await AppendDecisionAsync(model, version, decision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores that a person turned down (or did not approve in time) a version whose gates passed: a decision "refuse" with
    /// <paramref name="reason"/> and the gates' evidence, so the version stands refused and `promote` refuses it unless forced.
    /// Idempotent: when the latest decision already is that refusal, it is returned and nothing is written.
    /// </summary>
    public async Task<PromotionDecision> RecordRejectionAsync(string model, int version, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var latest = (await GetDecisionsAsync(model, version, cancellationToken).ConfigureAwait(false)).LastOrDefault()
            ?? throw new RegistryNotFoundException($"model '{model}' v{version} has no promotion decision to reject");
        if (latest is { Outcome: "refuse" } && latest.Reasons is [var only] && only == reason) return latest;
        var rejected = latest with { Outcome = "refuse", Passed = false, Reasons = [reason], DecidedAt = _time.GetUtcNow() };
        return await AppendDecisionAsync(model, version, rejected, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PromotionDecision> AppendDecisionAsync(string model, int version, PromotionDecision decision, CancellationToken cancellationToken)
    {
        var existing = await ListDecisionPathsAsync(model, version, cancellationToken).ConfigureAwait(false);
        for (var n = existing.Count + 1; ; n++)
            if (await _store.TryCreateAsync($"{VersionPrefix(model, version)}decisions/{n:D4}.json",
                    BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(decision, StoreJson.Options)), cancellationToken).ConfigureAwait(false))
                return decision;
    }

    /// <summary>The decisions stored with a version, oldest first.</summary>
    public async Task<IReadOnlyList<PromotionDecision>> GetDecisionsAsync(string model, int version, CancellationToken cancellationToken = default)
    {
        var list = new List<PromotionDecision>();
        foreach (var path in await ListDecisionPathsAsync(model, version, cancellationToken).ConfigureAwait(false))
            if (await _store.ReadJsonAsync<PromotionDecision>(path, cancellationToken: cancellationToken).ConfigureAwait(false) is { } d) list.Add(d.Value);
        return list;
    }

    private async Task<List<string>> ListDecisionPathsAsync(string model, int version, CancellationToken cancellationToken) =>
        (await _store.ListAllAsync($"{VersionPrefix(model, version)}decisions/", cancellationToken).ConfigureAwait(false)).Select(b => b.Path).Order(StringComparer.Ordinal).ToList();

    // ---------------------------------------------------------------- names

    public static string ValidateName(string model)
    {
        if (string.IsNullOrWhiteSpace(model) || model.Length > 64 || !model.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.') || model.StartsWith('.'))
            throw new ArgumentException($"model name '{model}' must be 1-64 letters, digits, '-', '_' or '.'.", nameof(model));
        return model;
    }

    private static string ValidateFile(string file)
    {
        if (string.IsNullOrWhiteSpace(file) || file.Split('/').Any(s => s.Length == 0 || s == "." || s == ".." || s.StartsWith(".mlops-", StringComparison.Ordinal)))
            throw new ArgumentException($"artifact file name '{file}' is not valid.", nameof(file));
        return file;
    }
}
