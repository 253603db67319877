namespace MLOps.Workflows.Orchestration;

/// <summary>
/// The one wording of "there is no such instance", for both engines and every surface: the CLI prints it after
/// "error: ", the HTTP API's 404 problem after "id: " (until 2026-12-07 the engines said "No orchestration instance",
/// `pipeline status` and the API "no orchestration instance").
/// </summary>
public static class UnknownInstance
{
    /// <summary>"no orchestration instance 'x'."</summary>
    public static string Text(string instanceId) => $"no orchestration instance '{instanceId}'.";

    /// <summary>What an engine throws for an id it does not hold (<see cref="IOrchestrationClient"/>'s contract).</summary>
    public static KeyNotFoundException Exception(string instanceId) => new(Text(instanceId));
}
