using MLOps.Core;
using MLOps.Registry;

namespace MLOps.Workflows.Pipeline;

/// <summary>A model name as the registry accepts it (it becomes a blob folder: <c>models/&lt;name&gt;/</c>).</summary>
internal static class ModelNames
{
    public static string? Problem(string? model)
    {
        try
        {
            ModelRegistry.ValidateName(model ?? "");
            return null;
        }
        catch (ArgumentException e)
        {
            return ArgumentText.Of(e);
        }
    }
}
