using System.CommandLine;
using System.Text.Json;
using MLOps.Storage;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// What a verb's action gets: the opened store and the output conventions.
/// With --json, stdout carries exactly one JSON document; everything human goes to stderr.
/// </summary>
public sealed class CliContext
{
    private readonly Lazy<IBlobStore> _store;

    public CliContext(ParseResult parse)
    {
        Parse = parse;
        Json = parse.GetValue(GlobalOptions.Json);
        if (parse.GetValue(GlobalOptions.Store) is { } given && string.IsNullOrWhiteSpace(given))
            throw new CliUsageException("--store is empty: leave it out for ./.mlops, or give a folder, a connection string or an https:// account URL.");
        StoreSpec = BlobStoreFactory.Resolve(parse.GetValue(GlobalOptions.Store));
        if (File.Exists(StoreSpec))
            throw new CliUsageException($"--store {StoreSpec} is a file: give a folder (created when missing), a connection string or an https:// account URL.");
        _store = new Lazy<IBlobStore>(OpenStore);
        Human = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Json ? Console.Error : Console.Out),
            Interactive = InteractionSupport.Detect,
        });
        Log = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        // Redirected output (pipes, CI logs, tests) is read by scripts: do not wrap lines at 80 columns.
        if (Json || Console.IsOutputRedirected) Human.Profile.Width = 400;
        if (Console.IsErrorRedirected) Log.Profile.Width = 400;
    }

    /// <summary>
    /// The store; a connection string the Azure SDK refuses is a usage error naming --store ("No valid combination of
    /// account information found" named nothing). The string itself is not echoed: it may hold an account key.
    /// </summary>
    private IBlobStore OpenStore()
    {
        try
        {
            return BlobStoreFactory.Open(StoreSpec);
        }
        catch (Exception e) when (e is FormatException or (ArgumentException and not ArgumentNullException) && BlobStoreFactory.IsConnectionString(StoreSpec))
        {
            throw new CliUsageException($"--store (or MLOPS_STORE) is not a usable connection string ({e.Message.Split('\n')[0].Trim()}); give a folder, "
                + "a connection string with AccountName=…;AccountKey=… (or UseDevelopmentStorage=true for Azurite), or an https:// account URL.");
        }
    }

    public ParseResult Parse { get; }
    public bool Json { get; }
    public string StoreSpec { get; }
    public IBlobStore Store => _store.Value;

    /// <summary>Tables and summaries: stdout normally, stderr under --json.</summary>
    public IAnsiConsole Human { get; }

    /// <summary>Progress and log lines: always stderr.</summary>
    public IAnsiConsole Log { get; }

    /// <summary>Progress bars only on a real terminal; plain lines otherwise (CI logs, pipes).</summary>
    public bool IsTerminal => !Console.IsErrorRedirected && Log.Profile.Capabilities.Interactive;

    /// <summary>Writes the verb's result: the JSON document under --json, else <paramref name="human"/>.</summary>
    public void Result<T>(T value, Action<IAnsiConsole> human)
    {
        if (Json) Console.Out.WriteLine(JsonSerializer.Serialize(value, StoreJson.Indented));
        else human(Human);
    }
}
