using System.Globalization;
using MLOps.Recommenders;
using MLOps.Recommenders.Tuning;

namespace MLOps.Workflows.Pipeline;

/// <summary>How one candidate was tuned: its trials, the configuration picked and what that gained over the defaults.</summary>
public sealed record CandidateTuning(string Candidate, string Picked, double? BestScore, double? DefaultScore, List<TrialOutcome> Trials)
{
    /// <summary>Why the candidate kept its configuration (no trial could be scored), or null when a trial was picked.</summary>
    public string? Note { get; init; }

    /// <summary>The parameters searched and the values tried, in grid order (the candidate's fixed parameters are not listed).</summary>
    public Dictionary<string, double[]>? Searched { get; init; }
}

/// <summary>The tune step's plan and pick, pure so the orchestrator replays them identically.</summary>
public static class PipelineTuning
{
    /// <summary>The most trials one candidate may ask for: each is a training run.</summary>
    public const int MaxTrialsPerCandidate = 64;

    /// <summary>Grid points of one candidate (its fixed parameters plus one searched combination each); empty when nothing is tuned.</summary>
    public static IReadOnlyList<Dictionary<string, double>> Plan(CandidateConfig candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return [.. TuningSpaces.CandidateGrid(candidate.Kind, candidate.Parameters, candidate.Search)
            .Select(point => new Dictionary<string, double>(point, StringComparer.Ordinal))];
    }

    /// <summary>
    /// The candidate to train: the trial with the best validation score (ties go to the earlier grid point; null and NaN never
    /// win), or the candidate as given when no trial was scored. The default configuration's score is reported beside the pick when it was a trial.
    /// </summary>
    public static (CandidateConfig Candidate, CandidateTuning Tuning) Pick(CandidateConfig candidate, IReadOnlyList<TrialOutcome> trials)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(trials);
        // Only a finite score counts: NaN compares false with everything, so a NaN scored first was never beaten.
        static bool Scored(TrialOutcome t) => t.Score is { } s && double.IsFinite(s);
        TrialOutcome? best = null;
        foreach (var trial in trials.Where(Scored))
            if (best is null || trial.Score > best.Score) best = trial;
        var defaults = ModelTrainer.Defaults(candidate.Kind);
        var atDefaults = trials.FirstOrDefault(t => Scored(t) && t.Parameters.All(p => defaults.TryGetValue(p.Key, out var d) && d == p.Value));
        var searched = trials.SelectMany(t => t.Parameters.Keys).Distinct(StringComparer.Ordinal)
            .Where(name => candidate.Parameters?.ContainsKey(name) != true).Order(StringComparer.Ordinal)
            .ToDictionary(name => name, name => trials.Where(t => t.Parameters.ContainsKey(name)).Select(t => t.Parameters[name]).Distinct().ToArray(), StringComparer.Ordinal);
        if (best is null)
        {
            var note = trials.Select(t => t.Note).FirstOrDefault(n => n is not null) ?? "no trial was scored";
            return (candidate with { Search = null }, new CandidateTuning(candidate.Key, candidate.Key, null, null, [.. trials]) { Note = note, Searched = searched });
        }
        var picked = new CandidateConfig(candidate.Kind, new Dictionary<string, double>(best.Parameters, StringComparer.Ordinal));
        return (picked, new CandidateTuning(candidate.Key, picked.Key, best.Score, atDefaults?.Score, [.. trials]) { Searched = searched });
    }

    /// <summary>
    /// What the registered version's notes say about how its parameters were chosen: the parameters searched with the values
    /// tried, on what, and the validation score against the defaults' — `models show` otherwise lists the parameters alone.
    /// </summary>
    public static string RegistryNote(CandidateTuning tuning)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        var c = CultureInfo.InvariantCulture;
        var space = string.Join(" × ", (tuning.Searched ?? []).Select(axis => $"{axis.Key} {{{string.Join(", ", axis.Value.Select(v => v.ToString(c)))}}}"));
        var tried = tuning.Trials.Count == 1 ? "1 trial" : $"{tuning.Trials.Count} trials";
        var on = $"on each user's {RecommenderTrainer.HoldOut} latest training interactions";
        if (tuning.BestScore is not { } best) return $"tuning {space} ({tried} {on}) kept it as given: {tuning.Note}";
        var versus = tuning.DefaultScore is { } d ? string.Create(c, $"; {d:0.0000} at the defaults") : "";
        return string.Create(c, $"tuned {space} in {tried} {on}: validation {RecommenderTrainer.PrimaryMetric} {best:0.0000}{versus}");
    }

    /// <summary>One summary line: what was tried, on what, and what was picked.</summary>
    public static string Describe(CandidateTuning tuning)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        var c = CultureInfo.InvariantCulture;
        var tried = tuning.Trials.Count == 1 ? "1 trial" : $"{tuning.Trials.Count} trials";
        if (tuning.BestScore is not { } best) return $"tuning {tuning.Candidate}: {tried}, kept as given ({tuning.Note})";
        var versus = tuning.DefaultScore is { } d ? string.Create(c, $"; {d:0.0000} at the defaults") : "";
        // Summed over the trials (they run side by side): the training time tuning this candidate cost, not the step's wall time.
        var seconds = tuning.Trials.Sum(t => t.Seconds);
        return string.Create(c, $"tuning {tuning.Candidate}: {tried} ({seconds:0.0} s of training); picked {tuning.Picked}, validation {RecommenderTrainer.PrimaryMetric} {best:0.0000}{versus}");
    }
}
