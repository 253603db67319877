namespace MLOps.Workflows.Orchestration;

/// <summary>What is wrong with an orchestration input: the field (JSON name, e.g. <c>candidates[1].kind</c>) and why.</summary>
public sealed record InputProblem(string Field, string Message);

/// <summary>
/// An orchestration input that can say what is wrong with it before an instance starts: a start with nonsense is a 400
/// (HTTP) or exit 2 (CLI) naming the field, instead of an instance that fails later or, worse, runs on a value clamped in silence.
/// </summary>
public interface IValidatableInput
{
    /// <summary>The first problem, or null when the input can run.</summary>
    InputProblem? Validate();
}
