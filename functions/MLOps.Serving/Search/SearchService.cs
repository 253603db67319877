using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Core;
using MLOps.Serving.Model;

namespace MLOps.Serving.Search;

public sealed record SearchResponse(string Query, string? UserId, string Mode, bool SemanticFallback, IReadOnlyList<RecommendedItem> Items);

/// <summary>
/// Personalized search: lexical hits (Lucene) — fused with semantic hits by reciprocal rank when Azure OpenAI is
/// configured — then re-ranked by the user's genre affinity: final = (1 - w)·relevance + w·affinity, both in [0, 1].
/// When the embedding call fails (429 after retries, timeout, error) the lexical result is served and marked.
/// </summary>
public sealed partial class SearchService(ModelHost host, IOptions<ServingOptions> options, ILogger<SearchService> logger,
    IEmbeddingClient? embeddings = null) : BackgroundService
{
    private static readonly Counter<long> Fallbacks = Telemetry.Meter.CreateCounter<long>(
        "mlops.serving.search.semantic_fallbacks", "{request}", "Searches served lexically because the embedding call failed.");
    /// <summary>A response's mode: lexical only, or lexical fused with semantic hits.</summary>
    public static readonly string[] Modes = ["lexical", "hybrid"];
    private const int Candidates = 50;
    private const int RrfK = 60;

    private readonly Lock _gate = new();
    private (ServingData Data, LexicalIndex Index)? _lexical;
    /// <summary>The semantic index and the data it was built from (its hits are that data's item indices), swapped together.</summary>
    private sealed record SemanticState(SemanticIndex Index, ServingData Data);
    private SemanticState? _semantic;

    public bool SemanticConfigured => embeddings is not null;
    public bool SemanticReady => _semantic is not null;
    /// <summary>Titles the semantic index covers (0 until it is built).</summary>
    public int SemanticTitles => _semantic?.Index.Count ?? 0;
    /// <summary>Why the catalogue could not be embedded (last attempt), for /ready and diagnostics.</summary>
    public string? SemanticError { get; private set; }

    public LexicalIndex LexicalFor(ServingData data)
    {
        var current = _lexical;
        if (current is { } c && ReferenceEquals(c.Data, data)) return c.Index;
        lock (_gate)
        {
            if (_lexical is { } again && ReferenceEquals(again.Data, data)) return again.Index;
            var index = new LexicalIndex(data, options.Value.SearchCacheSize);
            _lexical = (data, index);
            return index;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var snapshot = await host.WaitForSnapshotAsync(stoppingToken).ConfigureAwait(false);
            // Data that failed to load stands in empty while the host retries it: embed the catalogue once it has loaded.
            while (host.DataError is not null) await Task.Delay(options.Value.PollInterval, stoppingToken).ConfigureAwait(false);
            snapshot = host.Current!;
            LexicalFor(snapshot.Data);
            if (embeddings is null) return;
            for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    _semantic = new SemanticState(await SemanticIndex.BuildAsync(embeddings, snapshot.Data, stoppingToken).ConfigureAwait(false), snapshot.Data);
                    SemanticError = null;
                    LogSemanticReady(snapshot.Data.Count);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    SemanticError = $"{ex.GetType().Name}: {ex.Message}";
                    LogSemanticFailed(ex, attempt);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(300, 5 * attempt)), stoppingToken).ConfigureAwait(false);
                }
            }
            await FollowReloadsAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>
    /// Keeps the semantic index on the data the host serves: after a reload, titles added or edited since are embedded
    /// (the rest keep their vectors). Until 2026-12-07 a title imported while serving was found lexically only until a restart.
    /// A failed update keeps the previous index (its hits are matched by content id) and is tried again at the next poll.
    /// </summary>
    private async Task FollowReloadsAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.PollInterval, stoppingToken).ConfigureAwait(false);
            if (_semantic is not { } current || host.Current?.Data is not { } data || ReferenceEquals(current.Data, data) || host.DataError is not null) continue;
            try
            {
                var (index, embedded) = await current.Index.UpdateAsync(current.Data, data, stoppingToken).ConfigureAwait(false);
                _semantic = new SemanticState(index, data);
                SemanticError = null;
                if (embedded > 0) LogSemanticUpdated(embedded, data.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SemanticError = $"{ex.GetType().Name}: {ex.Message}";
                LogSemanticUpdateFailed(ex);
            }
        }
    }

    /// <summary>
    /// Semantic hits as items of <paramref name="data"/>: after the host reloaded the serving data (ModelHost's
    /// DataRefreshInterval) an item's index may differ, so hits are matched by content id; titles added since are lexical only.
    /// </summary>
    private static IReadOnlyList<(int Item, float Score)> SameItems(IReadOnlyList<(int Item, float Score)> hits, ServingData builtFor, ServingData data) =>
        ReferenceEquals(builtFor, data) ? hits
        : hits.Select(h => (Found: data.Items.TryGetIndex(builtFor.Items[h.Item], out var i), Item: i, h.Score)).Where(h => h.Found).Select(h => (h.Item, h.Score)).ToList();

    public async Task<SearchResponse> SearchAsync(ServingSnapshot snapshot, string query, string? userId, int k, CancellationToken cancellationToken)
    {
        var data = snapshot.Data;
        // At least k candidates from each index, so a k above the default pool still gets k results; and as many more as
        // listing each title once (TitleTwins) can drop.
        var candidates = Math.Max(k, Candidates) + data.Twins.RepeatedIds;
        var lexical = LexicalFor(data).Search(query, candidates);
        var relevance = new Dictionary<int, double>();
        var mode = "lexical";
        var fallback = false;
        if (_semantic is { } semantic)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.OpenAI.Timeout);
                var semanticHits = SameItems(await semantic.Index.SearchAsync(query, candidates, timeout.Token).ConfigureAwait(false), semantic.Data, data);
                for (var r = 0; r < lexical.Count; r++) relevance[lexical[r].Item] = 1.0 / (RrfK + r + 1);
                for (var r = 0; r < semanticHits.Count; r++)
                    relevance[semanticHits[r].Item] = relevance.GetValueOrDefault(semanticHits[r].Item) + options.Value.OpenAI.SemanticWeight / (RrfK + r + 1);
                mode = "hybrid";
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fallbacks.Add(1);
                LogFallback(ex.GetType().Name);
                fallback = true;
                relevance.Clear();
            }
        }
        else if (embeddings is not null) fallback = true; // configured but the catalogue is not embedded yet
        if (relevance.Count == 0)
            foreach (var hit in lexical) relevance[hit.Item] = hit.Score;

        var user = userId is null ? null : data.User(userId);
        var weight = user is null ? 0 : options.Value.SearchAffinityWeight;
        var maxRelevance = relevance.Count == 0 ? 1 : relevance.Values.Max();
        // A title the catalogue holds under several ids is listed once, under its best-scored id (the first on a tie).
        var ranked = data.Twins.Once(relevance
            .Select(kv => (Item: kv.Key, Relevance: kv.Value / maxRelevance, Affinity: user is null ? 0 : Affinity(data, user, kv.Key)))
            .Select(x => (x.Item, x.Relevance, x.Affinity, Score: (1 - weight) * x.Relevance + weight * x.Affinity))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Item), x => x.Item).Take(k)
            .Select(x => RecommendationService.Item(data, x.Item, (float)x.Score, Reason(data, user, x.Item, x.Affinity, weight)))
            .ToList();
        return new SearchResponse(query, userId, mode, fallback, ranked);
    }

    /// <summary>The user's genre affinity for an item: the strongest of its genres, relative to the user's top genre.</summary>
    public static double Affinity(ServingData data, UserState user, int item)
    {
        if (user.GenreOrder.Length == 0) return 0;
        var top = user.GenreAffinity[user.GenreOrder[0]];
        var best = 0f;
        var mask = data.GenreMask[item];
        while (mask != 0)
        {
            var g = System.Numerics.BitOperations.TrailingZeroCount(mask);
            best = Math.Max(best, user.GenreAffinity[g]);
            mask &= mask - 1;
        }
        return top > 0 ? best / top : 0;
    }

    private static string Reason(ServingData data, UserState? user, int item, double affinity, double weight)
    {
        if (user is not null && weight > 0 && affinity >= 0.5)
            foreach (var g in user.GenreOrder.Take(3))
                if ((data.GenreMask[item] & (1UL << g)) != 0) return $"Matches your search; you like {data.Genres[g]}";
        return "Matches your search";
    }

    [LoggerMessage(LogLevel.Information, "Semantic search ready: {Items} catalogue embeddings.")]
    private partial void LogSemanticReady(int items);

    [LoggerMessage(LogLevel.Information, "Semantic search follows the reloaded data: {Embedded} new or edited titles embedded ({Items} in all).")]
    private partial void LogSemanticUpdated(int embedded, int items);

    [LoggerMessage(LogLevel.Warning, "Embedding the reloaded catalogue's new titles failed; they are found lexically until the next attempt.")]
    private partial void LogSemanticUpdateFailed(Exception ex);

    [LoggerMessage(LogLevel.Warning, "Embedding the catalogue failed (attempt {Attempt}); lexical search only until it succeeds.")]
    private partial void LogSemanticFailed(Exception ex, int attempt);

    [LoggerMessage(LogLevel.Warning, "Semantic search failed ({Error}); served lexical results.")]
    private partial void LogFallback(string error);
}
