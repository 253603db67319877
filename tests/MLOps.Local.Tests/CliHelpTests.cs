using System.CommandLine;
using MLOps.Local.Cli;

namespace MLOps.Local.Tests;

/// <summary>`mlops &lt;verb&gt; --help` is the CLI's reference (docs/interfaces.md): every argument and option says what it is.</summary>
public sealed class CliHelpTests
{
    /// <summary>`pipeline terminate --help` listed &lt;ID&gt; and --reason with no word of explanation.</summary>
    [Fact]
    public void EveryArgumentAndOptionOfEveryVerb_HasADescription()
    {
        var undescribed = new List<string>();
        void Walk(Command command, string path)
        {
            foreach (var argument in command.Arguments)
                if (string.IsNullOrWhiteSpace(argument.Description)) undescribed.Add($"{path} <{argument.Name}>");
            foreach (var option in command.Options)
                if (string.IsNullOrWhiteSpace(option.Description)) undescribed.Add($"{path} {option.Name}");
            foreach (var sub in command.Subcommands) Walk(sub, $"{path} {sub.Name}");
        }

        Walk(MLOpsCli.Build(), "mlops");

        Assert.Empty(undescribed);
    }
}
