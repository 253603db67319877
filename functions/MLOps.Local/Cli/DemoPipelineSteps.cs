using Microsoft.Extensions.DependencyInjection;
using MLOps.Local.Hosting;
using MLOps.Workflows;
using MLOps.Workflows.Embedded;
using MLOps.Workflows.Orchestration;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>The demo's pipeline and serve steps (DemoCommand.Steps lists them).</summary>
public static class DemoPipelineSteps
{
    /// <summary>Runs RetrainPipeline to completion on the embedded runner and prints its summary.</summary>
    public static async Task PipelineAsync(DemoContext demo, CancellationToken cancellationToken)
    {
        var cli = demo.Cli;
        await using var services = PipelineCommand.BuildServices(cli);
        var engine = services.GetRequiredService<EmbeddedOrchestrationEngine>();
        // The input written out (not null): an instance recorded without "tune" is taken as one from before the tune step.
        var start = await engine.StartAsync(OrchestrationNames.RetrainPipeline, new MLOps.Workflows.Pipeline.RetrainInput(), null, cancellationToken).ConfigureAwait(false);
        cli.Log.WriteLine($"started RetrainPipeline {start.InstanceId}");
        var state = await PipelineCommand.WaitWithProgressAsync(cli.Log, engine, start.InstanceId, cancellationToken).ConfigureAwait(false);
        if (state.Output is { } output && output.TryGetProperty("summary", out var lines))
            foreach (var line in lines.EnumerateArray()) cli.Log.WriteLine("  " + line.GetString());
        demo.Results["pipeline"] = new { instanceId = state.InstanceId, runtimeStatus = state.RuntimeStatus, output = state.Output };
        if (state.RuntimeStatus != RuntimeStatus.Completed)
            throw new InvalidOperationException($"RetrainPipeline {state.InstanceId} ended {state.RuntimeStatus}: {state.Failure?.ErrorMessage}");
    }

    /// <summary>Serves the HTTP API (and the schedules) until Ctrl+C, unless --no-serve.</summary>
    public static async Task ServeAsync(DemoContext demo, CancellationToken cancellationToken)
    {
        if (demo.NoServe)
        {
            demo.Cli.Log.WriteLine("--no-serve: not serving (run `mlops serve` to serve this store)");
            demo.Results["serve"] = new { skipped = true, reason = "--no-serve" };
            return;
        }
        const string urls = "http://127.0.0.1:5080";
        var app = LocalHost.Build(demo.Cli.StoreSpec, urls);
        demo.Cli.Log.WriteLine($"serving {urls} (Ctrl+C stops); create a key with `mlops keys create --role read`");
        await app.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
