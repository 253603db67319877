using System.Diagnostics;
using System.Text.Json;

namespace MLOps.Local.Tests;

/// <summary>Runs the real <c>mlops</c> executable (copied beside the tests) in a process, as a user or script would.</summary>
public static class CliRunner
{
    public sealed record Run(int ExitCode, string StdOut, string StdErr)
    {
        public JsonElement Json()
        {
            using var doc = JsonDocument.Parse(StdOut); // throws unless stdout is exactly one JSON document
            return doc.RootElement.Clone();
        }

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
    }

    public static Task<Run> RunAsync(string workingDirectory, params string[] args) => RunAsync(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunAsync(string, string[])"/>, with extra environment variables (e.g. TZ).</summary>
    public static async Task<Run> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlops.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("MLOPS_STORE");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await stdout, await stderr);
    }
}
