namespace MLOps.Registry;

/// <summary>
/// Where a version stands: <c>champion</c>, <c>challenger</c>, <c>previous</c> (the aliases on it, comma-separated),
/// <c>retired</c> (was champion, no alias now), <c>refused</c> (its latest decision did not pass, or a person turned it
/// down), <c>awaiting-approval</c>, <c>passed</c> (gates passed, never promoted) or <c>unevaluated</c> (no decision).
/// </summary>
/// <param name="Reason">refused: the first reason of the latest decision; passed: what it was compared with; else null.</param>
public sealed record VersionStanding(int Version, string Standing, string? Reason = null);

/// <summary>Each version's standing, from the aliases, the champion's audit log and the latest stored decision (docs/registry.md).</summary>
public static class VersionStandings
{
    public static async Task<IReadOnlyList<VersionStanding>> ReadAsync(ModelRegistry registry, ModelSummary summary, CancellationToken cancellationToken)
    {
        if (summary.Versions.Count == 0) return [];
        var everChampion = (await registry.GetHistoryAsync(summary.Model, ModelAliases.Champion, cancellationToken).ConfigureAwait(false))
            .Where(e => e.To is not null).Select(e => e.To!.Value).ToHashSet();
        var standings = new List<VersionStanding>();
        foreach (var v in summary.Versions)
        {
            var latest = (await registry.GetDecisionsAsync(summary.Model, v.Version, cancellationToken).ConfigureAwait(false)).LastOrDefault();
            standings.Add(Of(v.Version, summary.Aliases, latest, everChampion.Contains(v.Version)));
        }
        return standings;
    }

    public static VersionStanding Of(int version, IReadOnlyDictionary<string, AliasView> aliases, PromotionDecision? latest, bool wasChampion)
    {
        var on = ModelAliases.All.Where(a => aliases.TryGetValue(a, out var view) && view.Version == version).ToList();
        if (on.Count > 0) return new(version, string.Join(", ", on));
        if (wasChampion) return new(version, "retired");
        if (latest is null) return new(version, "unevaluated");
        if (!latest.Passed) return new(version, "refused", FirstLine(latest.Reasons.FirstOrDefault() ?? latest.Outcome));
        if (latest.Outcome == "await-approval") return new(version, "awaiting-approval");
        var against = latest.Comparison.ChampionVersion is { } champion ? $"champion v{champion}" : latest.Comparison.Baseline;
        return new(version, "passed", $"passed the gates against {against}; not promoted");
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');
}
