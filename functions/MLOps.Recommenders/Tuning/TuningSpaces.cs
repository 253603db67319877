namespace MLOps.Recommenders.Tuning;

/// <summary>
/// The search spaces tuned when none is given, by model kind. Small on purpose (the benchmark has a time budget, the pipeline
/// fans one trial out per grid point), each holding the model's default so tuning cannot pick worse on validation than not
/// tuning; measured on ML-100k and ml-latest-small (docs/evaluation.md, Tuning).
/// </summary>
public static class TuningSpaces
{
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double[]>> Default { get; } = new Dictionary<string, IReadOnlyDictionary<string, double[]>>
    {
        ["ease"] = new Dictionary<string, double[]> { ["lambda"] = [12, 16, 24], ["dropout"] = [0, 0.2] },
        ["ials"] = new Dictionary<string, double[]> { ["regularization"] = [20, 25, 30] },
        ["infae"] = new Dictionary<string, double[]> { ["regularization"] = [1, 2, 4] },
        ["sar"] = new Dictionary<string, double[]> { ["similarity"] = [1, 2] },
    };

    /// <summary>
    /// The grid points a candidate is tuned over, each the candidate's fixed parameters plus one combination of the searched
    /// values: <paramref name="search"/> when given, else the kind's default space less the parameters the candidate fixes
    /// (a value someone chose is kept, not tuned). Empty when nothing is left to tune.
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> CandidateGrid(string kind, IReadOnlyDictionary<string, double>? fixedParameters,
        IReadOnlyDictionary<string, double[]>? search = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var space = search ?? Default.GetValueOrDefault(kind);
        var searched = space?.Where(axis => fixedParameters?.ContainsKey(axis.Key) != true).ToDictionary(axis => axis.Key, axis => axis.Value, StringComparer.Ordinal);
        if (searched is not { Count: > 0 }) return [];
        return [.. Tuner.Grid(searched).Select(point =>
        {
            var parameters = new Dictionary<string, double>(fixedParameters ?? new Dictionary<string, double>(), StringComparer.Ordinal);
            foreach (var (key, value) in point) parameters[key] = value;
            return (IReadOnlyDictionary<string, double>)parameters;
        })];
    }
}
