using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Spectre.Console;
using MLOps.Local.Hosting;

namespace MLOps.Local.Cli;

public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var command = new Command("serve", "Serve the HTTP API on localhost (also resumes unfinished orchestrations and runs the schedules).") { urls };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var addresses = context.Parse.GetValue(urls)!;
            // Checked before the host starts: Kestrel's own failures ("Invalid url", "address already in use") came after
            // two logged stack traces, and the bind failure did not say what to do.
            foreach (var uri in Parse(addresses))
                if (InUse(uri) is { } endpoint)
                {
                    Console.Error.WriteLine($"failed: --urls {uri.OriginalString}: {endpoint} is already in use (another `mlops serve`?); stop that process or choose another port, e.g. --urls http://127.0.0.1:{FreePort()} (free now).");
                    return ExitCodes.Failed;
                }
            var app = LocalHost.Build(context.StoreSpec, addresses);
            context.Log.WriteLine($"serving {addresses} from {context.Store.Description}");
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>The listen URLs (';'-separated, as ASP.NET Core takes them); a malformed one is a usage error naming it.</summary>
    private static List<Uri> Parse(string addresses)
    {
        var list = new List<Uri>();
        foreach (var url in addresses.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's Unix domain socket form ("http://unix:/run/mlops.sock", e.g. behind nginx) has no port to probe:
            // Kestrel binds it and says what is wrong.
            if (url.Contains("://unix:", StringComparison.OrdinalIgnoreCase)) continue;
            // Kestrel's wildcard hosts ("http://*:5080", "http://+:5080") are not URI hosts.
            var probe = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || string.IsNullOrEmpty(uri.Host))
                throw new CliUsageException($"--urls '{url}' is not an address to listen on; use http://HOST:PORT, e.g. http://127.0.0.1:5080.");
            list.Add(uri);
        }
        if (list.Count == 0 && !addresses.Contains("://unix:", StringComparison.OrdinalIgnoreCase)) throw new CliUsageException("--urls is empty; use http://HOST:PORT, e.g. http://127.0.0.1:5080.");
        return list;
    }

    /// <summary>The endpoint of <paramref name="uri"/> another process already listens on, or null (also when it cannot be probed).</summary>
    private static string? InUse(Uri uri)
    {
        IPAddress? address = uri.IsLoopback && uri.Host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip : null;
        if (address is null) return null;
        var listener = new TcpListener(address, uri.Port);
        try
        {
            listener.Start();
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return $"{address}:{uri.Port}";
        }
        catch (SocketException)
        {
            return null; // not ours to judge (e.g. an address of another machine): Kestrel says what is wrong
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>A loopback port no one listens on right now.</summary>
    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try { return ((IPEndPoint)probe.LocalEndpoint).Port; }
        finally { probe.Stop(); }
    }
}
