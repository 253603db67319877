using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using MLOps.Core;

namespace MLOps.Serving.Model;

/// <summary>
/// The outcome of the host's background checks of the store (champion alias, data version). A failed or timed-out check
/// is counted (mlops.serving.store.check_failures) and the outage logged once, as a warning, when it begins, and once
/// when a check works again ("ok again after N s"): serving from memory goes on, but new promotions and imports are not
/// picked up meanwhile. Before, a frozen store logged nothing at all (a check hung) and a failing one logged every poll.
/// </summary>
public sealed partial class StoreChecks(ILogger logger)
{
    private static readonly Counter<long> Failures = Telemetry.Meter.CreateCounter<long>(
        "mlops.serving.store.check_failures", "{check}", "Background store checks (champion alias, data version) that failed or timed out; serving went on from memory.");

    private long _lastOkAt = Environment.TickCount64;
    private long _failingSince; // Environment.TickCount64 of the outage's first failed check; 0 when checks work
    private int _failedInOutage;

    /// <summary>Seconds since the last check that worked (since startup before the first).</summary>
    public double LastOkAgeSeconds => Math.Round((Environment.TickCount64 - Interlocked.Read(ref _lastOkAt)) / 1000.0, 1);

    /// <summary>Why the checks fail, while they do; null when the last one worked.</summary>
    public string? Error { get; private set; }

    public void Succeeded()
    {
        var now = Environment.TickCount64;
        Interlocked.Exchange(ref _lastOkAt, now);
        if (_failingSince == 0) return;
        LogOkAgain((now - _failingSince) / 1000.0, _failedInOutage);
        _failingSince = 0;
        _failedInOutage = 0;
        Error = null;
    }

    public void Failed(Exception ex)
    {
        Failures.Add(1);
        _failedInOutage++;
        Error = ex.Message;
        if (_failingSince != 0) return;
        _failingSince = Environment.TickCount64;
        LogFailing(ex, LastOkAgeSeconds);
    }

    [LoggerMessage(LogLevel.Warning, "Store check failed (last good check {Age:0.#} s ago): serving the loaded model and data from memory; new promotions and imports are not picked up until a check works again. Logged once per outage; failed checks count in mlops.serving.store.check_failures.")]
    private partial void LogFailing(Exception ex, double age);

    [LoggerMessage(LogLevel.Information, "Store checks ok again after {Seconds:0.#} s ({Failed} failed checks).")]
    private partial void LogOkAgain(double seconds, int failed);
}
