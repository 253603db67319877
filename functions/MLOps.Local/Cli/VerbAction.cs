using System.CommandLine;
using MLOps.Core;
using MLOps.Storage;

namespace MLOps.Local.Cli;

/// <summary>Runs a verb body with the CLI's error contract: usage errors exit 2, failures exit 1, each as one clear line.</summary>
public static class VerbAction
{
    public static void SetVerbAction(this Command command, Func<CliContext, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            CliContext? context = null;
            try
            {
                context = new CliContext(parse);
                return await body(context, cancellationToken).ConfigureAwait(false);
            }
            catch (CliUsageException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            // An ArgumentNullException is a bug inside, not the user's input: it falls through to "failed:", exit 1.
            catch (Exception e) when (e is InvalidDataException or FormatException or (ArgumentException and not ArgumentNullException) or FileNotFoundException or DirectoryNotFoundException)
            {
                Console.Error.WriteLine($"error: {(e is ArgumentException a ? ArgumentText.Of(a) : e.Message)}");
                return ExitCodes.BadInput;
            }
            catch (CliConflictException e)
            {
                Console.Error.WriteLine($"conflict: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (BlobConditionFailedException e)
            {
                Console.Error.WriteLine($"conflict: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (Azure.Identity.AuthenticationFailedException e)
            {
                // The credential chain's report is a page long: one line, and what to do.
                Console.Error.WriteLine($"failed: cannot sign in to the storage account ({e.Message.Split('\n')[0].Trim()}); run `az login`, or pass a connection string to --store.");
                return ExitCodes.Failed;
            }
            catch (Azure.RequestFailedException e)
            {
                Console.Error.WriteLine($"failed: the storage request failed ({(e.Status == 0 ? "no response" : $"HTTP {e.Status}")}{(e.ErrorCode is { } code ? $", {code}" : "")}): {e.Message.Split('\n')[0].Trim()}");
                return ExitCodes.Failed;
            }
            catch (AggregateException e) when (StoreFailureText.Of(e) is { } line)
            {
                Console.Error.WriteLine(line);
                return ExitCodes.Failed;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("cancelled");
                return ExitCodes.Failed;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"failed: {e.GetType().Name}: {e.Message}");
                if (Environment.GetEnvironmentVariable("MLOPS_DEBUG") is "1") Console.Error.WriteLine(e);
                return ExitCodes.Failed;
            }
        });
}
