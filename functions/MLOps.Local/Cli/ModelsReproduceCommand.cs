using System.CommandLine;
using MLOps.Registry;
using MLOps.Workflows.Pipeline;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>mlops models reproduce VERSION</c>: train a version again from its record and compare (docs/registry.md).</summary>
public static class ModelsReproduceCommand
{
    public static Command Create(Option<string> model)
    {
        var versionArg = new Argument<int>("VERSION") { Description = "The version to train again." };
        var reproduce = new Command("reproduce",
            "Train VERSION again from its record (snapshot, type, parameters, seed) and compare the artifact's SHA-256 and the figures; exit 1 when they differ.") { versionArg };
        reproduce.SetVerbAction(async (context, ct) =>
        {
            var name = context.Parse.GetValue(model)!;
            var version = VersionArgument.Valid(context.Parse.GetValue(versionArg));
            ReproductionReport report;
            try
            {
                report = await new ModelReproduction(new ModelRegistry(context.Store), context.Store).RunAsync(name, version, ct).ConfigureAwait(false);
            }
            catch (NotReproducibleException e)
            {
                Console.Error.WriteLine($"failed: {e.Message}");
                return ExitCodes.Failed;
            }
            context.Result(report, console =>
            {
                console.WriteLine($"{report.Model} v{report.Version} ({report.Type}) trained again on {report.SnapshotId} with seed {report.Seed}");
                if (report.RecordedCodeVersion != report.CurrentCodeVersion)
                    console.WriteLine($"code version: recorded {report.RecordedCodeVersion}, this build {report.CurrentCodeVersion}");
                console.WriteLine($"artifact sha256: recorded {report.RecordedSha256}, again {report.ReproducedSha256}: {(report.ArtifactIdentical ? "identical" : "DIFFERENT")}");
                foreach (var m in report.Metrics)
                    console.WriteLine($"  {m.Metric,-20} recorded {m.Recorded,10:F6}  again {(m.Reproduced is { } v ? v.ToString("F6") : "-"),10}  {(m.Equal ? "equal" : "DIFFERENT")}");
                console.WriteLine(report.Reproduced ? "reproduced: identical artifact and figures" : "NOT reproduced");
            });
            return report.Reproduced ? ExitCodes.Done : ExitCodes.Failed;
        });
        return reproduce;
    }
}
