using MLOps.Tests;

namespace MLOps.Local.Tests;

/// <summary>
/// The CLI used carelessly, as a review found it: each mistake is one line naming the problem and exit 2 (bad input) or
/// 1 (a conflict), never a stack trace, a raw serializer message, "no drift" over nothing, or data the importer rejects.
/// </summary>
public class CarelessUseCliTests
{
    private static async Task<(string Work, Func<string[], Task<CliRunner.Run>> Mlops)> StoreWithEventsAsync(string label)
    {
        var work = TestEnvironment.NewTempFolder(label);
        var store = Path.Combine(work, "store");
        Task<CliRunner.Run> Mlops(string[] args) => CliRunner.RunAsync(work, [.. args, "--store", store]);
        await File.WriteAllTextAsync(Path.Combine(work, "e.csv"), "userId,contentId,timestamp,rating\nu1,m1,2024-05-01T10:00:00Z,4\nu2,m2,2024-05-02T10:00:00Z,5\n");
        var import = await Mlops(["import", "events", "e.csv"]);
        Assert.True(import.ExitCode == 0, import.ToString());
        return (work, Mlops);
    }

    private static void Refused(CliRunner.Run run, int exit, string message)
    {
        Assert.True(run.ExitCode == exit, run.ToString());
        Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StdErr + run.StdOut, StringComparison.Ordinal); // no stack trace
    }

    /// <summary>`pipeline run --orchestration DriftMonitor --wait` printed its output as escaped JSON (\u0027 for every apostrophe); now lines a person reads.</summary>
    [Fact]
    public async Task DriftMonitor_Wait_PrintsLinesNotEscapedJson()
    {
        var (_, mlops) = await StoreWithEventsAsync("drift-monitor-human");

        var run = await mlops(["pipeline", "run", "--orchestration", "DriftMonitor", "--wait"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("  drift: no reference yet (no champion)", run.StdOut, StringComparison.Ordinal);
        Assert.Contains("  retrain: not needed (no critical drift)", run.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("{", run.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipeline_OnAnEmptyStore_TerminateFinished_PurgeOutOfRange()
    {
        var work = TestEnvironment.NewTempFolder("careless-pipeline");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", "store"]);

        Refused(await Mlops("pipeline", "run", "--wait", "--json"), 2, "the store holds no events to train on");
        var purge = await Mlops("pipeline", "run", "--orchestration", "Purge", "--instance-id", "p1", "--wait", "--json");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Refused(await Mlops("pipeline", "terminate", "p1"), 1, "cannot terminate instance 'p1': it is Completed");
        Refused(await Mlops("pipeline", "approve", "p1"), 1, "Purge p1 is completed; it takes no more events");
        Refused(await Mlops("pipeline", "purge", "--older-than-days", "99999999"), 2, "--older-than-days must be a whole number of days from 0 to 36500");
        Refused(await Mlops("pipeline", "run", "--candidates", "bogus,ease"), 2, "candidates[0].kind: unknown model kind 'bogus'");
        Refused(await Mlops("pipeline", "run", "--input", """{"candidates":[{"kind":"ease","search":{"lambda":[100,300]}}]}""", "--candidates", "sar"), 2,
            "--candidates and --input's \"candidates\" both name the candidates");
        Refused(await Mlops("pipeline", "run", "--input", "{\"requireApproval\":\"yes\"}"), 2, "--input is not a valid input of this orchestration: requireApproval: must be true or false");
        Refused(await Mlops("pipeline", "run", "--input", "[1]"), 2, "--input is not a valid input of this orchestration: body: must be an object.");
        // A parameter typo was three failed training attempts and a failed pipeline (exit 1): now refused up front.
        Refused(await Mlops("pipeline", "run", "--input", "{\"candidates\":[{\"kind\":\"ials\",\"parameters\":{\"factorz\":4}}]}"), 2,
            "candidates[0].parameters: Unknown parameter 'factorz'");
    }

    /// <summary>
    /// An unknown verb read "Required command was not provided. Unrecognized command or argument 'x'."; a group without its
    /// verb only the first sentence. Each now says what is wrong and points at the help of the command reached.
    /// </summary>
    [Fact]
    public async Task UnknownOrMissingVerb_SaysWhichAndPointsAtThatCommandsHelp()
    {
        var work = TestEnvironment.NewTempFolder("careless-verbs");
        var unknown = await CliRunner.RunAsync(work, "bogusverb");
        Refused(unknown, 2, "error: Unrecognized command or argument 'bogusverb'. (see 'mlops --help')");
        var unknownInGroup = await CliRunner.RunAsync(work, "models", "bogus");
        Refused(unknownInGroup, 2, "error: Unrecognized command or argument 'bogus'. (see 'mlops models --help')");
        var missing = await CliRunner.RunAsync(work, "pipeline");
        Refused(missing, 2, "error: 'mlops pipeline' needs a command: ");
        Assert.Contains(" status,", missing.StdErr, StringComparison.Ordinal);
        Assert.Contains("(see 'mlops pipeline --help')", missing.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", unknown.StdErr + unknownInGroup.StdErr + missing.StdErr, StringComparison.Ordinal);
    }

    /// <summary>A word where a number belongs was "Cannot parse argument 'x' for option '--days' as expected type 'System.Int32'".</summary>
    [Fact]
    public async Task TextWhereANumberBelongs_NamesTheOptionOrArgument_AndTheKind_NotTheDotNetType()
    {
        var work = TestEnvironment.NewTempFolder("careless-numbers");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, [.. args, "--store", "store"]);

        var days = await Mlops("drift", "check", "--days", "x");
        Refused(days, 2, "error: --days: 'x' is not a whole number. (see 'mlops drift check --help')");
        Refused(await Mlops("pipeline", "purge", "--older-than-days", "soon"), 2, "error: --older-than-days: 'soon' is not a whole number.");
        var version = await Mlops("models", "show", "abc");
        Refused(version, 2, "error: VERSION: 'abc' is not a whole number.");
        Assert.DoesNotContain("System.", days.StdErr + version.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drift_OverAnEmptyWindowOrReference_IsRefused_NotNoDrift()
    {
        var (work, mlops) = await StoreWithEventsAsync("careless-drift");

        Refused(await mlops(["drift", "check", "--window-start", "2030-01-01"]), 2, "--window-start: no events in");
        Refused(await mlops(["drift", "check", "--reference-from", "2030-01-01", "--reference-to", "2030-02-01"]), 2, "the store holds events from 2024-05-01 to 2024-05-02");
        Refused(await mlops(["drift", "report", "--out", work]), 2, "is a folder");
        // A file in a folder that does not exist: the line names the option and the folder (it was "Could not find a part of the path").
        var nowhere = await mlops(["drift", "report", "--out", Path.Combine(work, "no-such-folder", "drift.html")]);
        Refused(nowhere, 2, "error: --out ");
        Assert.Contains("no-such-folder does not exist", nowhere.StdErr, StringComparison.Ordinal);
        var fine = await mlops(["drift", "check", "--window-start", "2024-05-02", "--json"]);
        Assert.True(fine.ExitCode == 0, fine.ToString());
    }

    /// <summary>
    /// A file in the wrong format (a pretty-printed JSON array read as NDJSON) accepted nothing and exited 0; a folder was
    /// "no such file". Both are exit 2 saying what is wrong; the --json result still reaches stdout, and repeats alone are
    /// not an error (a daily export sent again).
    /// </summary>
    [Fact]
    public async Task Import_WrongFormatFile_Exit2_FolderNamed_RepeatsAreFine()
    {
        var (work, mlops) = await StoreWithEventsAsync("careless-format");
        await File.WriteAllTextAsync(Path.Combine(work, "pretty.json"), "[\n  {\n    \"userId\": \"u1\",\n    \"contentId\": \"m1\",\n    \"timestamp\": 1700000000\n  }\n]\n");
        var wrong = await mlops(["import", "events", "pretty.json", "--json"]);
        Refused(wrong, 2, "error: none of the 7 rows was accepted (line:unparseable_line 7); is the file ndjson?");
        Assert.Equal(0, wrong.Json().GetProperty("accepted").GetInt32());
        Refused(await mlops(["import", "events", work]), 2, "is a folder: give one file");
        Refused(await mlops(["import", "catalog", work]), 2, "is a folder: give one file");

        await File.WriteAllTextAsync(Path.Combine(work, "again.csv"), "userId,contentId,timestamp,rating\r\nu1,m1,2024-05-01T10:00:00Z,4\r\n");
        var repeat = await mlops(["import", "events", "again.csv", "--json"]);
        Assert.True(repeat.ExitCode == 0, repeat.ToString());
        Assert.Equal(1, repeat.Json().GetProperty("reasons").GetProperty("eventId:already_imported").GetInt32());
    }

    [Fact]
    public async Task Import_InfiniteRatingScale_AndMovieLensRatingsWithoutHeader()
    {
        var (work, mlops) = await StoreWithEventsAsync("careless-import");
        Refused(await mlops(["import", "events", "e.csv", "--rating-scale", "1..Infinity"]), 2, "with finite numbers");
        // The line names the option (interfaces.md): "rating scale '10' must look like …" left the user to guess which.
        Refused(await mlops(["import", "events", "e.csv", "--rating-scale", "10"]), 2, "error: --rating-scale '10' must look like MIN..MAX");

        var ml = Path.Combine(work, "ml");
        Directory.CreateDirectory(ml);
        await File.WriteAllTextAsync(Path.Combine(ml, "movies.csv"), "movieId,title,genres\n1,Heat (1995),Action\n");
        await File.WriteAllTextAsync(Path.Combine(ml, "ratings.csv"), "1,1,4.0,964982703\n");
        var headerless = await mlops(["import", "movielens", ml]);
        Assert.NotEqual(0, headerless.ExitCode);
        Assert.Contains("the first line must be the header 'userId,movieId,rating,timestamp'", headerless.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("--map", headerless.StdErr, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>serve</c> with a malformed <c>--urls</c> or a port another process holds: one line saying what to do, no stack
    /// traces (both printed two logged stack traces, ~80 lines, before "error: Invalid url" / "failed: IOException: Failed
    /// to bind"; found running <c>mlops serve --urls notaurl</c> and a second <c>mlops serve</c> on a port in use).
    /// </summary>
    [Fact]
    public async Task Serve_BadUrlsOrAPortInUse_OneLineNoStackTrace()
    {
        var work = TestEnvironment.NewTempFolder("careless-serve");
        Refused(await CliRunner.RunAsync(work, "serve", "--urls", "notaurl", "--store", "store"), 2, "error: --urls 'notaurl' is not an address to listen on");

        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var busy = await CliRunner.RunAsync(work, "serve", "--urls", $"http://127.0.0.1:{port}", "--store", "store");
            Refused(busy, 1, $"failed: --urls http://127.0.0.1:{port}: 127.0.0.1:{port} is already in use");
            Assert.DoesNotContain("fail:", busy.StdErr, StringComparison.Ordinal); // the host was not started
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task Generate_DataTheImporterWouldQuarantine_IsRefused()
    {
        var work = TestEnvironment.NewTempFolder("careless-generate");
        Task<CliRunner.Run> Mlops(params string[] args) => CliRunner.RunAsync(work, args);

        Refused(await Mlops("generate", "--out", "g1", "--start", "1900-01-01", "--events", "100"), 2, "before 1990-01-01");
        Refused(await Mlops("generate", "--out", "g2", "--start", "2099-01-01", "--events", "100"), 2, "must end by today");
        await File.WriteAllTextAsync(Path.Combine(work, "afile"), "x");
        Refused(await Mlops("generate", "--out", "afile", "--events", "100"), 2, "--out afile is a file");
        Refused(await Mlops("benchmark", "ingest", "--rows", "-5"), 2, "--rows must be at least 1");
    }

    [Fact]
    public async Task Serve_WithABadAddress_KeepsHostLogsOffStdout()
    {
        var (_, mlops) = await StoreWithEventsAsync("careless-serve");

        var run = await mlops(["serve", "--urls", "notaurl"]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("fail:", run.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StdOut, StringComparison.Ordinal);
    }
    [Fact]
    public async Task Store_EmptyOrAFile_KeyNotesWithControlCharacters_ABinaryCatalogue()
    {
        var work = TestEnvironment.NewTempFolder("careless-store");
        await File.WriteAllTextAsync(Path.Combine(work, "afile"), "x");
        await File.WriteAllBytesAsync(Path.Combine(work, "c.csv"), [0x1B, 0x5B, 0x33, 0x31, 0x6D, 0x00, 0xFF, 0x0A, 0x41]);

        Refused(await CliRunner.RunAsync(work, "data", "stats", "--store", ""), 2, "--store is empty");
        // Benchmarks work on data of their own: --store was accepted and ignored, so a user believed their store was measured.
        foreach (var verb in new[] { "drift", "features", "ingest", "recsys" })
            Refused(await CliRunner.RunAsync(work, "benchmark", verb, "--store", "store"), 2, $"--store: 'benchmark {verb}' does not read or write your store");
        Refused(await CliRunner.RunAsync(work, "data", "stats", "--store", "afile"), 2, "--store afile is a file");
        // A connection string the SDK refuses (an account without its key): the line names --store (it said only "No valid
        // combination of account information found") and does not echo the string, which may hold a secret.
        var badConnection = await CliRunner.RunAsync(work, "keys", "list", "--store", "DefaultEndpointsProtocol=https;AccountName=x");
        Refused(badConnection, 2, "error: --store (or MLOPS_STORE) is not a usable connection string");
        Assert.DoesNotContain("AccountName=x", badConnection.StdErr, StringComparison.Ordinal);
        Refused(await CliRunner.RunAsync(work, "keys", "create", "--role", "read", "--note", "a\nb\u001b[31m", "--store", "store"), 2, "--note: must be one line of printable text");
        // A key's note is shown in audit entries like a name: a bidi override (let through until 2026-12-07) is refused too.
        Refused(await CliRunner.RunAsync(work, "keys", "create", "--role", "read", "--note", "ops\u202Eyek", "--store", "store"), 2, "--note: must be one line of printable text");
        Refused(await CliRunner.RunAsync(work, "drift", "alerts", "ack", "some-alert", "--by", " ", "--store", "store"), 2, "--by must name someone");
        // As over HTTP: who and why are printed as they are by later commands, so they are one printable line (found by review).
        Refused(await CliRunner.RunAsync(work, "drift", "alerts", "ack", "some-alert", "--by", "ana\u001b[2J", "--store", "store"), 2, "--by: must be one line of printable text");
        Refused(await CliRunner.RunAsync(work, "models", "rollback", "--reason", "oops\r\nforged", "--store", "store"), 2, "--reason: must be one line of printable text");
        // A reason given blank (`--reason "$WHY"` with WHY unset) is refused, not recorded as one that says nothing (until 2026-12-07).
        Refused(await CliRunner.RunAsync(work, "models", "rollback", "--reason", "", "--store", "store"), 2, "--reason: must not be blank");
        Refused(await CliRunner.RunAsync(work, "models", "promote", "1", "--reason", "  ", "--store", "store"), 2, "--reason: must not be blank");
        Refused(await CliRunner.RunAsync(work, "pipeline", "approve", "some-run", "--comment", "ok\nrejected", "--store", "store"), 2, "--comment: must be one line of printable text");
        var binary = await CliRunner.RunAsync(work, "import", "catalog", "c.csv", "--store", "store");
        Refused(binary, 2, "the file does not look like text");
        Assert.DoesNotContain('\u001b', binary.StdErr);
    }
}
