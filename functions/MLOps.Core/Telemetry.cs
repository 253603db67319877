using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MLOps.Core;

/// <summary>
/// The names of every trace source and meter the system emits, so hosts can subscribe to all of them
/// (functions/MLOps.Observability wires exporters). Components create instruments from <see cref="Meter"/>.
/// </summary>
public static class Telemetry
{
    public const string Name = "MLOps";
    public static readonly ActivitySource ActivitySource = new(Name);
    public static readonly Meter Meter = new(Name);
}
