using System.Buffers;
using MLOps.Recommenders;

namespace MLOps.Serving.Model;

/// <summary>A user's precomputed best unseen items (best first); Complete when every scorable item is in the list.</summary>
public sealed record UserCandidates(UserState State, int[] Items, float[] Scores, bool Complete);

/// <summary>
/// A loaded recommender bound to the serving item space: translates histories into the model's index and
/// scatters its scores back. Items the model does not know score <see cref="float.NegativeInfinity"/>.
/// Immutable, so a request that took a reference keeps using it across a swap.
/// </summary>
public sealed class ServingModel
{
    private readonly IRecommender _recommender;
    private readonly int[] _toModel;   // serving index -> model index (-1 unknown)
    private readonly int[] _toServing; // model index -> serving index (-1 unknown)
    private readonly bool _identity;

    public ServingModel(ModelRef model, IRecommender recommender, ItemIndex servingItems)
    {
        Ref = model;
        _recommender = recommender;
        _toModel = new int[servingItems.Count];
        _toServing = new int[recommender.Items.Count];
        Array.Fill(_toServing, -1);
        var identity = servingItems.Count == recommender.Items.Count;
        for (var i = 0; i < servingItems.Count; i++)
        {
            _toModel[i] = recommender.Items.TryGetIndex(servingItems[i], out var m) ? m : -1;
            if (_toModel[i] >= 0) _toServing[_toModel[i]] = i;
            identity &= _toModel[i] == i;
        }
        _identity = identity;
    }

    public const int CandidateCount = 200;
    public const int CandidateCacheLimit = 200_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, UserCandidates> _candidates = new(StringComparer.Ordinal);

    public ModelRef Ref { get; }

    /// <summary>The same model bound to reloaded serving data (new titles, other indices); its candidate cache starts empty.</summary>
    public ServingModel Rebind(ItemIndex servingItems) => new(Ref, _recommender, servingItems);

    /// <summary>
    /// The user's best <see cref="CandidateCount"/> unseen items by this model, computed on first use and kept until the
    /// user's state changes (fresh events make a new <see cref="UserState"/>) or the model is swapped out (the cache
    /// lives in this object). Bounded: cleared when it holds <c>200,000</c> users.
    /// </summary>
    public UserCandidates CandidatesFor(string userId, UserState user)
    {
        if (_candidates.TryGetValue(userId, out var cached) && ReferenceEquals(cached.State, user)) return cached;
        var scores = ArrayPool<float>.Shared.Rent(_toModel.Length);
        try
        {
            var span = scores.AsSpan(0, _toModel.Length);
            Score(user.History, span);
            user.MaskSeen(span);
            var top = Ranking.TopK(span, CandidateCount);
            var values = new float[top.Length];
            for (var i = 0; i < top.Length; i++) values[i] = span[top[i]];
            var fresh = new UserCandidates(user, top, values, top.Length < CandidateCount);
            if (_candidates.Count >= CandidateCacheLimit) _candidates.Clear();
            _candidates[userId] = fresh;
            return fresh;
        }
        finally { ArrayPool<float>.Shared.Return(scores); }
    }
    public string Kind => _recommender.Kind;

    /// <summary>
    /// True when the model can score from this serving item: it is in the model's index and the model learned something
    /// about it (EASE models only its <c>max_items</c> most-interacted titles; an item without training interactions
    /// carries nothing). Otherwise similar titles, "because you watched" rows and cold-start reasons take their fallbacks
    /// instead of listing the catalogue in index order with score 0.
    /// </summary>
    public bool Knows(int servingItem) => _toModel[servingItem] is var m and >= 0 && _recommender.Covers(m);

    /// <summary>
    /// The watched title (serving index) that adds most to <paramref name="servingItem"/>'s score by this model, or -1 when the
    /// model does not attribute its scores exactly (<see cref="IRecommender.TopContributor"/>) or the item is not in it.
    /// </summary>
    public int TopContributor(ReadOnlySpan<int> history, int servingItem)
    {
        var item = _toModel[servingItem];
        if (item < 0) return -1;
        if (_identity) return _recommender.TopContributor(history, item) is var p and >= 0 ? history[p] : -1;
        var mapped = history.Length <= 512 ? stackalloc int[history.Length] : new int[history.Length];
        var n = ToModel(history, mapped);
        return _recommender.TopContributor(mapped[..n], item) is var q and >= 0 ? _toServing[mapped[q]] : -1;
    }

    /// <summary>The history's titles the model knows, as model indices, into <paramref name="mapped"/>; returns how many.</summary>
    private int ToModel(ReadOnlySpan<int> history, Span<int> mapped)
    {
        var n = 0;
        foreach (var h in history)
            if (_toModel[h] is var m and >= 0) mapped[n++] = m;
        return n;
    }

    /// <summary>Scores every serving item for a history of serving indices (most recent last).</summary>
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        if (_identity)
        {
            _recommender.Score(history, scores);
            return;
        }
        var mapped = history.Length <= 512 ? stackalloc int[history.Length] : new int[history.Length];
        var n = ToModel(history, mapped);
        var buffer = ArrayPool<float>.Shared.Rent(_toServing.Length);
        try
        {
            var modelScores = buffer.AsSpan(0, _toServing.Length);
            _recommender.Score(mapped[..n], modelScores);
            scores.Fill(float.NegativeInfinity);
            for (var m = 0; m < modelScores.Length; m++)
                if (_toServing[m] is var s and >= 0) scores[s] = modelScores[m];
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }
}
