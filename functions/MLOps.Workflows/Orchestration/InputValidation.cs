namespace MLOps.Workflows.Orchestration;

/// <summary>What is wrong with an orchestration input: the field (JSON name, e.g. <c>candidates[1].kind</c>) and why.</summary>
public sealed record InputProblem(string Field, string Message)
{
    /// <summary>The problem of free text recorded for others to read (<see cref="MLOps.Core.FreeText"/>), null when it is fine.</summary>
    public static InputProblem? OfFreeText(string? value, string field, int maxLength) =>
        MLOps.Core.FreeText.Problem(value, field, maxLength) is { } problem ? new InputProblem(field, problem[(field.Length + ": ".Length)..]) : null;
}

/// <summary>
/// An orchestration input that can say what is wrong with it before an instance starts: a start with nonsense is a 400
/// (HTTP) or exit 2 (CLI) naming the field, instead of an instance that fails later or, worse, runs on a value clamped in silence.
/// </summary>
public interface IValidatableInput
{
    /// <summary>The first problem, or null when the input can run.</summary>
    InputProblem? Validate();
}
