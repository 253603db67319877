namespace MLOps.Serving;

/// <summary>Serving settings, bound from configuration section <c>ServingOptions</c>.</summary>
public sealed class ServingOptions
{
    /// <summary>The registered model whose champion alias is served.</summary>
    public string ModelName { get; set; } = "recommender";

    /// <summary>Serve this model artifact blob directly when no registry is registered (its ETag is the version).</summary>
    public string? ArtifactPath { get; set; }

    /// <summary>With ArtifactPath: a model kind ("ease", "sar", ...) to train from the store's events when the artifact is missing.</summary>
    public string? Bootstrap { get; set; }

    /// <summary>How often the champion alias is checked for a new version.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the store is checked for data the serving data was not built from (a committed import or events batch, a
    /// changed catalogue): when there is, the data is reloaded and the loaded models rebound to it. Zero: loaded once.
    /// </summary>
    public TimeSpan DataRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First wait before a model version that failed to load is tried again; it doubles per failure, up to 10 min.</summary>
    public TimeSpan LoadRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest the background check may wait for the store to resolve the champion alias before it counts as failed
    /// (mlops.serving.store.check_failures, a warning once per outage). Zero: no limit.
    /// </summary>
    public TimeSpan StoreCheckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest a newly loaded model (at startup, and each promoted version before it is swapped in) spends being warmed up
    /// through the request path (<see cref="Model.ServingWarmUp"/>): at startup /ready stays 503 meanwhile. Zero: no warm-up.
    /// </summary>
    public TimeSpan WarmUpBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On stop (SIGTERM), how long /ready answers 503 "draining" while every route still serves, before the server stops
    /// listening: set it above the load balancer's probe interval × unhealthy threshold. Zero (default): stop at once.
    /// </summary>
    public TimeSpan ShutdownDrain { get; set; } = TimeSpan.Zero;

    /// <summary>Largest k / perRow / rows a client may ask for (larger is a 400 naming the field).</summary>
    public int MaxK { get; set; } = 100;
    public int MaxRows { get; set; } = 20;

    /// <summary>Largest request body of POST /api/events (413 beyond) and most events in one batch.</summary>
    public long MaxBodyBytes { get; set; } = 1 << 20;
    public int MaxEventsPerBatch { get; set; } = 1000;

    /// <summary>Longest accepted query string for search, and user / item ids.</summary>
    public int MaxQueryLength { get; set; } = 200;
    public int MaxIdLength { get; set; } = 128;

    /// <summary>Half-life of the time decay of "trending" (relative to the newest event).</summary>
    public TimeSpan TrendingHalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Search: weight of the user's affinity when re-ranking lexical / semantic hits (0 = off).</summary>
    public double SearchAffinityWeight { get; set; } = 0.3;

    /// <summary>Lexical results cached per normalized query (0 = off); the index is immutable so entries never go stale.</summary>
    public int SearchCacheSize { get; set; } = 10_000;

    /// <summary>
    /// Share of users (stable per user) whose recommendation lists outside any experiment are logged as exposures, so
    /// drift can compare served scores with the champion's evaluation and measure decay (docs/drift.md). 0 = off.
    /// Lists served inside an experiment are always logged (the A/B results need every one). The default 1 % keeps the
    /// cost small (docs/serving.md, "Benchmark": logging every list cut recommendation throughput from 68 % to 40 % of
    /// /health); raise it where traffic is low.
    /// </summary>
    public double ExposureSampleRate { get; set; } = 0.01;

    /// <summary>Experiment id applied to /recommendations (null = none); experiments are defined below.</summary>
    public string? RecommendationsExperiment { get; set; }
    public List<ExperimentDefinition> Experiments { get; set; } = [];

    /// <summary>Azure OpenAI embeddings for semantic search; off when Endpoint is empty.</summary>
    public OpenAIEmbeddingOptions OpenAI { get; set; } = new();
}

public sealed class ExperimentDefinition
{
    public string Id { get; set; } = "";
    public List<VariantDefinition> Variants { get; set; } = [];
}

/// <summary>A variant serves a model alias (champion, challenger) or a version ("v3"); Share is its traffic weight.</summary>
public sealed class VariantDefinition
{
    public string Name { get; set; } = "";
    public string Model { get; set; } = "champion";
    public double Share { get; set; } = 1;
}

public sealed class OpenAIEmbeddingOptions
{
    public string? Endpoint { get; set; }
    public string Deployment { get; set; } = "text-embedding-3-small";
    /// <summary>API key; when empty, DefaultAzureCredential (managed identity in Azure) is used.</summary>
    public string? Key { get; set; }
    public int MaxRetries { get; set; } = 2;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Semantic hits and lexical hits are fused by reciprocal rank; this weights the semantic list.</summary>
    public double SemanticWeight { get; set; } = 1.0;
}
