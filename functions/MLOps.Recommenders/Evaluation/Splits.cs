namespace MLOps.Recommenders.Evaluation;

/// <summary>A train/test split over one user and item index space. <see cref="Test"/>[u] holds user u's relevant test items (empty when none).</summary>
public sealed record Split(string Protocol, TrainingData Train, IReadOnlyList<int[]> Test)
{
    /// <summary>Users with at least one test item.</summary>
    public IEnumerable<int> TestUsers => Enumerable.Range(0, Test.Count).Where(u => Test[u].Length > 0);
    public int TestInteractionCount => Test.Sum(t => t.Length);
}

public enum StratifyBy { User, Item }

/// <summary>How many of a group's n shuffled interactions go to train (see <see cref="Splits.Stratified"/>).</summary>
public enum StratifiedCut { RoundHalfEven, RankFraction }

/// <summary>The evaluation protocols of docs/evaluation.md.</summary>
public static class Splits
{
    /// <summary>
    /// Recommenders' <c>python_stratified_split</c>, row for row: <c>np.random.seed(seed)</c>, one <c>np.random.rand()</c> per source
    /// row (<see cref="TrainingData.SourcePositions"/>: a MovieLens file's line order), each user's (or item's) interactions ordered
    /// by their draw, and the first ones to train — round(ratio·n), half to even, as their splitter did until 2023
    /// (<see cref="StratifiedCut.RoundHalfEven"/>, the wording), or those whose rank/n ≤ ratio, as it does since
    /// (<see cref="StratifiedCut.RankFraction"/>). The rest is test. The seed's 32 bits are NumPy's seed (−1 = 4294967295).
    /// Because the draws follow source rows, the same interactions given in another order split differently (as in pandas), and
    /// de-duplicated pairs count once where pandas would count each row: row for row holds for inputs without duplicate pairs
    /// (both MovieLens sets). Train sets built with <see cref="TrainingData.With"/> number their rows in the order given.
    /// </summary>
    public static Split Stratified(TrainingData data, double ratio = 0.75, int seed = 42, StratifyBy by = StratifyBy.User, StratifiedCut cut = StratifiedCut.RoundHalfEven)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (ratio is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(ratio), "The train ratio must lie strictly between 0 and 1.");
        var all = data.Interactions;
        var positions = data.SourcePositions.ToArray();
        var draws = new NumpyRandomState(unchecked((uint)seed)).NextDoubles(data.SourceRowCount);
        var order = new double[all.Length];
        for (var n = 0; n < all.Length; n++) order[n] = draws[positions[n]];
        var groups = new List<int>[by == StratifyBy.User ? data.UserCount : data.ItemCount];
        for (var n = 0; n < all.Length; n++) (groups[by == StratifyBy.User ? all[n].User : all[n].Item] ??= []).Add(n);
        var train = new List<Interaction>(all.Length);
        var test = new List<Interaction>(all.Length / 3);
        foreach (var group in groups)
        {
            if (group is null) continue;
            group.Sort((a, b) => order[a] != order[b] ? order[a].CompareTo(order[b]) : positions[a].CompareTo(positions[b]));
            var trainCount = TrainCount(group.Count, ratio, cut);
            for (var rank = 0; rank < group.Count; rank++) (rank < trainCount ? train : test).Add(all[group[rank]]);
        }
        var suffix = cut == StratifiedCut.RankFraction ? "-fraction" : "";
        return Build($"stratified-{by.ToString().ToLowerInvariant()}-{ratio:0.##}{suffix}", data, train, test);
    }

    /// <summary>How many of a group's n ordered rows go to train: round(ratio·n) half to even, or the ranks r (1-based) with r/n ≤ ratio.</summary>
    private static int TrainCount(int n, double ratio, StratifiedCut cut)
    {
        if (cut == StratifiedCut.RoundHalfEven) return (int)Math.Round(ratio * n, MidpointRounding.ToEven);
        var count = 0;
        while (count < n && (double)(count + 1) / n <= ratio) count++;
        return count;
    }

    /// <summary>
    /// Global time cutoff: interactions before the <paramref name="trainFraction"/> quantile of timestamps train, the rest test.
    /// Test keeps only users and items that also appear in train (a model cannot rank what it never saw; cold start is measured apart).
    /// A title counts from the user's first view of it (<see cref="TrainingData.FirstTimestamps"/>): one first seen before the cutoff
    /// trains even when re-watched after it, so the test holds only titles new to the user.
    /// </summary>
    public static Split Chronological(TrainingData data, double trainFraction = 0.8)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(trainFraction > 0 && trainFraction < 1)) throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "The train share of a chronological split lies strictly between 0 and 1.");
        var times = data.FirstTimestamps.ToArray();
        Array.Sort(times);
        if (times.Length == 0) throw new InvalidDataException("No interactions to split.");
        var cutoff = times[Math.Clamp((int)(trainFraction * times.Length), 0, times.Length - 1)];
        return Chronological(data, cutoff);
    }

    /// <summary>Global time cutoff at <paramref name="cutoffUnixSeconds"/>: titles first viewed before it train, the rest test.</summary>
    public static Split Chronological(TrainingData data, long cutoffUnixSeconds)
    {
        ArgumentNullException.ThrowIfNull(data);
        var train = new List<Interaction>();
        var test = new List<Interaction>();
        var interactions = data.Interactions;
        var first = data.FirstTimestamps;
        for (var n = 0; n < interactions.Length; n++)
        {
            var x = interactions[n];
            // A re-watch after the cutoff must not leak its time into train: the pair trains at its first view.
            if (first[n] < cutoffUnixSeconds) train.Add(x.Timestamp < cutoffUnixSeconds ? x : x with { Timestamp = first[n] });
            else test.Add(x);
        }
        var seenUsers = new bool[data.UserCount];
        var seenItems = new bool[data.ItemCount];
        foreach (var x in train) { seenUsers[x.User] = true; seenItems[x.Item] = true; }
        test.RemoveAll(x => !seenUsers[x.User] || !seenItems[x.Item]);
        return Build($"chronological@{DateTimeOffset.FromUnixTimeSeconds(cutoffUnixSeconds):yyyy-MM-ddTHH:mm:ssZ}", data, train, test);
    }

    /// <summary>
    /// Leave-last-n-out: each user's n newest titles test (users with more than n), the rest train. "Newest" is by first view
    /// (ties by item), so a re-watched old title stays in train; train interactions re-watched after the first held-out title
    /// train at their first view, so the held-out period leaks no time into train.
    /// </summary>
    public static Split LeaveLastOut(TrainingData data, int n = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var train = new List<Interaction>();
        var test = new List<Interaction>();
        for (var u = 0; u < data.UserCount; u++)
        {
            var xs = data.UserInteractions(u).ToArray();
            var first = data.UserFirstTimestamps(u).ToArray();
            var order = Enumerable.Range(0, xs.Length).OrderBy(i => first[i]).ThenBy(i => xs[i].Item).ToArray();
            var cut = xs.Length > n ? xs.Length - n : xs.Length;
            var heldOutFrom = cut < xs.Length ? first[order[cut]] : long.MaxValue;
            for (var k = 0; k < order.Length; k++)
            {
                var x = xs[order[k]];
                if (k >= cut) test.Add(x);
                else train.Add(x.Timestamp < heldOutFrom ? x : x with { Timestamp = first[order[k]] });
            }
        }
        return Build($"leave-last-{n}", data, train, test);
    }

    private static Split Build(string protocol, TrainingData data, List<Interaction> train, List<Interaction> test)
    {
        var perUser = new List<int>[data.UserCount];
        foreach (var x in test) (perUser[x.User] ??= []).Add(x.Item);
        var testSets = perUser.Select(l => l is null ? [] : l.Distinct().Order().ToArray()).ToArray();
        return new Split(protocol, data.With(train), testSets);
    }
}
