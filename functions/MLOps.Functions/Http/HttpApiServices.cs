using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MLOps.Core;
using MLOps.Drift.Web;
using MLOps.Registry;
using MLOps.Serving;
using MLOps.Workflows;
using MLOps.Workflows.Orchestration;

namespace MLOps.Functions.Http;

public static class HttpApiServices
{
    /// <summary>
    /// The local host's HTTP API for the HTTP-triggered functions: serving (its model host watches the champion in the
    /// blob store named by the app setting MLOPS_STORE), and the core's endpoints, mapped by the same calls as
    /// <c>LocalHost.Build</c>. Needs the workflow definitions (AddDurableWorkflows: store, keys, registry, drift).
    /// </summary>
    public static IHostApplicationBuilder AddHttpApi(this IHostApplicationBuilder builder)
    {
        builder.AddServing();
        builder.Services.AddRouting();
        builder.Services.AddScoped<DurableClientScope>();
        builder.Services.AddScoped<IOrchestrationClient>(sp => sp.GetRequiredService<DurableClientScope>().Client
            ?? throw new InvalidOperationException("No [DurableClient] was bound to this invocation."));
        builder.Services.AddSingleton(sp => new CoreEndpoints(sp, routes => routes
            .MapHealthApi()
            .MapRegistryApi()
            .MapDriftApi()
            .MapOrchestrationApi()
            .MapServingApi()));
        // The services that read the application's endpoints (the OpenAPI document, link generation) see the core's
        // endpoints too; the worker still routes requests to functions only.
        var routing = builder.Services.Last(d => d.ServiceType == typeof(EndpointDataSource));
        builder.Services.Remove(routing);
        builder.Services.AddSingleton<EndpointDataSource>(sp => new CompositeEndpointDataSource(
            [sp.GetRequiredService<CoreEndpoints>().DataSource, .. routing.ImplementationFactory?.Invoke(sp) is EndpointDataSource own ? [own] : Array.Empty<EndpointDataSource>()]));
        return builder;
    }
}

/// <summary>The invocation's <c>[DurableClient]</c>, as the <see cref="IOrchestrationClient"/> the orchestration endpoints take.</summary>
public sealed class DurableClientScope
{
    public IOrchestrationClient? Client { get; set; }
}
