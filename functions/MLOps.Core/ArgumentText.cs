namespace MLOps.Core;

/// <summary>An <see cref="ArgumentException"/>'s message as a person reads it: without .NET's " (Parameter 'name')" suffix.</summary>
public static class ArgumentText
{
    public static string Of(ArgumentException e) => e.Message.Split(" (Parameter '", 2)[0];
}
