using System.CommandLine;
using System.Text.Json.Serialization;
using MLOps.Core;
using MLOps.Registry;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>mlops models list|show [VERSION]|history|promote VERSION|rollback|reproduce VERSION|compare A B</c> (docs/registry.md).</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name.", DefaultValueFactory = _ => ModelRegistry.DefaultModel, Recursive = true };
        var command = new Command("models", "The model registry: versions, aliases (champion, challenger, previous), audit, promotion, rollback.") { model };

        var list = new Command("list", "Versions of the model with their aliases and primary metric.");
        list.SetRegistryAction(async (context, ct) =>
        {
            var registry = Open(context);
            var summary = await SummaryOrEmptyAsync(registry, context.Parse.GetValue(model)!, ct).ConfigureAwait(false);
            // What a run that kept the champion trained, and why it was refused, is in each version's standing.
            summary = summary with { Standings = await VersionStandings.ReadAsync(registry, summary, ct).ConfigureAwait(false) };
            var standingOf = summary.Standings.ToDictionary(s => s.Version);
            context.Result(summary, console =>
            {
                if (summary.Versions.Count == 0)
                {
                    console.MarkupLine(Markup.Escape($"Model '{summary.Model}' has no versions yet: `mlops pipeline run --wait` (or `mlops demo`) trains and registers one."));
                    return;
                }
                var table = new Table().AddColumns("version", "standing", "type", "ndcg@10", "snapshot", "created", "instance");
                foreach (var v in summary.Versions)
                {
                    var standing = standingOf[v.Version];
                    var text = standing.Standing == "refused" ? $"refused: {standing.Reason}" : standing.Standing;
                    table.AddRow(v.Version.ToString(), Markup.Escape(text), Markup.Escape(v.Type), Markup.Escape(Metric(v, "ndcg@10")),
                        Markup.Escape(v.TrainingSnapshotId ?? "-"), v.CreatedAt.ToString("u"), Markup.Escape(v.SourceInstance ?? "-"));
                }
                console.Write(table);
                console.WriteLine(ChampionLine(summary));
            });
            return ExitCodes.Done;
        });

        var versionArg = new Argument<int?>("VERSION") { Description = "Version number (default: the champion).", Arity = ArgumentArity.ZeroOrOne };
        var show = new Command("show", "A version's manifest and its promotion decisions (evidence).") { versionArg };
        show.SetRegistryAction(async (context, ct) =>
        {
            var registry = Open(context);
            var name = context.Parse.GetValue(model)!;
            var version = context.Parse.GetValue(versionArg)
                ?? (await registry.GetAliasAsync(name, ModelAliases.Champion, ct).ConfigureAwait(false))?.Record.Version
                ?? throw new CliUsageException((await registry.ListVersionsAsync(name, ct).ConfigureAwait(false)).Count == 0
                    ? $"model '{name}' has no versions yet: `mlops pipeline run --wait` (or `mlops demo`) trains and registers one"
                    : $"model '{name}' has no champion; name a VERSION (`mlops models list` shows them)");
            var manifest = await VersionArgument.ManifestAsync(registry, name, version, ct).ConfigureAwait(false);
            var decisions = await registry.GetDecisionsAsync(name, version, ct).ConfigureAwait(false);
            var artifactPurge = await registry.GetArtifactPurgeAsync(name, version, ct).ConfigureAwait(false);
            context.Result(new { manifest, decisions, artifactPurge }, console =>
            {
                var rows = new List<(string Key, string Value)>();
                void Row(string k, string? v) => rows.Add((k, v ?? "-"));
                Row("model", manifest.Model); Row("version", manifest.Version.ToString()); Row("type", manifest.Type);
                Row("parameters", string.Join(", ", manifest.Parameters.Select(p => $"{p.Key}={p.Value}")));
                Row("training snapshot", manifest.TrainingSnapshotId); Row("data cutoff", manifest.DataCutoff?.ToString("u"));
                Row("evaluation window", manifest.EvaluationWindow); Row("seed", manifest.Seed?.ToString()); Row("code version", manifest.CodeVersion);
                Row("size", $"{manifest.TotalBytes:N0} bytes in {manifest.Sizes.Count} files"); Row("instance", manifest.SourceInstance);
                if (artifactPurge is { } purged) Row("artifact", $"artifact purged on {purged.PurgedAt:u} (rebuild with models reproduce {version})");
                // One "sha256" line per file: the file name in the key would widen every line's key column.
                foreach (var (file, digest) in manifest.Sha256.OrderBy(d => d.Key, StringComparer.Ordinal)) Row("sha256", $"{digest}  {file}");
                Row("created", manifest.CreatedAt.ToString("u"));
                // The pipeline's notes say which candidate this was and how tuning chose its parameters.
                if (manifest.Notes is { Length: > 0 } notes) Row("notes", notes);
                // The run's other candidates are not registered: their figures are here ("what else did last night's run train").
                foreach (var c in manifest.RunCandidates ?? [])
                    Row("run candidate", $"{c.Key}: ndcg@10 {(c.Metrics.TryGetValue("ndcg@10", out var ndcg) ? ndcg.ToString("F4") : "-")}, trained in {c.TrainSeconds:0.0} s");
                KeyValueLines.Write(console, rows);
                var metrics = new Table().AddColumns("metric", "value", "95% interval");
                foreach (var (k, m) in manifest.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
                    metrics.AddRow(Markup.Escape(k), m.Value.ToString("F4"), m.Lower is { } lo && m.Upper is { } hi ? Markup.Escape($"[{lo:F4}, {hi:F4}]") : "-");
                console.Write(metrics);
                foreach (var d in decisions) WriteDecision(console, d);
            });
            return ExitCodes.Done;
        });

        var aliasOption = new Option<string?>("--alias") { Description = "Only this alias (champion, challenger, previous)." };
        var atOption = UtcTimeOption.Create("--at", "Also answer: which version was champion at this time (ISO 8601).");
        var history = new Command("history", "The audit log of alias changes, oldest first.") { aliasOption, atOption };
        history.SetRegistryAction(async (context, ct) =>
        {
            var registry = Open(context);
            var name = context.Parse.GetValue(model)!;
            var entries = await registry.GetHistoryAsync(name, context.Parse.GetValue(aliasOption), ct).ConfigureAwait(false);
            var at = context.Parse.GetValue(atOption);
            int? championAt = at is { } t ? await registry.GetVersionAtAsync(name, ModelAliases.Champion, t, ct).ConfigureAwait(false) : null;
            context.Result(new HistoryView(name, entries, at, championAt), console =>
            {
                var table = new Table().AddColumns("when", "alias", "#", "action", "from", "to", "by", "reason");
                foreach (var e in entries)
                    table.AddRow(e.At.ToString("u"), e.Alias, e.Sequence.ToString(), e.Action + (e.Forced ? " (forced)" : ""),
                        e.From?.ToString() ?? "-", e.To?.ToString() ?? "-", Markup.Escape(e.By), Markup.Escape(e.Reason ?? ""));
                // An empty table reads like a display fault; say what it means, as `models list` and `keys list` do.
                if (entries.Count == 0)
                    console.WriteLine(context.Parse.GetValue(aliasOption) is { } only
                        ? $"model '{name}' has no changes of alias '{only}' yet"
                        : $"model '{name}' has no alias changes yet (a promotion or rollback records one)");
                else console.Write(table);
                if (at is { } when) console.MarkupLine($"champion at {when:u}: {(championAt is { } v ? $"v{v}" : "none")}");
            });
            return ExitCodes.Done;
        });

        var promoteVersion = new Argument<int>("VERSION") { Description = "The version to make champion." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log; not blank)." };
        var force = new Option<bool>("--force") { Description = "Promote without passing evidence (recorded as forced)." };
        var approve = new Option<bool>("--approve") { Description = "Approve as the person running the command (for policies that require approval)." };
        var promote = new Command("promote", "Make VERSION the champion if its stored evidence passes the gates (compare-and-swap; audited).") { promoteVersion, reason, force, approve };
        promote.SetRegistryAction(async (context, ct) =>
        {
            var registry = Open(context);
            var name = context.Parse.GetValue(model)!;
            var version = VersionArgument.Valid(context.Parse.GetValue(promoteVersion));
            try
            {
                var result = await registry.PromoteAsync(name, version, new PromoteRequest
                {
                    By = Who(), Reason = FreeText.CheckReason(context.Parse.GetValue(reason), "--reason", RegistryApi.MaxReasonLength), Force = context.Parse.GetValue(force), UseStoredDecision = true,
                    ApprovedBy = context.Parse.GetValue(approve) ? Who() : null,
                }, ct).ConfigureAwait(false);
                await FlushAsync(context).ConfigureAwait(false);
                context.Result(result, console => console.MarkupLine(result.Changed
                    ? $"champion of {Markup.Escape(name)}: v{result.Entry.From?.ToString() ?? "-"} -> v{result.Entry.To} (audit #{result.Entry.Sequence})"
                    : $"v{version} is already the champion of {Markup.Escape(name)}"));
                return ExitCodes.Done;
            }
            catch (PromotionRefusedException e)
            {
                if (context.Json) Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { refused = true, reason = e.Message, decision = e.Decision }, MLOps.Storage.StoreJson.Indented));
                else if (e.Decision is { } d) WriteDecision(context.Human, d);
                Console.Error.WriteLine($"refused: {e.Message}");
                return ExitCodes.Failed;
            }
        });

        var ifChampion = new Option<int?>("--if-champion") { Description = "Roll back only while VERSION is the champion (else a conflict naming who moved it): a second rollback would undo the first." };
        var rollback = new Command("rollback", "Make the previous champion the champion again (one call; audited).") { reason, ifChampion };
        rollback.SetRegistryAction(async (context, ct) =>
        {
            var registry = Open(context);
            var name = context.Parse.GetValue(model)!;
            if (context.Parse.GetValue(ifChampion) is < 1 and var bad) throw new CliUsageException($"--if-champion must be a version number (1 or more), not {bad}");
            var result = await registry.RollbackAsync(name, new RollbackRequest
            {
                By = Who(), Reason = FreeText.CheckReason(context.Parse.GetValue(reason), "--reason", RegistryApi.MaxReasonLength), ExpectedChampion = context.Parse.GetValue(ifChampion),
            }, ct).ConfigureAwait(false);
            await FlushAsync(context).ConfigureAwait(false);
            context.Result(result, console => console.MarkupLine(Markup.Escape(
                $"rolled back {name}: champion v{result.Entry.From} -> v{result.Entry.To} (audit #{result.Entry.Sequence}); "
                + $"undo with `mlops models rollback --if-champion {result.Entry.To}`")));
            return ExitCodes.Done;
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        command.Subcommands.Add(history);
        command.Subcommands.Add(promote);
        command.Subcommands.Add(rollback);
        command.Subcommands.Add(ModelsReproduceCommand.Create(model));
        command.Subcommands.Add(ModelsCompareCommand.Create(model));
        return command;
    }

    private static AliasNotifier? _notifier;

    /// <summary>The verb contract for registry errors: unknown model or version exit 2, a lost compare-and-swap exit 1 ("conflict: …").</summary>
    private static void SetRegistryAction(this Command command, Func<CliContext, CancellationToken, Task<int>> body) =>
        command.SetVerbAction(async (context, ct) =>
        {
            try
            {
                return await body(context, ct).ConfigureAwait(false);
            }
            catch (RegistryNotFoundException e)
            {
                throw new CliUsageException(e.Message);
            }
            catch (ArtifactPurgedException e)
            {
                throw new CliUsageException($"refused: {e.Message}");
            }
            catch (RegistryConflictException e)
            {
                Console.Error.WriteLine(e.Message.StartsWith("conflict", StringComparison.Ordinal) ? e.Message : $"conflict: {e.Message}");
                return ExitCodes.Failed;
            }
        });

    internal static ModelRegistry Open(CliContext context)
    {
        // The same "Registry" settings as the hosts (Registry__Policy__RequireApproval=true …), from the environment,
        // so a promotion from the CLI meets the policy the deployed service enforces.
        var options = CliSettings.Bind<RegistryOptions>("Registry");
        if (Environment.GetEnvironmentVariable("MLOPS_REGISTRY_WEBHOOKS") is { Length: > 0 } hooks)
            options.Webhooks.AddRange(hooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        options.QueueConnectionString = Environment.GetEnvironmentVariable("MLOPS_REGISTRY_QUEUE");
        _notifier = AliasNotifier.FromOptions(options, new HttpClient());
        return new ModelRegistry(context.Store, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(options), _notifier);
    }

    private static Task FlushAsync(CliContext context) => _notifier?.FlushAsync(TimeSpan.FromSeconds(30)) ?? Task.CompletedTask;

    private static string Who() => CliActor.Resolve(null, $"cli:{Environment.UserName}");

    /// <summary>
    /// A store nothing has been registered in yet lists no versions (exit 0), like an empty table; a name that is not one
    /// of the store's models stays a usage error naming them, so a typo is not read as "nothing trained".
    /// </summary>
    private static async Task<ModelSummary> SummaryOrEmptyAsync(ModelRegistry registry, string model, CancellationToken ct)
    {
        try
        {
            return await registry.GetModelAsync(model, ct).ConfigureAwait(false);
        }
        catch (RegistryNotFoundException)
        {
            var known = await registry.ListModelsAsync(ct).ConfigureAwait(false);
            if (known.Count > 0)
                throw new CliUsageException($"model '{model}' has no versions; the store's models: {string.Join(", ", known)}");
            return new ModelSummary { Model = model, Aliases = new Dictionary<string, AliasView>(), Versions = [] };
        }
    }

    /// <summary>
    /// What on-call asks first: which version is champion, since when, by which change, who approved it and why, and what a
    /// rollback would restore. (The table alone named the champion but not when or why it became one.)
    /// </summary>
    internal static string ChampionLine(ModelSummary summary)
    {
        if (!summary.Aliases.TryGetValue(ModelAliases.Champion, out var c) || c.Version is not { } version)
            return "champion: none yet";
        var type = summary.Versions.FirstOrDefault(v => v.Version == version)?.Type;
        var line = $"champion: v{version}{(type is null ? "" : $" ({type})")} since {c.ChangedAt:u}, {c.Action ?? "set"}{(c.Forced ? " (forced)" : "")} by {c.By}"
            + (c.ApprovedBy is { Length: > 0 } approver ? $", approved by {approver}" : "")
            + $" (audit #{c.Sequence})" + (c.Reason is { Length: > 0 } why ? $": {why}" : "");
        var previous = summary.Aliases.TryGetValue(ModelAliases.Previous, out var p) ? p.Version : null;
        return line + (previous is { } pv ? $"\n`mlops models rollback --if-champion {version}` would restore v{pv}" : "\nno previous champion: nothing to roll back to");
    }

    private static string Metric(ModelVersionManifest v, string name) =>
        v.Metrics.TryGetValue(name, out var m) ? m.Value.ToString("F4") + (m.Lower is { } lo && m.Upper is { } hi ? $" [{lo:F4}, {hi:F4}]" : "") : "-";

    private static void WriteDecision(IAnsiConsole console, PromotionDecision d)
    {
        console.MarkupLine($"decision {d.DecidedAt:u}: [bold]{d.Outcome}[/] vs {Markup.Escape(d.Comparison.Baseline)}" +
            (d.Comparison.ChampionVersion is { } cv ? $" v{cv}" : "") + $" on {Markup.Escape(d.Comparison.EvaluationWindow ?? "(window not named)")}");
        var table = new Table().AddColumns("check", "metric", "champion", "challenger", "diff", "interval", "rule", "pass");
        foreach (var r in d.Evidence)
            table.AddRow(r.Check, Markup.Escape(r.Metric), F(r.Champion), F(r.Challenger), F(r.Difference),
                r.Lower is { } lo && r.Upper is { } hi ? Markup.Escape($"[{lo:F4}, {hi:F4}]") : "-", Markup.Escape(r.Rule), r.Passed ? "yes" : "[red]no[/]");
        console.Write(table);
        foreach (var reason in d.Reasons) console.MarkupLine($"  {Markup.Escape(reason)}");
        static string F(double? v) => v is { } x ? x.ToString("G4") : "-";
    }

    // The store's JSON leaves nulls out; "championAt": null answers "no champion at --at" (and HTTP writes both keys), so
    // the documented {model, entries, at, championAt} is always whole.
    private sealed record HistoryView(string Model, IReadOnlyList<AuditEntry> Entries,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? At,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? ChampionAt);
}
