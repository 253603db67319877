using System.CommandLine;
using System.Diagnostics;
using MLOps.Core.Ingest;
using MLOps.Core.Synthetic;
using MLOps.Storage;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>
/// <c>benchmark ingest</c>: generates a synthetic CSV (not timed), then times importing it into a fresh folder store,
/// from opening the file (batch-id hash included) to the manifest written. Prints rows/s.
/// </summary>
public static class BenchmarkIngestCommand
{
    public static void Add(Command root)
    {
        var rows = new Option<int>("--rows") { Description = "Events in the synthetic CSV.", DefaultValueFactory = _ => 1_000_000 };
        var days = new Option<int>("--days") { Description = "Days the events span (one partition each).", DefaultValueFactory = _ => 30 };
        var seed = new Option<long>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 42 };
        var file = new Option<string?>("--file") { Description = "Benchmark this CSV instead of generating one." };
        var keep = new Option<bool>("--keep") { Description = "Keep the generated file and the store (printed) instead of deleting them." };
        var command = new Command("ingest", "Measure ingest throughput (rows/s) of a synthetic CSV into a fresh folder store.") { rows, days, seed, file, keep };
        command.SetVerbAction(async (context, cancellationToken) =>
        {
            var p = context.Parse;
            var work = Path.Combine(Path.GetTempPath(), "mlops-bench", $"ingest-{Guid.NewGuid():N}");
            if (p.GetValue(rows) < 1) throw new CliUsageException($"--rows must be at least 1, not {p.GetValue(rows)}.");
            Directory.CreateDirectory(work);
            try
            {
                var path = p.GetValue(file);
                double generateSeconds = 0;
                if (path is null)
                {
                    var options = new GeneratorOptions
                    {
                        Events = p.GetValue(rows),
                        Days = p.GetValue(days),
                        Users = Math.Max(100, p.GetValue(rows) / 100),
                        Items = Math.Max(100, Math.Min(20_000, p.GetValue(rows) / 200)),
                        Seed = p.GetValue(seed),
                    };
                    var summary = await CliProgress.RunFractionAsync(context, "generate",
                        progress => Task.Run(() => SyntheticGenerator.Generate(options, work, progress, cancellationToken), cancellationToken)).ConfigureAwait(false);
                    path = summary.EventsFile;
                    generateSeconds = summary.Seconds;
                    context.Log.WriteLine($"generated {summary.Events:N0} events in {summary.Seconds:0.00} s: {path}");
                }
                else if (!File.Exists(path)) throw new CliUsageException($"--file {path}: no such file.");

                var store = new FolderBlobStore(Path.Combine(work, "store"));
                var clock = Stopwatch.StartNew();
                // CPU time too: on a shared machine wall time says more about the neighbours than about the ingestor.
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var result = await CliProgress.RunAsync(context, "ingest", progress =>
                    new EventIngestor(store).IngestAsync(EventSources.File(path, EventSources.FormatOf(path), ColumnMap.Default, RatingScale.Default), progress, cancellationToken: cancellationToken)).ConfigureAwait(false);
                var seconds = clock.Elapsed.TotalSeconds;
                var rate = result.RowsRead / seconds;
                var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                var json = new
                {
                    rows = result.RowsRead,
                    accepted = result.Accepted,
                    quarantined = result.Quarantined,
                    seconds = Math.Round(seconds, 3),
                    rowsPerSecond = Math.Round(rate),
                    cpuSeconds = Math.Round(cpuSeconds, 3),
                    fileBytes = new FileInfo(path).Length,
                    blobs = result.BlobsWritten,
                    days = result.Days,
                    generateSeconds,
                    processors = Environment.ProcessorCount,
                };
                context.Result(json, console =>
                {
                    console.WriteLine($"ingested {result.RowsRead:N0} rows ({result.Accepted:N0} accepted, {result.Quarantined:N0} quarantined) in {seconds:0.00} s: {rate:N0} rows/s ({cpuSeconds:0.00} s of CPU)");
                    console.WriteLine($"  {json.fileBytes / 1e6:0.0} MB CSV → {result.BlobsWritten} blobs in {result.Days} day partitions, {Environment.ProcessorCount} cores");
                });
                return ExitCodes.Done;
            }
            finally
            {
                if (p.GetValue(keep)) context.Log.WriteLine($"kept {work}");
                else
                {
                    try { Directory.Delete(work, recursive: true); }
                    catch (IOException) { }
                }
            }
        });
        root.Group("benchmark", "Benchmarks that print reproducible figures.").Subcommands.Add(command);
    }
}
