using MLOps.Local.Cli;

return await MLOpsCli.RunAsync(args);
