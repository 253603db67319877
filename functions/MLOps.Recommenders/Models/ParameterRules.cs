namespace MLOps.Recommenders.Models;

/// <summary>
/// Range checks for model parameters, so a bad value fails at training with an error naming the model and the parameter instead of
/// an arithmetic exception deep inside, or a model that trains "fine" and scores nothing (NaN weights, zero factors).
/// </summary>
internal static class ParameterRules
{
    /// <summary>A finite number in [min, max].</summary>
    public static double Number(string model, IReadOnlyDictionary<string, double> p, string name, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var value = p[name];
        if (!double.IsFinite(value) || value < min || value > max)
            throw new ArgumentException($"{model} parameter '{name}' must be a finite number{Range(min, max)}, not {value}.", "parameters");
        return value;
    }

    /// <summary>A finite number above zero.</summary>
    public static double Positive(string model, IReadOnlyDictionary<string, double> p, string name)
    {
        var value = p[name];
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentException($"{model} parameter '{name}' must be a finite number > 0, not {value}.", "parameters");
        return value;
    }

    /// <summary>A whole number in [min, max].</summary>
    public static int Whole(string model, IReadOnlyDictionary<string, double> p, string name, int min, int max = int.MaxValue)
    {
        var value = p[name];
        if (!double.IsFinite(value) || value != Math.Floor(value) || value < min || value > max)
            throw new ArgumentException($"{model} parameter '{name}' must be a whole number{Range(min, max == int.MaxValue ? double.PositiveInfinity : max)}, not {value}.", "parameters");
        return (int)value;
    }

    /// <summary>One of the listed codes (e.g. SAR's similarity 0 / 1 / 2).</summary>
    public static int Choice(string model, IReadOnlyDictionary<string, double> p, string name, string meaning, params int[] allowed)
    {
        var value = p[name];
        if (!allowed.Any(a => a == value))
            throw new ArgumentException($"{model} parameter '{name}' must be {meaning}, not {value}.", "parameters");
        return (int)value;
    }

    private static string Range(double min, double max) => (double.IsNegativeInfinity(min), double.IsPositiveInfinity(max)) switch
    {
        (true, true) => "",
        (false, true) => $" ≥ {min}",
        (true, false) => $" ≤ {max}",
        _ => $" in [{min}, {max}]",
    };
}
