using MLOps.Tests;
using System.Diagnostics;
using System.Net.Sockets;

namespace MLOps.Local.Tests;

/// <summary>
/// <c>serve --urls http://unix:/PATH</c> (Kestrel's Unix domain socket form, e.g. behind nginx) serves as it did before
/// the early --urls check: that check refused it as "not an address to listen on" (exit 2).
/// </summary>
public class ServeUnixSocketTests
{
    [Fact]
    public async Task Serve_OnAUnixSocketUrl_AnswersHealth()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Kestrel's http://unix: form is tested on Linux and macOS only: skipping the Unix socket serve test on Windows.");
        var ct = TestContext.Current.CancellationToken;
        var work = TestEnvironment.NewTempFolder("serve-unix");
        var socket = Path.Combine(work, "mlops.sock");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "mlops.dll"), "serve", "--urls", $"http://unix:{socket}", "--store", "store" }) start.ArgumentList.Add(a);
        start.Environment.Remove("MLOPS_STORE");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        _ = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, token) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), token);
                    return new NetworkStream(s, ownsSocket: true);
                },
            };
            using var http = new HttpClient(handler);
            var deadline = DateTime.UtcNow.AddSeconds(90);
            HttpResponseMessage? response = null;
            while (response is null && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try { response = await http.GetAsync("http://localhost/health", ct); }
                catch (HttpRequestException) { await Task.Delay(250, ct); }
            }
            Assert.False(process.HasExited, $"serve exited {(process.HasExited ? process.ExitCode : 0)}: {(process.HasExited ? await stderr : "")}");
            Assert.NotNull(response);
            Assert.Equal(System.Net.HttpStatusCode.OK, response!.StatusCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
