using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core;
using MLOps.Drift.Web;
using MLOps.Storage;

namespace MLOps.Drift.Tests;

/// <summary>The drift API alone on a TestServer over <paramref name="store"/>, wired as the hosts wire it (problems included).</summary>
internal static class DriftApiHost
{
    public static async Task<WebApplication> StartAsync(IBlobStore store)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(store);
        builder.AddMLOpsCore();
        builder.AddDrift();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapDriftApi();
        await app.StartAsync();
        return app;
    }
}
