using System.CommandLine;
using System.Globalization;
using MLOps.Core.Synthetic;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary><c>generate --out DIR --users N --items N --events N --days N --seed N [--drift SPEC]</c>.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var defaults = new GeneratorOptions();
        var output = new Option<string>("--out") { Description = "Folder to write events.csv, catalog.ndjson and generator.json to.", Required = true };
        var users = new Option<int>("--users") { Description = "Number of users.", DefaultValueFactory = _ => defaults.Users };
        var items = new Option<int>("--items") { Description = "Number of titles.", DefaultValueFactory = _ => defaults.Items };
        var events = new Option<int>("--events") { Description = "Number of viewing events.", DefaultValueFactory = _ => defaults.Events };
        var days = new Option<int>("--days") { Description = "Days the events span.", DefaultValueFactory = _ => defaults.Days };
        var seed = new Option<long>("--seed") { Description = "Seed: the same options and seed give the same bytes.", DefaultValueFactory = _ => defaults.Seed };
        var start = new Option<string?>("--start") { Description = $"First day, yyyy-MM-dd (default {defaults.Start:yyyy-MM-dd})." };
        var drift = new Option<string?>("--drift")
        {
            Description = "Planted drift, ';'-separated: genre-surge:genre=Horror,factor=4,from=30 · volume:factor=0.5,from=30 · " +
                          "rating-scale:max=10,from=30 · account-burst:user=u1,events=500,countries=12,from=30 (from = 0-based day).",
        };
        var zipf = new Option<double>("--zipf") { Description = "Zipf exponent of title popularity (1 = classic Zipf; lower = a flatter catalogue where taste matters more).", DefaultValueFactory = _ => defaults.ZipfExponent };
        var communities = new Option<int>("--communities") { Description = "Taste communities sharing favourite titles across genres (0 = off): gives collaborative models item-level signal to learn.", DefaultValueFactory = _ => defaults.Communities };
        var communityShare = new Option<double>("--community-share") { Description = "Share of a member's views drawn from the community's favourites.", DefaultValueFactory = _ => defaults.CommunityShare };
        var noRepeats = new Option<bool>("--no-repeats") { Description = "A user rarely draws a title already watched (as on a real service); by default titles repeat freely." };
        var command = new Command("generate", "Generate a realistic synthetic streaming dataset (deterministic from the seed).") { output, users, items, events, days, seed, start, drift, zipf, communities, communityShare, noRepeats };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var options = new GeneratorOptions
            {
                Users = p.GetValue(users),
                Items = p.GetValue(items),
                Events = p.GetValue(events),
                Days = p.GetValue(days),
                Seed = p.GetValue(seed),
                ZipfExponent = p.GetValue(zipf),
                Communities = p.GetValue(communities),
                CommunityShare = p.GetValue(communityShare),
                RepeatViews = !p.GetValue(noRepeats),
                Start = p.GetValue(start) is { } s
                    ? DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw new CliUsageException($"--start '{s}' is not a yyyy-MM-dd date.")
                    : defaults.Start,
                Drift = p.GetValue(drift) is { } spec ? DriftSpec.Parse(spec) : null,
            };
            // Generated data is for importing: events the importer would quarantine as before 1990 or in the future are no use.
            var earliest = new DateOnly(1990, 1, 1);
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            if (options.Start < earliest) throw new CliUsageException($"--start {options.Start:yyyy-MM-dd} is before 1990-01-01, the earliest event the importer accepts.");
            if (options.Days >= 1 && options.Start.DayNumber + (long)options.Days - 1 > today.DayNumber)
                throw new CliUsageException($"--start {options.Start:yyyy-MM-dd} with --days {options.Days} must end by today ({today:yyyy-MM-dd}): the importer quarantines events in the future.");
            var dir = p.GetValue(output)!;
            if (File.Exists(dir)) throw new CliUsageException($"--out {dir} is a file; give a directory (it is created when missing).");
            var summary = await CliProgress.RunFractionAsync(context, "generate",
                progress => Task.Run(() => SyntheticGenerator.Generate(options, dir, progress, cancellationToken), cancellationToken)).ConfigureAwait(false);
            context.Result(Json(summary), console => Print(console, summary));
            return ExitCodes.Done;
        });
        return command;
    }

    public static object Json(GeneratorSummary s) => new
    {
        events = s.Events,
        users = s.Users,
        items = s.Items,
        days = s.Options.Days,
        seed = s.Options.Seed,
        from = s.From,
        to = s.To,
        drift = s.Options.Drift?.ToString(),
        eventsFile = s.EventsFile,
        catalogFile = s.CatalogFile,
        seconds = s.Seconds,
    };

    public static void Print(IAnsiConsole console, GeneratorSummary s)
    {
        console.WriteLine($"generated {s.Events:N0} events, {s.Users:N0} users, {s.Items:N0} titles over {s.Options.Days} days from {s.From:yyyy-MM-dd} (seed {s.Options.Seed}) in {s.Seconds:0.00} s");
        if (s.Options.Drift is { } d) console.WriteLine($"  drift: {d}");
        console.WriteLine($"  {s.EventsFile}");
        console.WriteLine($"  {s.CatalogFile}");
    }
}
