using System.CommandLine;
using Spectre.Console;
using MLOps.Local.Hosting;

namespace MLOps.Local.Cli;

public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var command = new Command("serve", "Serve the HTTP API on localhost (also resumes unfinished orchestrations and runs the schedules).") { urls };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var app = LocalHost.Build(context.StoreSpec, context.Parse.GetValue(urls));
            context.Log.WriteLine($"serving {context.Parse.GetValue(urls)} from {context.Store.Description}");
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Done;
        });
        return command;
    }
}
