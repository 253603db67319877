using System.CommandLine;

namespace MLOps.Local.Cli;

/// <summary>The <c>mlops</c> command tree; each verb group lives in its own file.</summary>
public static class MLOpsCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("mlops — personalization MLOps for a streaming catalogue: data, pipeline, models, drift, serving.");
        root.Options.Add(GlobalOptions.Store);
        root.Options.Add(GlobalOptions.Json);
        root.Subcommands.Add(KeysCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'mlops --help' for usage.");
            return ExitCodes.BadInput;
        }
        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
