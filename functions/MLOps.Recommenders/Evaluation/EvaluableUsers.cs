namespace MLOps.Recommenders.Evaluation;

/// <summary>
/// The users a split can be evaluated on: test users with at least one candidate left (an item with a train interaction they
/// have not seen). Every model is averaged over exactly these users, so the set depends on the split alone; when it is empty
/// a mean would be over nothing, and <see cref="Evaluator"/> refuses rather than report 0.
/// </summary>
public static class EvaluableUsers
{
    /// <summary>The evaluable users of <paramref name="split"/>, in ascending index order.</summary>
    public static int[] Of(Split split)
    {
        ArgumentNullException.ThrowIfNull(split);
        var counts = split.Train.ItemCounts.ToArray();
        var candidates = CandidateItems(split.Train);
        return split.TestUsers.Where(u => HasCandidates(split.Train.History(u), counts, candidates)).ToArray();
    }

    /// <summary>Items with at least one train interaction: the only ones a list can hold (the Recommenders protocol).</summary>
    public static int CandidateItems(TrainingData train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var count = 0;
        foreach (var c in train.ItemCounts) if (c > 0) count++;
        return count;
    }

    /// <summary>Why <paramref name="split"/> has no evaluable user, or null when it has some.</summary>
    public static string? WhyNone(Split split)
    {
        ArgumentNullException.ThrowIfNull(split);
        var name = $"the '{split.Protocol}' split";
        if (split.TestInteractionCount == 0)
            return $"{name} holds no test interaction ({split.Train.InteractionCount} train, 0 test), so there is no user to evaluate on";
        if (split.Train.InteractionCount == 0)
            return $"{name} holds no train interaction, so no item can be recommended to its {split.TestUsers.Count()} test users";
        if (Of(split).Length == 0)
            return $"each of the {split.TestUsers.Count()} test users of {name} has already seen every item with a train interaction, so none can get a list";
        return null;
    }

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> ("No user can be evaluated: …", bad input rather than a failed model) when
    /// <paramref name="split"/> has no evaluable user.
    /// </summary>
    public static void Require(Split split)
    {
        if (WhyNone(split) is { } why) throw new InvalidDataException($"No user can be evaluated: {why}.");
    }

    /// <summary>A user with no candidate left (every train item already seen) gets no list from any model: not a miss, not counted.</summary>
    private static bool HasCandidates(ReadOnlySpan<int> history, ReadOnlySpan<int> counts, int candidates)
    {
        var seen = 0;
        foreach (var h in history) if (counts[h] > 0) seen++;
        return seen < candidates;
    }
}
