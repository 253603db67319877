using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MLOps.Serving.Model;

/// <summary>
/// Graceful drain for a load balancer: when the host is asked to stop (SIGTERM, Ctrl+C), /ready answers 503 "draining" for
/// <see cref="ServingOptions.ShutdownDrain"/> while every route keeps serving, and only then does the server stop listening.
/// Without it the listener closed at once: the balancer's next probe and requests on its pooled connections were refused or
/// cut, and /ready never said 503 first. Stopping hooks run before any hosted service stops, the web server included.
/// </summary>
public sealed class ShutdownDrain(IOptions<ServingOptions> options) : IHostedLifecycleService
{
    private int _draining;

    /// <summary>True once the host is stopping: /ready is 503 from then on.</summary>
    public bool Draining => Volatile.Read(ref _draining) == 1;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1) return; // drained once already (a second stop call)
        var drain = options.Value.ShutdownDrain;
        if (drain <= TimeSpan.Zero) return;
        try { await Task.Delay(drain, cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { } // the host's shutdown timeout (or the caller) cut the drain short: stop now
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
