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

    private SemanticIndex(IEmbeddingClient client, float[][] vectors)
    {
        _client = client;
        _vectors = vectors;
    }

    public static string TextOf(ServingData data, int item)
    {
        var c = data.Catalog[item];
        return $"{data.Title(item)}. Genres: {string.Join(", ", data.GenresOf(item))}. {string.Join(", ", c?.Tags ?? [])}. {c?.Description}".Trim();
    }

    public static async Task<SemanticIndex> BuildAsync(IEmbeddingClient client, ServingData data, CancellationToken cancellationToken)
    {
        var vectors = new float[data.Count][];
        for (var start = 0; start < data.Count; start += BatchSize)
        {
            var texts = Enumerable.Range(start, Math.Min(BatchSize, data.Count - start)).Select(i => TextOf(data, i)).ToList();
            var embedded = await client.EmbedAsync(texts, cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < embedded.Length; j++) vectors[start + j] = Normalize(embedded[j]);
        }
        return new SemanticIndex(client, vectors);
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
