using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MLOps.Serving.Events;
using MLOps.Serving.Experiments;
using MLOps.Serving.Model;
using MLOps.Serving.Search;

namespace MLOps.Serving;

public static class ServingServices
{
    /// <summary>
    /// Serving: options (section <c>ServingOptions</c>), the model host (champion watch + hot swap), search, event
    /// ingestion, exposure logging and the OpenAPI document. Models come from ServingOptions:ArtifactPath when set,
    /// else the registry's champion alias (AddRegistry), else none: trending titles, and /ready says not ready.
    /// </summary>
    public static IHostApplicationBuilder AddServing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServingOptions>().BindConfiguration(nameof(ServingOptions));
        builder.Services.TryAddSingleton<IModelSource>(sp =>
            sp.GetRequiredService<IOptions<ServingOptions>>().Value is { ArtifactPath.Length: > 0 } o
                ? new ArtifactModelSource(sp.GetRequiredService<MLOps.Storage.IBlobStore>(), o.ArtifactPath, o.Bootstrap, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ArtifactModelSource>>())
                : sp.GetService<MLOps.Registry.ModelRegistry>() is { } registry ? new RegistryModelSource(registry)
                : new NoModelSource());
        builder.Services.TryAddSingleton<ModelHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        if (!string.IsNullOrEmpty(builder.Configuration[$"{nameof(ServingOptions)}:OpenAI:Endpoint"]))
            builder.Services.TryAddSingleton<IEmbeddingClient>(sp => new AzureOpenAIEmbeddingClient(sp.GetRequiredService<IOptions<ServingOptions>>().Value.OpenAI));
        builder.Services.TryAddSingleton(sp => new SearchService(sp.GetRequiredService<ModelHost>(), sp.GetRequiredService<IOptions<ServingOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SearchService>>(), sp.GetService<IEmbeddingClient>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SearchService>());
        builder.Services.TryAddSingleton<EventIngest>();
        builder.Services.TryAddSingleton<ExposureLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExposureLog>());
        builder.Services.TryAddSingleton<ShutdownDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        // The document's schemas follow these options: with the web defaults (numbers also read from strings) every number
        // in it was typed "number or string" with a digits pattern, though responses write numbers and the hand-read bodies
        // (promote, rollback) reject strings; generated clients got string | number unions.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        builder.Services.AddOpenApi(o => o.AddOperationTransformer(OpenApi.ServingOpenApi.DescribeApiKeyAsync).AddSchemaTransformer(OpenApi.ServingOpenApi.DescribeEnumsAsync));
        return builder;
    }
}
