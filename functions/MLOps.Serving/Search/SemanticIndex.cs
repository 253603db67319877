using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Azure.AI.OpenAI;
using Azure.Identity;
using OpenAI.Embeddings;

namespace MLOps.Serving.Search;

/// <summary>Turns texts into embedding vectors (Azure OpenAI in production; tests point it at a local fake server).</summary>
public interface IEmbeddingClient
{
    Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}

/// <summary>
/// Azure OpenAI embeddings through <c>Azure.AI.OpenAI</c>: an API key when configured, else DefaultAzureCredential
/// (managed identity on Azure). The SDK's retry policy retries 429 and 5xx (honouring Retry-After) up to MaxRetries;
/// callers fall back to lexical search when it still fails.
/// </summary>
public sealed class AzureOpenAIEmbeddingClient : IEmbeddingClient
{
    private readonly EmbeddingClient _client;

    public AzureOpenAIEmbeddingClient(OpenAIEmbeddingOptions options)
    {
        var clientOptions = new AzureOpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
            NetworkTimeout = options.Timeout,
        };
        var endpoint = new Uri(options.Endpoint!);
        var azure = string.IsNullOrEmpty(options.Key)
            ? new AzureOpenAIClient(endpoint, new DefaultAzureCredential(), clientOptions)
            : new AzureOpenAIClient(endpoint, new ApiKeyCredential(options.Key), clientOptions);
        _client = azure.GetEmbeddingClient(options.Deployment);
    }

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var result = await _client.GenerateEmbeddingsAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        var vectors = new float[texts.Count][];
        foreach (var embedding in result.Value) vectors[embedding.Index] = embedding.ToFloats().ToArray();
        return vectors;
    }
}

/// <summary>
/// Catalogue embeddings (title, genres, tags, description), unit-normalized, searched by cosine similarity with
/// SIMD. Query embeddings are cached (queries repeat).
/// </summary>
public sealed class SemanticIndex
{
    private const int BatchSize = 64;
    private readonly float[][] _vectors;
    private readonly IEmbeddingClient _client;
    private readonly ConcurrentDictionary<string, float[]> _queryCache = new(StringComparer.Ordinal);

    private SemanticIndex(IEmbeddingClient client, float[][] vectors, ConcurrentDictionary<string, float[]>? queryCache = null)
    {
        _client = client;
        _vectors = vectors;
        if (queryCache is not null) _queryCache = queryCache;
    }

    /// <summary>Titles embedded (one vector per item of the data it was built for).</summary>
    public int Count => _vectors.Length;

    public static string TextOf(ServingData data, int item)
    {
        var c = data.Catalog[item];
        return $"{data.Title(item)}. Genres: {string.Join(", ", data.GenresOf(item))}. {string.Join(", ", c?.Tags ?? [])}. {c?.Description}".Trim();
    }

    public static async Task<SemanticIndex> BuildAsync(IEmbeddingClient client, ServingData data, CancellationToken cancellationToken)
    {
        var vectors = new float[data.Count][];
        await EmbedAsync(client, data, [.. Enumerable.Range(0, data.Count)], vectors, cancellationToken).ConfigureAwait(false);
        return new SemanticIndex(client, vectors);
    }

    /// <summary>
    /// The index for reloaded <paramref name="data"/>: a title whose text is unchanged since <paramref name="builtFor"/> keeps
    /// its vector, only new or edited titles are embedded (a reload that brought only events embeds nothing). Query
    /// embeddings carry over.
    /// </summary>
    public async Task<(SemanticIndex Index, int Embedded)> UpdateAsync(ServingData builtFor, ServingData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(builtFor);
        ArgumentNullException.ThrowIfNull(data);
        var vectors = new float[data.Count][];
        var missing = new List<int>();
        for (var i = 0; i < data.Count; i++)
        {
            if (builtFor.Items.TryGetIndex(data.Items[i], out var before) && before < _vectors.Length && TextOf(builtFor, before) == TextOf(data, i))
                vectors[i] = _vectors[before];
            else missing.Add(i);
        }
        await EmbedAsync(_client, data, missing, vectors, cancellationToken).ConfigureAwait(false);
        return (new SemanticIndex(_client, vectors, _queryCache), missing.Count);
    }

    private static async Task EmbedAsync(IEmbeddingClient client, ServingData data, IReadOnlyList<int> items, float[][] vectors, CancellationToken cancellationToken)
    {
        for (var start = 0; start < items.Count; start += BatchSize)
        {
            var batch = items.Skip(start).Take(BatchSize).ToList();
            var embedded = await client.EmbedAsync([.. batch.Select(i => TextOf(data, i))], cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < embedded.Length; j++) vectors[batch[j]] = Normalize(embedded[j]);
        }
    }

    /// <summary>Items ranked by cosine similarity to the query (throws when the embedding call fails).</summary>
    public async Task<IReadOnlyList<(int Item, float Score)>> SearchAsync(string query, int top, CancellationToken cancellationToken)
    {
        var key = TextNormalizer.Join(query);
        if (!_queryCache.TryGetValue(key, out var q))
        {
            q = Normalize((await _client.EmbedAsync([query], cancellationToken).ConfigureAwait(false))[0]);
            if (_queryCache.Count > 10_000) _queryCache.Clear();
            _queryCache[key] = q;
        }
        var scores = new float[_vectors.Length];
        for (var i = 0; i < _vectors.Length; i++)
            scores[i] = _vectors[i].Length == q.Length ? TensorPrimitives.Dot<float>(_vectors[i], q) : float.NegativeInfinity;
        return Ranking.TopK(scores, top).Select(i => (i, scores[i])).ToList();
    }

    private static float[] Normalize(float[] v)
    {
        var norm = TensorPrimitives.Norm<float>(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
        return v;
    }
}
