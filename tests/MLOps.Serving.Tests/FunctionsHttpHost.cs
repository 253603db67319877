using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MLOps.Durable;
using MLOps.Functions.Http;
using MLOps.Serving.Model;
using MLOps.Storage;

namespace MLOps.Serving.Tests;

/// <summary>
/// The Functions host's services (Program.cs minus the worker: AddDurableWorkflows + AddHttpApi) in a plain host, and
/// its HTTP functions invoked directly with a DefaultHttpContext whose route values are matched from the trigger's
/// route, as the worker's routing does.
/// </summary>
public sealed class FunctionsHttpHost : IAsyncDisposable
{
    private readonly IHost _host;

    private FunctionsHttpHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;
    public CoreEndpoints Endpoints => _host.Services.GetRequiredService<CoreEndpoints>();

    public static async Task<FunctionsHttpHost> StartAsync(FolderBlobStore store, IDictionary<string, string?>? settings = null, IModelSource? models = null, bool start = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["MLOPS_STORE"] = store.Root });
        builder.AddDurableWorkflows();
        builder.AddHttpApi();
        if (models is not null) builder.Services.AddSingleton(models);
        var host = builder.Build();
        if (start) await host.StartAsync();
        return new FunctionsHttpHost(host);
    }

    public sealed record Response(int Status, string? ContentType, string Body)
    {
        /// <summary>The response's headers as the function left them.</summary>
        public IHeaderDictionary Headers { get; init; } = new HeaderDictionary();
    }

    /// <summary>Calls the HTTP function whose method is <paramref name="function"/> as the worker would for this request (a body is sent as <paramref name="contentType"/>, with <paramref name="headers"/>).</summary>
    public async Task<Response> InvokeAsync(string function, string pathAndQuery, string? key = null, string? jsonBody = null, string contentType = "application/json",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var target = FunctionsRouteParityTests.HttpFunctions().Single(f => f.Method.Name == function);
        await using var scope = _host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var (path, query) = pathAndQuery.IndexOf('?') is var q and >= 0 ? (pathAndQuery[..q], pathAndQuery[q..]) : (pathAndQuery, "");
        http.Request.Method = target.Verbs[0];
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        var values = new RouteValueDictionary();
        Assert.True(new TemplateMatcher(TemplateParser.Parse(target.Route), new RouteValueDictionary()).TryMatch(path, values), $"{path} does not match {target.Route}");
        http.Request.RouteValues = values;
        if (key is not null) http.Request.Headers["x-api-key"] = key;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) http.Request.Headers[name] = value;
        if (jsonBody is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(jsonBody);
            http.Request.ContentType = contentType;
            http.Request.ContentLength = bytes.Length;
            http.Request.Body = new MemoryStream(bytes);
        }
        var body = new MemoryStream();
        http.Response.Body = body;

        var functions = ActivatorUtilities.CreateInstance(scope.ServiceProvider, target.Method.DeclaringType!);
        // Other bindings ([DurableClient]) stay null: these calls stop at the role check before any client is used.
        var arguments = target.Method.GetParameters().Select(p => p.ParameterType == typeof(HttpRequest) ? http.Request : null).ToArray();
        var result = (IResult)target.Method.Invoke(functions, arguments)!;
        await result.ExecuteAsync(http);
        return new Response(http.Response.StatusCode, http.Response.ContentType, Encoding.UTF8.GetString(body.ToArray())) { Headers = http.Response.Headers };
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
