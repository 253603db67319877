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
        root.Subcommands.Add(PipelineCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        BenchmarkIngestCommand.Add(root);
        // One line per verb group below (each group lives in its own file).
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(FeaturesCommand.Create());
        FeatureBenchmark.Add(root);
        root.Subcommands.Add(DriftCommand.Create());
        BenchmarkRecsysCommand.Add(root);
        BenchmarkDriftCommand.Add(root);
        RefuseStore(root.Subcommands.Single(c => c.Name == "benchmark"));
        return root;
    }

    /// <summary>
    /// Benchmarks work on data of their own (generated into a temp store, or files under <c>--path</c>) and never touch the
    /// user's store, so an explicit <c>--store</c> there is a mistake to say, not an option to ignore: it was accepted and
    /// silently unused.
    /// (MLOPS_STORE, set for every verb, is not refused.)
    /// </summary>
    private static void RefuseStore(Command benchmarks)
    {
        foreach (var verb in benchmarks.Subcommands)
            verb.Validators.Add(result =>
            {
                if (result.GetResult(GlobalOptions.Store) is { Implicit: false })
                    result.AddError($"--store: 'benchmark {verb.Name}' does not read or write your store: it works on data of its own (see 'mlops benchmark {verb.Name} --help').");
            });
    }

    /// <summary>
    /// The subcommand <paramref name="name"/> of <paramref name="parent"/>, created on first use, so that several
    /// files can each add their verbs to one shared group (e.g. <c>benchmark</c>, <c>import</c>).
    /// </summary>
    public static Command Group(this Command parent, string name, string description)
    {
        var existing = parent.Subcommands.FirstOrDefault(c => c.Name == name);
        if (existing is not null) return existing;
        var group = new Command(name, description);
        parent.Subcommands.Add(group);
        return group;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, as every bad-usage error: what is wrong, and where to look.
            Console.Error.WriteLine(ParseErrorText.Line(parse));
            return ExitCodes.BadInput;
        }
        // Signals are handled by the verbs that can stop cleanly and say so (imports: CliInterruption); the others end on
        // Ctrl+C as the runtime ends any process. Null says so explicitly: System.CommandLine's own handling stays off.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }
}
