using Microsoft.AspNetCore.Builder;
using MLOps.Core;
using MLOps.Core.Http;
using MLOps.Registry;
using MLOps.Workflows;
using MLOps.Drift;
using MLOps.Drift.Web;
using MLOps.Observability;
using MLOps.Serving;

namespace MLOps.Local.Hosting;

/// <summary>
/// The local host: the same HTTP API as the Azure host, on localhost, composed from each library's
/// AddXxx / MapXxx extensions. Tests call <see cref="Build"/> with a TestServer hook.
/// </summary>
public static class LocalHost
{
    public static WebApplication Build(string storeSpec, string? urls = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Host logs go to stderr: stdout is the CLI's output (a --json document, a table), never log lines.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace);
        // ASP.NET Core logs four Information lines per request (routing, result status and type): ~500 bytes of stderr a
        // request, gigabytes an hour under load. Left to warnings, as ASP.NET Core's own templates do, as the lowest-priority
        // source, so any configuration (Logging__LogLevel__Microsoft.AspNetCore=Information) still turns them on.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")],
        });
        if (urls is not null) builder.WebHost.UseUrls(urls);
        // Lines past Kestrel's 8 KB default reach the pipeline, whose RequestTargetLimit answers a 414 problem naming the
        // field; Kestrel's own 414 (an empty body) is left for lines over the cap.
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestLineSize = RequestTargetLimit.HardCap);
        builder.AddMLOpsCore(storeSpec);
        builder.AddRegistry();
        builder.AddWorkflows();
        builder.AddDrift();
        builder.AddMLOpsTelemetry();
        builder.AddServing();
        configure?.Invoke(builder);

        var app = builder.Build();
        // First, so that answers no endpoint runs for (routing's 404 / 405 / 415, the 414, a 500) carry the routes' headers too.
        app.UseApiResponseHeaders("/api", "/drift");
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestTargetLimit();
        app.MapRegistryApi();
        app.MapDriftApi();
        app.MapHealthApi();
        app.MapOrchestrationApi();
        app.MapServingApi();
        return app;
    }
}
