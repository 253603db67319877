using Microsoft.Extensions.Configuration;

namespace MLOps.Local.Cli;

/// <summary>
/// The hosts' settings as the CLI reads them: environment variables such as <c>FeatureStore__DecayHalfLifeDays</c> (as
/// app settings name them), or the same with an <c>MLOPS_</c> prefix, which wins. One source for every verb, so a snapshot,
/// a promotion or a pipeline run from a terminal follows the settings the deployed service follows.
/// </summary>
public static class CliSettings
{
    public static IConfigurationBuilder AddCliEnvironment(this IConfigurationBuilder builder) =>
        builder.AddEnvironmentVariables().AddEnvironmentVariables("MLOPS_");

    /// <summary>The section bound to a new <typeparamref name="T"/>; a value that does not bind is a usage error naming the section.</summary>
    public static T Bind<T>(string section) where T : new()
    {
        var options = new T();
        try
        {
            new ConfigurationBuilder().AddCliEnvironment().Build().GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new CliUsageException($"a {section}__… environment setting is invalid: {e.Message}");
        }
        return options;
    }
}
