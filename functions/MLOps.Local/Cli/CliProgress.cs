using System.Diagnostics;
using MLOps.Core.Ingest;
using Spectre.Console;

namespace MLOps.Local.Cli;

/// <summary>Progress of long jobs on stderr: a Spectre progress bar on a terminal, a plain line every few seconds otherwise.</summary>
public static class CliProgress
{
    public static async Task<T> RunAsync<T>(CliContext context, string label, Func<IProgress<IngestProgress>, Task<T>> work)
    {
        if (context.IsTerminal)
        {
            T result = default!;
            await context.Log.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(label), maxValue: 1);
                    result = await work(new Progress<IngestProgress>(p =>
                    {
                        task.Value = p.Fraction;
                        task.Description = Markup.Escape($"{label}: {p.Rows:N0} rows{Writing(p)}");
                    })).ConfigureAwait(false);
                    task.Value = 1;
                }).ConfigureAwait(false);
            return result;
        }
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        return await work(new SyncProgress(p =>
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(3)) return;
            last = clock.Elapsed;
            Console.Error.WriteLine($"{label}: {p.Rows:N0} rows ({p.Accepted:N0} accepted, {p.Quarantined:N0} quarantined){(p.Fraction > 0 ? $", {p.Fraction:P0}" : "")}{Writing(p)}");
        })).ConfigureAwait(false);
    }

    /// <summary>The write phase (day blobs), which can take most of an import with many days.</summary>
    private static string Writing(IngestProgress p) => p.BlobsToWrite > 0 ? $", writing blobs {p.BlobsWritten:N0} of {p.BlobsToWrite:N0}" : "";

    /// <summary>Progress of a job that knows only its fraction done.</summary>
    public static async Task<T> RunFractionAsync<T>(CliContext context, string label, Func<IProgress<double>, Task<T>> work)
    {
        if (context.IsTerminal)
        {
            T result = default!;
            await context.Log.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(label), maxValue: 1);
                    result = await work(new Progress<double>(f => task.Value = f)).ConfigureAwait(false);
                    task.Value = 1;
                }).ConfigureAwait(false);
            return result;
        }
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        return await work(new SyncFraction(f =>
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(3)) return;
            last = clock.Elapsed;
            Console.Error.WriteLine($"{label}: {f:P0}");
        })).ConfigureAwait(false);
    }

    private sealed class SyncFraction(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and may print after the summary).</summary>
    private sealed class SyncProgress(Action<IngestProgress> report) : IProgress<IngestProgress>
    {
        public void Report(IngestProgress value) => report(value);
    }
}
